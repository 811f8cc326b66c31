/**
 * Seed 001, "Distributed standard library": one master, workers added and removed at run time.
 *
 * - `nprocs()`, `nworkers()` before any worker: the master counts as the only worker.
 * - `addprocs(2)` returns the new pids; `workers()` lists them; the master is always pid 1.
 * - `rmprocs(workers())`, and `addprocs(2)` once more: pids are never reused, so do not rely
 *   on their literal values (use what addprocs returns, or `workers()`).
 *
 * Julia's `julia -p 4` (start with 4 workers) is `distributed run -p 4 script.ts` here, or
 * `addprocs(4)` at the top of the script.
 *
 * Usage: node dist/examples/seed001/01-workers.js   (bun and deno run the .ts directly)
 *
 * @example
 * ```sh
 * bun examples/seed001/01-workers.ts
 * deno run -A examples/seed001/01-workers.ts
 * ```
 * @module
 */
import { addprocs, myid, nprocs, nworkers, procs, rmprocs, workers } from "distributed";

const list = (xs: readonly number[]): string => `[${xs.join(", ")}]`;

console.log(`myid() = ${myid()}`);
console.log(`nprocs() = ${nprocs()}`);
console.log(`nworkers() = ${nworkers()}  # the master counts as a worker while there are none`);

console.log(`addprocs(2) = ${list(await addprocs(2))}`);
console.log(`workers() = ${list(workers())}`);
console.log(`procs() = ${list(procs())}; nprocs() = ${nprocs()}, nworkers() = ${nworkers()}`);

await rmprocs(workers());
console.log(`after rmprocs(workers()): nworkers() = ${nworkers()}, workers() = ${list(workers())}  # only the master is left`);

console.log(`addprocs(2) = ${list(await addprocs(2))}  # new pids: they are not reused`);
console.log(`workers() = ${list(workers())}`);
await rmprocs(workers());
