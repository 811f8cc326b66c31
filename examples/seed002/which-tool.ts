/**
 * Seed 002's lesson, "Distributed computing": which mechanism fits which problem, shown on one
 * small computation, the lesson's `compute_pi(N)` series, done each way, plus its
 * `estimate_pi(N, loops)` with `pmap` over `throw_darts`.
 *
 * 1. `distributed(range(0, N), term, "+")`: Julia's `@distributed (+)`, one tiny iteration per
 *    term, a reduction with no data to move: what `@distributed` is for.
 * 2. `pmap(partialPi, chunks)`: each call a larger piece of work that returns a value, the
 *    load balanced over the workers: what `pmap` is for (and `estimate_pi`, the lesson's code).
 * 3. `threads.reduce(range(0, N), term, "+")`: threads of this process (`Threads.@threads`),
 *    no worker processes at all.
 * 4. A `SharedArray` with thread workers: each worker writes its partial sum into its slot of
 *    one shared array, which the master then sums: SharedArrays as "a drop-in replacement for
 *    threading-like behaviour, on a single machine".
 * 5. DistributedArrays ("let the data do the work splitting"): `DArray` is a later issue; see
 *    examples/seed001/09-darrays.ts for the same idea with per-worker state.
 *
 * MPI.jl (SPMD) and Kubernetes.jl are not provided: the closest to MPI's model is the SPMD
 * start under Slurm, `init()` (examples/slurm/spmd-pi.ts); a Kubernetes cluster manager would
 * implement the `ClusterManager` interface (see examples/seed002/README.md).
 *
 * Usage: node dist/examples/seed002/which-tool.js [N]   (default 1e7; bun and deno run the .ts directly)
 *
 * @example
 * ```sh
 * bun examples/seed002/which-tool.ts 1e9   # large enough for the speedups to show
 * ```
 * @module
 */
import { addprocs, capture, distributed, everywhere, pmap, range, rmprocs, SharedArray, threads } from "distributed";
import { computePi, partialPi, term, throwDarts } from "./pi.ts";

const N = Number(process.argv[2] ?? 1e7);
if (!Number.isInteger(N) || N < 1000) {
  console.error("usage: which-tool [N: an integer of at least 1000, default 1e7]");
  process.exit(2);
}
const moduleUrl = new URL(`./pi.${import.meta.url.endsWith(".ts") ? "ts" : "js"}`, import.meta.url);

/** Runs f once to warm up, then again timed; prints its pi, whether it is within `tolerance` of π, and the time. */
async function show(name: string, f: () => Promise<number> | number, tolerance = 1e-5): Promise<void> {
  await f();
  const t = performance.now();
  const pi = await f();
  const ms = performance.now() - t;
  console.log(
    `  ${name.padEnd(46)} pi ≈ ${pi.toFixed(Math.min(6, Math.round(-Math.log10(tolerance)) + 1))}  close to π: ${
      Math.abs(pi - Math.PI) < tolerance
    }  ${ms.toFixed(1)} ms`,
  );
}

console.log(`compute_pi(N), N = ${N.toExponential(0)}, and estimate_pi with darts:`);
await show("serial computePi(N)", () => computePi(N));

// 1 and 2: worker processes.
const pids = await addprocs(2);
await everywhere(moduleUrl);
await show(`distributed(range, term, "+"), ${pids.length} workers`, async () => (await distributed(range(0, N + 1), term, "+"))!);
const CHUNKS = 16;
await show(
  `pmap(partialPi, ${CHUNKS} chunks), ${pids.length} workers`,
  async () => (await pmap(partialPi, range(0, N + 1).split(CHUNKS))).reduce((a, b) => a + b, 0),
);
// estimate_pi(N, loops) = 4 * sum(pmap((x)->throw_darts(N), 1:loops)) / (loops * N)
const darts = 1e6;
const loops = 8;
await show(
  `estimate_pi: pmap of ${loops} throw_darts(${darts.toExponential(0)})`,
  async () => (4 * (await pmap(capture({ darts }, () => throwDarts(darts)), range(0, loops))).reduce((a, b) => a + b, 0)) / (loops * darts),
  0.01,
);
await rmprocs(pids);

// 3: threads of this process.
await threads.setNthreads(2);
await show(
  `threads.reduce(range, term, "+"), ${threads.nthreads()} threads`,
  async () => (await threads.reduce(range(0, N + 1), term, "+"))!,
);

// 4: a SharedArray filled by thread workers.
const threadWorkers = await addprocs(2, { manager: "threads" });
await everywhere(moduleUrl);
await show(`SharedArray slots, ${threadWorkers.length} thread workers`, async () => {
  const slots = new SharedArray(Float64Array, [CHUNKS]);
  await distributed(
    range(0, CHUNKS),
    capture({ slots, N, CHUNKS }, (k: number) => {
      slots.data[k] = partialPi(range(0, N + 1).split(CHUNKS)[k]!);
    }),
  );
  return slots.data.reduce((a, b) => a + b, 0);
});
await rmprocs(threadWorkers);

console.log("which fits (the lesson's summary):");
console.log("  distributed:       reductions, and even fast inner loops, with little or no data transfer");
console.log("  pmap:              expensive calls that return a value; uneven work (it balances the load)");
console.log("  SharedArray:       threading-like behaviour on one machine; the data is shared, not copied");
console.log("  DistributedArrays: let the data do the work splitting (DArray is a later issue; see examples/seed001/09-darrays.ts)");
console.log("  MPI, Kubernetes:   not provided (SPMD under Slurm: init(), examples/slurm/spmd-pi.ts)");
await threads.close();
