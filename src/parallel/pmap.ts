/**
 * pmap(f, xs, options): Julia's parallel map, with dynamic load balancing and results in
 * input order. This file is the call; its options and their checks are in pmap-options.ts, the
 * scheduler in pmap-scheduler.ts, and where the batches come from in pmap-items.ts.
 *
 * Better than Julia where it is weak:
 * - batchSize "auto" (the default) measures per-item time and grows batches for tiny items
 *   (aiming at ~20 ms of work per batch) while keeping enough batches to balance the end;
 * - a worker that dies mid-pmap has its unfinished items run by the survivors (Julia aborts),
 *   unless `requeue: false`;
 * - `progress: true` draws a bar (a line a second in logs), or hands the counts to a callback;
 * - with no workers it runs locally, with the same options;
 * - over a pool it keeps calls in flight on every worker of the pool without taking them from
 *   it, so a pmap inside a pmap's function never waits for a free worker forever (Julia's does:
 *   Distributed.jl issue 62). Inside a worker the default pool is the master's, as in Julia.
 *
 * @example
 * ```ts
 * import { pmap, range } from "distributed";
 * const slowSquare = async (x: number): Promise<number> => {
 *   await new Promise((r) => setTimeout(r, 10));
 *   return x * x;
 * };
 * const res = await pmap(slowSquare, range(0, 1000), { progress: true });
 * await pmap((s: string) => JSON.parse(s), ["1", "{", "3"], { onError: () => null }); // [1, null, 3]
 * const flaky = (x: number): number => {
 *   if (Math.random() < 0.1) throw new Error("transient");
 *   return x;
 * };
 * await pmap(flaky, range(0, 100), { retryDelays: [100, 500], retryCheck: (s, err) => !/fatal/.test(err.message) });
 * ```
 * @module
 */
import { state } from "../cluster/state.ts";
import { toSpec } from "../code/function-spec.ts";
import { defaultWorkerPool, isPool, WorkerPool } from "../remote/worker-pool.ts";
import { checkPmapArgs, type PmapOptions } from "./pmap-options.ts";
import { Scheduler } from "./pmap-scheduler.ts";

export type { PmapOptions } from "./pmap-options.ts";
export type { PmapProgress } from "./progress.ts";

/**
 * Applies `f` to every item of `xs` on the workers; resolves with the results in input order.
 *
 * @example
 * ```ts
 * import { addprocs, myid, pmap, rmprocs } from "distributed";
 * const pids = await addprocs(2);
 * await pmap((x: number) => x * x, [1, 2, 3, 4]);          // [1, 4, 9, 16], in input order
 * await pmap(() => myid(), [1, 2, 3, 4], { batchSize: 1 }); // e.g. [2, 3, 3, 2]: whichever worker was free
 * await rmprocs(pids);
 * ```
 */
export async function pmap<T, R>(f: (x: T) => R | Promise<R>, xs: Iterable<T>, options: PmapOptions<T, R> = {}): Promise<Awaited<R>[]> {
  const { batchSize, delays } = checkPmapArgs(f, xs, options);
  const pool = options.pool === undefined ? defaultWorkerPool() : isPool(options.pool) ? options.pool : new WorkerPool(options.pool);
  // The pool's workers, from its owner when it lives elsewhere (the default pool inside a worker).
  const pids = pool.where === state.myid ? pool.workers() : (await pool.status()).workers;
  if (pids.length === 0) throw new RangeError("pmap: the pool has no workers");
  // Refuse unsendable functions here, at the call site, before any work starts.
  if (pids.some((p) => p !== state.myid)) {
    toSpec(f, "pmap");
    if (options.onError !== undefined) toSpec(options.onError, "pmap: onError");
  }
  return new Scheduler(f, xs, options, pool, pids, batchSize, delays).run();
}
