/**
 * Seed 001, "High-level array abstractions: DistributedArrays.jl": a DArray of 10 matrices,
 * which workers hold which part, and `map(svdvals, D)` computed where the data is.
 *
 * | DistributedArrays.jl | here |
 * | --- | --- |
 * | `D = distribute(M)` | `const D = await distribute(M)` |
 * | `procs(D)` | `D.pids` |
 * | `localpart(D)` | `localpart(D)` (empty on the master, as in Julia) |
 * | `@fetchfrom p DistributedArrays.localindices(D)` | `await fetchfrom(p, capture({ D }, () => localindices(D)))` |
 * | `map(svdvals, D)` | `await D.map(svdvals)`: a new DArray, made on the owners |
 * | `drand(...)` | `DArray.create(init, dims)`: each chunk made where it lives |
 *
 * The seed's 4 workers hold (1:3, 4:6, 7:8, 9:10) of 10 matrices; the 2 here hold [0, 5) and
 * [5, 10) (0-based, stop exclusive). On 4 pids the cut is Julia's: [0, 3), [3, 6), [6, 8), [8, 10).
 *
 * Usage: node dist/examples/seed001/09-darrays.js [matrix size]   (default 80; bun and deno run the .ts directly)
 *
 * @example
 * ```sh
 * deno run -A examples/seed001/09-darrays.ts
 * ```
 * @module
 */
import { addprocs, capture, DArray, distribute, everywhere, fetchfrom, localindices, localpart, pmap, rmprocs, workers } from "distributed";
import { type Matrix, rand, svdvals } from "./linalg.ts";
import { best } from "./timing.ts";

const n = Number(process.argv[2] ?? 80);
if (!Number.isInteger(n) || n < 2) {
  console.error("usage: 09-darrays [matrix size: an integer of at least 2, default 80]");
  process.exit(2);
}

const pids = await addprocs(2);
// @everywhere using LinearAlgebra: svdvals and rand travel to the workers by reference.
await everywhere(new URL(`./linalg.${import.meta.url.endsWith(".ts") ? "ts" : "js"}`, import.meta.url));

// M = Matrix{Float64}[rand(200,200) for i = 1:10]; D = distribute(M)
const M = Array.from({ length: 10 }, () => rand(n, n));
const D = await distribute(M);
console.log(`D = distribute(M): ${D.length} matrices of ${n}×${n}, ${D.kind} elements`);
console.log(`procs(D) = [${D.pids.join(", ")}]; workers() = [${workers().join(", ")}]`);
console.log(`localpart(D) on the master: ${JSON.stringify(localpart(D))}  # the master holds nothing`);
for (const p of workers()) {
  const [indices, count, first] = await fetchfrom(
    p,
    capture({ D }, () => [localindices(D).map(String), localpart(D).length, (localpart(D)[0] as Matrix).data[0]] as const),
  );
  const start = D.indices[D.pids.indexOf(p)]![0]!.start;
  console.log(
    `worker ${p}: localindices (${indices.join(", ")}) (${count} matrices), its first element is M[${start}]: ${
      first === M[start]!.data[0]
    }`,
  );
}

const viaMap = M.map(svdvals);
const S = await D.map(svdvals); // a DArray of the singular values, each computed on the owner of its matrix
console.log(`map(svdvals, D) == map(svdvals, M): ${JSON.stringify(await S.collect()) === JSON.stringify(viaMap)}`);
S.release();

const mapMs = await best(() => M.map(svdvals));
const dMs = await best(async () => (await D.map(svdvals)).release());
const pmapMs = await best(() => pmap(svdvals, M));
console.log(`map(svdvals, M)   ${mapMs.toFixed(1)} ms`);
console.log(`map(svdvals, D)   ${dMs.toFixed(1)} ms  (the data is already on the workers: only the results travel)`);
console.log(`pmap(svdvals, M)  ${pmapMs.toFixed(1)} ms  (every matrix travels to a worker each time)`);

// drand-like: each chunk made where it lives, never passing through the master.
const R = await DArray.create(([r]) => Array.from(r!, () => rand(50, 50)), [6]);
const largest = await (await R.map((m: Matrix) => Math.abs(svdvals(m)[0]! - 25) < 5)).collect();
console.log(`R = DArray.create(init, [6]): made on workers [${R.pids.join(", ")}]; largest singular values near 25: ${largest.join(", ")}`);

D.release();
R.release();
await rmprocs(pids);
