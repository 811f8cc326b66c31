/**
 * Who is in the cluster: myid, procs, workers, nprocs, nworkers (Julia's names and rules:
 * pid 1 is the master; workers() is [1] while there are no workers).
 *
 * @example
 * ```ts
 * await addprocs(2);
 * workers();   // [2, 3]
 * procs();     // [1, 2, 3]
 * nworkers();  // 2
 * ```
 * @module
 */
import { peers } from "./peers.ts";
import { state } from "./state.ts";

/** This process's pid (1 on the master). */
export function myid(): number {
  return state.myid;
}

/**
 * All pids of the cluster, master included, ascending. On a worker this is the membership the
 * master announced (the same list as on the master, whatever the topology), not only the
 * processes this worker happens to be connected to.
 */
export function procs(): number[] {
  const all = new Set<number>([1, state.myid, ...(state.members ?? peers.pids())]);
  return [...all].sort((a, b) => a - b);
}

/** Worker pids, ascending; [1] when there are no workers (as in Julia). */
export function workers(): number[] {
  const w = procs().filter((p) => p !== 1);
  return w.length > 0 ? w : [1];
}

/** Number of processes, master included. */
export function nprocs(): number {
  return procs().length;
}

/** Number of workers (1 when there are none: the master counts as a worker then). */
export function nworkers(): number {
  const n = nprocs();
  return n === 1 ? 1 : n - 1;
}
