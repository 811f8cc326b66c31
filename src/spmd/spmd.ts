/**
 * spmd(fn, { pids }): DistributedArrays' SPMD mode from a master. `fn` runs on every pid at
 * once with a communicator whose ranks are those pids in order; the results come back as an
 * array in rank order. The ranks talk over the cluster's own connections (wire.ts), so the
 * communicator is the same one a launcher's `spmdInit()` gives.
 *
 * If `fn` throws on one rank, that rank tells the others (their pending operations reject
 * instead of waiting for it), and spmd rejects with the first rank's own error. After `fn`
 * returns, the ranks meet in a barrier (unless `fn` called finalize), which finds a collective
 * one rank called differently even when every rank could return.
 *
 * @example
 * ```ts
 * import { addprocs, spmd } from "distributed";
 * const pids = await addprocs(4);
 * await spmd((comm) => comm.allreduce(comm.rank, "+"), { pids }); // [6, 6, 6, 6]
 * ```
 * @module
 */
import { workers } from "../cluster/queries.ts";
import { state } from "../cluster/state.ts";
import { registerSystemFunction, toSpec } from "../code/function-spec.ts";
import { ERROR_CODES, RemoteError, SpmdError } from "../errors.ts";
import type { SpmdCode } from "../errors/spmd.ts";
import { remotecallFetch } from "../remote/calls.ts";
import { Communicator } from "./comm.ts";

/** Options of spmd. */
export interface SpmdOptions {
  /** The processes to run on, rank r on pids[r] (default: workers()). */
  pids?: readonly number[];
}

let calls = 0;

/**
 * Runs `fn(comm)` on every pid at once (rank r on `pids[r]`) and resolves with the results in
 * rank order. DistributedArrays' `spmd(f; pids)`.
 *
 * @example
 * ```ts
 * import { spmd, workers } from "distributed";
 * // each rank sends its rank to the next, around a ring
 * const got = await spmd(async (comm) => {
 *   await comm.send(comm.rank, (comm.rank + 1) % comm.size, 0);
 *   return comm.recv((comm.rank - 1 + comm.size) % comm.size, 0);
 * }, { pids: workers() });
 * ```
 */
export async function spmd<R>(fn: (comm: Communicator) => R | Promise<R>, options: SpmdOptions = {}): Promise<Awaited<R>[]> {
  const pids = [...(options.pids ?? workers())];
  if (pids.length === 0) {
    throw new RangeError("spmd: no pids to run on (options.pids is empty, or there are no workers: add some with addprocs)");
  }
  for (const p of pids) {
    if (!(Number.isInteger(p) && p >= 1)) throw new TypeError(`spmd: pids must be pids (integers >= 1), got ${String(p)}`);
  }
  if (new Set(pids).size !== pids.length) throw new RangeError(`spmd: pids has a pid twice: [${pids.join(", ")}]`);
  if (pids.some((p) => p !== state.myid)) toSpec(fn, "spmd"); // refuse what cannot be shipped, here
  const id = `spmd${state.myid}.${++calls}`;
  const settled = await Promise.allSettled(
    pids.map((pid) => pid === state.myid ? spmdRank(id, pids, fn) : remotecallFetch(spmdRank, pid, id, pids, fn)),
  );
  const failed = settled.filter((s): s is PromiseRejectedResult => s.status === "rejected").map((s) => s.reason as Error);
  if (failed.length > 0) throw rootCause(failed);
  return settled.map((s) => (s as PromiseFulfilledResult<Awaited<R>>).value);
}

/** The error that started it: one that is not another rank's report of a failure elsewhere. */
function rootCause(errors: Error[]): Error {
  const reported = (e: Error): boolean => / \(reported by rank \d+\)$/.test(e instanceof RemoteError ? e.remote.message : e.message);
  const first = errors.find((e) => !reported(e)) ?? errors[0]!;
  const code = first instanceof RemoteError ? first.remote.code : undefined;
  if (first instanceof RemoteError && code !== undefined && (ERROR_CODES as Record<string, string>)[code] === "SpmdError") {
    const err = new SpmdError(first.remote.code as SpmdCode, `On worker ${first.pid}: ${first.remote.message}`);
    (err as { cause?: unknown }).cause = first;
    return err;
  }
  return first;
}

/** @internal One rank of an spmd call, on its process. */
export async function spmdRank<R>(id: string, pids: readonly number[], fn: (comm: Communicator) => R | Promise<R>): Promise<Awaited<R>> {
  const comm = new Communicator(id, pids, state.myid);
  try {
    const value = await fn(comm);
    // A last barrier: the messages every rank sent before it have arrived, so a collective
    // that another rank called differently is found (and named) here, not missed.
    if (!comm.finalized) await comm.barrier();
    return value;
  } catch (err) {
    comm.abort(err instanceof Error ? err : new Error(String(err)));
    throw err;
  } finally {
    comm.close();
  }
}

registerSystemFunction("spmdRank", spmdRank);
