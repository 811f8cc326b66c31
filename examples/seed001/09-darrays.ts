/**
 * Seed 001, "High-level array abstractions: DistributedArrays.jl", with what exists today.
 *
 * `DArray`, `distribute` and `localpart` are a later issue (see DESIGN.md). This example does
 * the seed's computation with the pieces that exist, to show the idea: every worker keeps its
 * chunk of the data in its own Main (per-worker state, defined with `everywhere`), and the work
 * goes to the data, each worker mapping over its local part.
 *
 * | DistributedArrays.jl | here |
 * | --- | --- |
 * | `D = distribute(M)` | `distribute(M)`: chunk k of M sent to worker k, kept in its Main |
 * | `procs(D)` | `D.pids` |
 * | `localpart(D)` | `localpart(D)`, defined on every process (empty on the master, as in Julia) |
 * | `DistributedArrays.localindices(D)` on worker p | `D.indices[k]` for the k-th worker, or `fetchfrom(p, ...)` |
 * | `map(svdvals, D)` | every worker maps over its local part: `dmap(svdvals, D)` |
 * | `drand(...)`: made on the workers | `distributeNew(...)`: each chunk made where it lives |
 *
 * The seed's 4 workers hold (1:3, 4:6, 7:8, 9:10) of 10 matrices; the 2 here hold [0, 5) and
 * [5, 10) (0-based, stop exclusive).
 *
 * Usage: node dist/examples/seed001/09-darrays.js [matrix size]   (default 80; bun and deno run the .ts directly)
 *
 * @example
 * ```sh
 * deno run -A examples/seed001/09-darrays.ts
 * ```
 * @module
 */
import { addprocs, everywhere, fetchfrom, pmap, type Range, range, rmprocs, workers } from "distributed";
import { type Matrix, rand, svdvals } from "./linalg.ts";
import { best } from "./timing.ts";

const n = Number(process.argv[2] ?? 80);
if (!Number.isInteger(n) || n < 2) {
  console.error("usage: 09-darrays [matrix size: an integer of at least 2, default 80]");
  process.exit(2);
}

/** A distributed array's handle: which workers hold which indices. The data stays on them. */
interface DHandle {
  id: string;
  pids: number[];
  indices: Range[];
  length: number;
}

const pids = await addprocs(2);
await everywhere(new URL(`./linalg.${import.meta.url.endsWith(".ts") ? "ts" : "js"}`, import.meta.url));
// Per-process state: the chunks this process holds, by array id, and localpart(D).
await everywhere({
  chunks: new Map<string, unknown[]>(),
  localpart: (D: DHandle): unknown[] => chunks.get(D.id) ?? [],
});
// everywhere({ ... }) makes these globals of every process, the master included; for TypeScript:
declare const chunks: Map<string, unknown[]>;
declare function localpart<T>(D: DHandle): T[];

let nextId = 0;
/** `distribute(xs)`: one contiguous chunk per worker, sent there and kept in its Main. */
async function distribute<T>(xs: readonly T[]): Promise<DHandle> {
  const D: DHandle = { id: `d${++nextId}`, pids: workers(), indices: range(0, xs.length).split(workers().length), length: xs.length };
  await Promise.all(
    D.pids.map((p, k) =>
      fetchfrom(p, (id: string, part: T[]) => void chunks.set(id, part), D.id, xs.slice(D.indices[k]!.start, D.indices[k]!.stop))
    ),
  );
  return D;
}
/** Like `drand`: each worker makes its own chunk, so the data never passes through the master. */
async function distributeNew(count: number, size: number): Promise<DHandle> {
  const D: DHandle = { id: `d${++nextId}`, pids: workers(), indices: range(0, count).split(workers().length), length: count };
  await Promise.all(
    D.pids.map((p, k) =>
      fetchfrom(
        p,
        (id: string, m: number, s: number) => void chunks.set(id, Array.from({ length: m }, () => rand(s, s))),
        D.id,
        D.indices[k]!.length,
        size,
      )
    ),
  );
  return D;
}
/** `map(f, D)`: every worker maps over its local part; the results come back in order. */
async function dmap<T, R>(f: (x: T) => R, D: DHandle): Promise<R[]> {
  const parts = await Promise.all(D.pids.map((p) => fetchfrom(p, (f: (x: T) => R, D: DHandle) => localpart<T>(D).map(f), f, D)));
  return parts.flat();
}

// M = Matrix{Float64}[rand(200,200) for i = 1:10]; D = distribute(M)
const M = Array.from({ length: 10 }, () => rand(n, n));
const D = await distribute(M);
console.log(`D = distribute(M): ${D.length} matrices of ${n}×${n}`);
console.log(`procs(D) = [${D.pids.join(", ")}]; workers() = [${workers().join(", ")}]`);
console.log(`localpart(D) on the master: ${JSON.stringify(localpart(D))}  # the master holds nothing`);
for (const p of D.pids) {
  const [count, first] = await fetchfrom(p, (D: DHandle) => [localpart<Matrix>(D).length, localpart<Matrix>(D)[0]!.data[0]], D);
  const k = D.pids.indexOf(p);
  console.log(
    `worker ${p}: localindices ${D.indices[k]} (${count} matrices), its first element is M[${D.indices[k]!.start}]: ${
      first === M[D.indices[k]!.start]!.data[0]
    }`,
  );
}

const viaMap = M.map(svdvals);
const viaD = await dmap(svdvals, D);
console.log(`map(svdvals, D) == map(svdvals, M): ${JSON.stringify(viaD) === JSON.stringify(viaMap)}`);

const mapMs = await best(() => M.map(svdvals));
const dMs = await best(() => dmap(svdvals, D));
const pmapMs = await best(() => pmap(svdvals, M));
console.log(`map(svdvals, M)   ${mapMs.toFixed(1)} ms`);
console.log(`map(svdvals, D)   ${dMs.toFixed(1)} ms  (the data is already on the workers: only the results travel)`);
console.log(`pmap(svdvals, M)  ${pmapMs.toFixed(1)} ms  (every matrix travels to a worker each time)`);

// drand-like: made where it lives.
const R = await distributeNew(6, 50);
const largest = (await dmap((m: Matrix) => svdvals(m)[0]!, R)).map((s) => Math.abs(s - 25) < 5);
console.log(`R = distributeNew(6, 50): made on workers [${R.pids.join(", ")}]; largest singular values near 25: ${largest.join(", ")}`);

await rmprocs(pids);
