/**
 * Seed 003, "Data Movement": where a random matrix is made decides what crosses the wire.
 *
 * - Method 1: `A = rand(n,n); Bref = @spawn A^2; fetch(Bref)`: A is made here and sent to a
 *   worker (n×n×8 bytes out), squared there, and B comes back (n×n×8 bytes in).
 * - Method 2: `Bref = @spawn rand(n,n)^2; fetch(Bref)`: the matrix is made and squared on the
 *   worker; only the function goes out, and B comes back.
 * - Method 3 (the manual's "if the current process needs only a little of it"): B stays on
 *   the worker, and only what this process needs from it (its trace) comes back.
 *
 * The bytes each method moves are computed from the sizes (a Float64Array travels as its raw
 * bytes); the times are printed for information and differ by machine. Here `A^2` is a plain
 * triple-loop matrix product defined on every process with `everywhere`.
 *
 * Usage: node dist/examples/seed003/05-data-movement.js [n]   (default 300)
 *        (bun and deno run examples/seed003/05-data-movement.ts directly)
 *
 * @example
 * ```sh
 * node dist/examples/seed003/05-data-movement.js 500
 * bun examples/seed003/05-data-movement.ts
 * ```
 * @module
 */
import { addprocs, capture, everywhere, Future, remotecallFetch, rmprocs, spawnat } from "distributed";

const n = Number(process.argv[2] ?? 300);
if (!Number.isInteger(n) || n < 1) {
  console.error("usage: 05-data-movement [n: matrix size, a positive integer, default 300]");
  process.exit(2);
}

/** rand(n, n), column-major. */
function rand(n: number): Float64Array {
  return Float64Array.from({ length: n * n }, () => Math.random());
}
/** A^2 for an n×n column-major matrix. */
function square(A: Float64Array, n: number): Float64Array {
  const B = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    for (let k = 0; k < n; k++) {
      const akj = A[j * n + k]!;
      for (let i = 0; i < n; i++) B[j * n + i]! += A[k * n + i]! * akj;
    }
  }
  return B;
}
/** tr(B). */
function trace(B: Float64Array, n: number): number {
  let t = 0;
  for (let i = 0; i < n; i++) t += B[i * n + i]!;
  return t;
}

const pids = await addprocs(1);
await everywhere({ rand, square, trace }); // @everywhere: the functions on every process
const MB = (bytes: number): string => `${(bytes / 1e6).toFixed(2)} MB`;
const matrixBytes = n * n * 8;
const timed = async <T>(work: () => Promise<T>): Promise<[T, number]> => {
  const t = performance.now();
  const value = await work();
  return [value, (performance.now() - t) / 1000];
};
console.log(`${n}×${n} Float64 matrices (${MB(matrixBytes)} each), worker ${pids[0]}`);

// Method 1: A = rand(1000,1000); Bref = @spawn A^2; fetch(Bref)
const A = rand(n);
const [B1, t1] = await timed(() => spawnat("any", capture({ A, n }, () => square(A, n))).fetch());
console.log(`method 1, A made here:   sends ${MB(matrixBytes)} (A), receives ${MB(matrixBytes)} (B)  ${t1.toFixed(3)} s`);
// Method 2: Bref = @spawn rand(1000,1000)^2; fetch(Bref)
const [B2, t2] = await timed(() => spawnat("any", capture({ n }, () => square(rand(n), n))).fetch());
console.log(`method 2, A made there:  sends the function only, receives ${MB(matrixBytes)} (B)  ${t2.toFixed(3)} s`);
// Method 3: B stays on the worker; only its trace comes here.
const [tr, t3] = await timed(async () => {
  const Bref: Future<Float64Array> = spawnat("any", capture({ n }, () => square(rand(n), n)));
  return remotecallFetch(async (Bref: Future<Float64Array>, n: number) => trace(await Bref.fetch(), n), Bref.where, Bref, n);
});
console.log(`method 3, B stays there: sends the function only, receives 8 bytes (tr(B))  ${t3.toFixed(3)} s`);

// The results are what they should be: A^2 of the matrix sent, and matrices of the right size.
const check = square(A, n);
console.log(`method 1 returned A^2: ${B1.length === n * n && B1.every((v, k) => v === check[k])}`);
console.log(`method 2 returned a ${Math.sqrt(B2.length)}×${Math.sqrt(B2.length)} matrix; method 3 a trace > 0: ${tr > 0}`);
await rmprocs(pids);
