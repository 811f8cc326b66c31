/**
 * Seed 003's advection example: the kernel `q[i,j,t+1] = q[i,j,t] + u[i,j,t]` over two
 * SharedArrays of shape [n, n, nt], four ways:
 *
 * - `advection_serial`: the whole array in this process;
 * - `advection_parallel`: Julia's `@distributed for j` once per time step, on the thread
 *   workers (many small rounds: the slow one in the seed too);
 * - `advection_shared`: each participant of q (this process and the workers) runs its
 *   own block of columns for all time steps, all at once, via remotecallFetch on every pid in
 *   `q.pids` (Julia's `@async remotecall_wait(advection_shared_chunk!, p, q, u)`);
 * - `threads.parallelFor`: the columns in one block per thread of this process's pool
 *   (`Threads.@threads for b in 1:nthreads()`).
 *
 * Columns are independent (q[i,j,t+1] needs only q[i,j,t]), so splitting the second dimension
 * is safe. As in the seed, each version runs once to warm up before it is timed (best of three
 * runs); q's time steps after the first are zeroed before every run, and every version must
 * produce exactly the serial result ("results identical: true").
 *
 * The kernel moves 24 bytes per addition, so it is bound by memory bandwidth more than by
 * cores: expect well under a speedup of n on n cores, and the per-step `distributed` version
 * to be slower than serial, as in the seed.
 *
 * The workers are thread workers, or with the argument `processes` worker processes on this
 * host (`julia -p 4` in the seed): q and u are then mapped from /dev/shm by every participant.
 *
 * Usage: node dist/examples/threads/advection.js [n] [nt] [workers] [threads|processes]
 *        (default 300 100 (q and u of 300×300×100, 72 MB each) and one thread worker less
 *        than the CPUs, at least one;
 *        bun and deno run examples/threads/advection.ts directly)
 *
 * @example
 * ```sh
 * node dist/examples/threads/advection.js            # 300×300×100
 * bun examples/threads/advection.ts 500 100 3
 * ```
 * @module
 */
import { availableParallelism } from "node:os";
import {
  addprocs,
  capture,
  currentRuntime,
  distributed,
  everywhere,
  localindices,
  myid,
  range,
  remotecallFetch,
  rmprocs,
  SharedArray,
  threads,
} from "distributed";
import { advectionChunk, advectionSharedChunk, type ChunkReport } from "./advection-kernel.ts";

const n = Number(process.argv[2] ?? 300);
const nt = Number(process.argv[3] ?? 100);
const count = Number(process.argv[4] ?? Math.max(1, availableParallelism() - 1));
const kind = process.argv[5] ?? "threads";
if (![n, nt, count].every((x) => Number.isInteger(x) && x >= 1) || nt < 2 || !["threads", "processes"].includes(kind)) {
  console.error(
    "usage: advection [n: size of the first two dimensions] [nt: time steps, at least 2] [workers] [threads|processes, default threads]",
  );
  process.exit(2);
}

const pids = await addprocs(count, kind === "threads" ? { manager: "threads" } : {});
// The module next to this file: advection-kernel.ts from source (bun, deno), .js when built.
// everywhere() loads it here, on the workers, and in every process's thread pool.
await everywhere(new URL(`./advection-kernel.${import.meta.url.endsWith(".ts") ? "ts" : "js"}`, import.meta.url));

// q = SharedArray{Float64,3}((n,n,nt)); u likewise. The participants (q.pids) are this process
// and the workers. u is filled in parallel: each participant its localindices.
const shape = [n, n, nt];
const q = new SharedArray(Float64Array, shape);
const u = await SharedArray.create(Float64Array, shape, {
  init: (S) => {
    for (const k of localindices(S)) S.data[k] = ((Math.imul(k, 2654435761) >>> 0) % 1000) / 1000 - 0.5;
  },
});
const plane = n * n;
for (let k = 0; k < plane; k++) q.data[k] = Math.sin(k / 97);

// advection_serial!(q, u)
function advectionSerial(q: SharedArray, u: SharedArray): void {
  advectionChunk(q, u, range(0, q.shape[0]!), range(0, q.shape[1]!), range(0, q.shape[2]! - 1));
}

