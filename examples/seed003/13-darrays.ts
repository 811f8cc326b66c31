/**
 * Seed 003, "Noteworthy external packages: DistributedArrays.jl": the same generic code on plain
 * arrays and on DArrays. First the broadcast `C = 2 .* A ./ B` (→ `dmap((a, b) => 2 * a / b, dA,
 * dB)`, elementwise on the owners of the chunks), then `power_method(M, v)` (`v = M*v; v /=
 * norm(v)`, 100 times), written once against a small interface that both a plain matrix and a
 * DArray meet: with DArrays, M and v stay on the workers, each iteration's product runs on the
 * owners of M's row blocks and only the norms come back.
 *
 * | Julia | here |
 * | --- | --- |
 * | `dA = distribute(A)` | `const dA = await distribute(A)` |
 * | `dC = 2 .* dA ./ dB` | `const dC = await dmap((a, b) => 2 * a / b, dA, dB)` |
 * | `all(dC .≈ 4*π)` | `await mapreduce((c) => Math.abs(c - 4 * Math.PI) < 1e-12 ? 1 : 0, "min", dC) === 1` |
 * | `dM = distribute(M)` (row blocks) | `await distribute(M, { dims: [2, 2], dist: [2, 1] })` |
 * | `M*v`, `norm(v)`, `v / s` | `M.mul(v)`, `norm(v)`, `v.map(capture({ s }, (x) => x / s))` |
 *
 * Usage: node dist/examples/seed003/13-darrays.js   (bun and deno run the .ts directly)
 *
 * @example
 * ```sh
 * deno run -A examples/seed003/13-darrays.ts
 * ```
 * @module
 */
import { addprocs, capture, type DArray, distribute, dmap, mapreduce, norm, rmprocs, workers } from "distributed";

const pids = await addprocs(2);

// B = ones(10_000) ./ 2; A = ones(10_000) .* π; C = 2 .* A ./ B
const B = new Float64Array(10_000).fill(1).map((x) => x / 2);
const A = new Float64Array(10_000).fill(1).map((x) => x * Math.PI);
const C = A.map((a, i) => 2 * a / B[i]!);
console.log(`all(C .≈ 4π): ${C.every((c) => Math.abs(c - 4 * Math.PI) < 1e-12)}  typeof(C): ${C.constructor.name}`);
const dB = await distribute(B);
const dA = await distribute(A);
const dC = await dmap((a: number, b: number) => 2 * a / b, dA, dB);
const allClose = await mapreduce((c: number) => (Math.abs(c - 4 * Math.PI) < 1e-12 ? 1 : 0), "min", dC);
console.log(`all(dC .≈ 4π): ${allClose === 1}  typeof(dC): ${dC}`);

/** What power_method needs of a matrix and a vector: a product, a norm and a division by a scalar. */
interface LinearOps<Mat, Vec> {
  mul(M: Mat, v: Vec): Promise<Vec>;
  norm(v: Vec): Promise<number>;
  div(v: Vec, s: number): Promise<Vec>;
}

/** `for i in 1:100 v = M*v; v /= norm(v) end; return v, norm(M*v) / norm(v)`, for any LinearOps. */
async function power_method<Mat, Vec>(ops: LinearOps<Mat, Vec>, M: Mat, v: Vec): Promise<[Vec, number]> {
  for (let i = 0; i < 100; i++) {
    v = await ops.mul(M, v);
    v = await ops.div(v, await ops.norm(v));
  }
  return [v, (await ops.norm(await ops.mul(M, v))) / (await ops.norm(v))];
}

// Plain arrays: M column-major, as in Julia.
const plain: LinearOps<Float64Array, Float64Array> = {
  mul: async (M, v) => {
    const n = v.length;
    const out = new Float64Array(n);
    for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) out[i]! += M[i + j * n]! * v[j]!;
    return out;
  },
  norm: async (v) => Math.sqrt(v.reduce((s, x) => s + x * x, 0)),
  div: async (v, s) => v.map((x) => x / s),
};
// DArrays: the product on the owners of M's rows, the norm reduced on the owners of v, the
// division mapped there; each step's old vector is released as soon as the next exists.
const distributed: LinearOps<DArray, DArray> = {
  mul: (M, v) => M.mul(v),
  norm: (v) => norm(v),
  div: async (v, s) => {
    const w = await v.map(capture({ s }, (x: number) => x / s));
    v.release();
    return w;
  },
};

const M = new Float64Array([2, 1, 1, 1]); // [2. 1; 1 1]
const v = new Float64Array([0.40395, 0.445877]);
const [pv, lambda] = await power_method(plain, M, v);
console.log(`power_method(M, v) = ([${[...pv].map((x) => x.toFixed(6)).join(", ")}], ${lambda})`);
const dM = await distribute(M, { dims: [2, 2], dist: [workers().length, 1] });
const dv = await distribute(v);
const [dpv, dlambda] = await power_method(distributed, dM, dv);
const got = await dpv.collect();
console.log(`power_method(dM, dv) = ([${[...got].map((x) => x.toFixed(6)).join(", ")}], ${dlambda})  typeof: ${dpv}`);
console.log(
  `the same vector as with plain arrays: ${got.every((x, i) => Math.abs(x - pv[i]!) < 1e-14)}; the golden ratio squared: ${
    Math.abs(dlambda - ((1 + Math.sqrt(5)) / 2) ** 2) < 1e-12
  }`,
);

for (const D of [dA, dB, dC, dM, dpv]) D.release();
await rmprocs(pids);