// advection_parallel!(q, u): for t ... @sync @distributed for j = 1:size(q,2) ... end end
async function advectionParallel(q: SharedArray, u: SharedArray): Promise<void> {
  const [n1, n2, steps] = q.shape as [number, number, number];
  for (let t = 0; t < steps - 1; t++) {
    await distributed(
      range(0, n2),
      capture({ q, u, n1, t }, (j: number) => advectionChunk(q, u, range(0, n1), range(j, j + 1), range(t, t + 1))),
    );
  }
}

// advection_shared!(q, u): @sync for p in procs(q) @async remotecall_wait(advection_shared_chunk!, p, q, u) end
// This process is called last: a call to one's own pid runs here as soon as the current code
// yields, and it computes without yielding, so the calls to the workers must be on their way
// first (their messages leave at that same first yield), or they would start only after it.
let reports: ChunkReport[] = [];
async function advectionShared(q: SharedArray, u: SharedArray): Promise<void> {
  const order = [...q.pids.filter((p) => p !== myid()), ...q.pids.filter((p) => p === myid())];
  reports = await Promise.all(order.map((p) => remotecallFetch(advectionSharedChunk, p, q, u)));
  reports.sort((a, b) => a.pid - b.pid);
}

// Threads.@threads for block in 1:nthreads(): the columns split into one block per pool
// thread, each for all time steps (advection_shared on the threads of this process).
async function advectionThreads(q: SharedArray, u: SharedArray): Promise<void> {
  const [n1, n2, steps] = q.shape as [number, number, number];
  const blocks = range(0, n2).split(threads.nthreads());
  await threads.parallelFor(
    range(0, blocks.length),
    capture({ q, u, n1, steps, blocks }, (b: number) => advectionChunk(q, u, range(0, n1), blocks[b]!, range(0, steps - 1))),
  );
}

/**
 * Runs `version` once to warm up, then `REPEATS` times, each after zeroing every time step but
 * the first; returns the best time (the machine may be busy with other work).
 */
const REPEATS = 3;
async function time(version: (q: SharedArray, u: SharedArray) => unknown): Promise<number> {
  let best = Infinity;
  for (let run = 0; run <= REPEATS; run++) {
    q.data.fill(0, plane);
    const t = performance.now();
    await version(q, u);
    if (run > 0) best = Math.min(best, (performance.now() - t) / 1000);
  }
  return best;
}

const serialSeconds = await time(advectionSerial);
const expected = q.data.slice();
const identical = (): boolean => q.data.every((v, k) => v === expected[k]);
const runs: Array<[string, number, boolean]> = [["serial", serialSeconds, true]];
runs.push(["parallel", await time(advectionParallel), identical()]);
runs.push(["shared", await time(advectionShared), identical()]);
runs.push(["parallelFor", await time(advectionThreads), identical()]);

let checksum = 0;
for (let k = (nt - 1) * plane; k < nt * plane; k++) checksum += expected[k]!;

const plural = (k: number, what: string): string => `${k} ${what}${k === 1 ? "" : "s"}`;
console.log(
  `advection, q and u of ${n}×${n}×${nt}, ${currentRuntime()}: participants ${q.pids.join(", ")} (this process and ${
    plural(pids.length, kind === "threads" ? "thread worker" : "worker process")
  }), ${threads.nthreads()} pool threads`,
);
const shown = (r: [number, number]): string => `${r[0]}:${r[1] - 1}`;
const t0 = Math.min(...reports.map((r) => r.started));
for (const r of reports) {
  console.log(
    `  advection_shared on pid ${r.pid}: (irange, jrange, trange) = (${shown(r.irange)}, ${shown(r.jrange)}, ${shown(r.trange)})  ran ${
      r.started - t0
    }..${r.ended - t0} ms`,
  );
}
const label: Record<string, string> = {
  serial: "advection_serial",
  parallel: `advection_parallel (distributed per step, ${plural(pids.length, "worker")})`,
  shared: `advection_shared (${q.pids.length} participants)`,
  parallelFor: `threads.parallelFor (${threads.nthreads()} threads)`,
};
for (const [name, seconds, same] of runs) {
  const speedup = name === "serial" ? "" : `  speedup ${(serialSeconds / seconds).toFixed(2)}x${same ? "" : "  (DIFFERENT RESULT)"}`;
  console.log(`  ${label[name]!.padEnd(52)} ${(seconds * 1000).toFixed(1).padStart(8)} ms${speedup}`);
}
console.log(`checksum of q[:, :, end] = ${checksum}`);
console.log(`results identical: ${runs.every(([, , same]) => same)}`);

await rmprocs(pids);
