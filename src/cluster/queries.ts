/**
 * Who is in the cluster: myid, procs, workers, nprocs, nworkers (Julia's names and rules:
 * pid 1 is the master; workers() is [1] while there are no workers).
 *
 * @example
 * ```ts
 * import { addprocs, nworkers, procs, workers } from "distributed";
 * await addprocs(2);
 * workers();   // [2, 3]
 * procs();     // [1, 2, 3]
 * nworkers();  // 2
 * ```
 * @module
 */
import { peers } from "./peers.ts";
import { state } from "./state.ts";

/**
 * This process's pid (1 on the master).
 *
 * @example
 * ```ts
 * import { addprocs, myid, remotecallFetch, rmprocs } from "distributed";
 * myid();                                       // 1: the master
 * const [p] = await addprocs(1);
 * await remotecallFetch(() => myid(), p);       // p: where the function ran
 * await rmprocs(p);
 * ```
 */
export function myid(): number {
  return state.myid;
}

/**
 * All pids of the cluster, master included, ascending. On a worker this is the membership the
 * master announced (the same list as on the master, whatever the topology), not only the
 * processes this worker happens to be connected to.
 *
 * @example
 * ```ts
 * import { addprocs, procs, remotecallFetch, rmprocs } from "distributed";
 * procs();                                      // [1]
 * const pids = await addprocs(2);
 * procs();                                      // [1, 2, 3]
 * await remotecallFetch(() => procs(), pids[0]); // [1, 2, 3] on a worker too
 * await rmprocs(pids);
 * ```
 */
export function procs(): number[] {
  const all = new Set<number>([1, state.myid, ...(state.members ?? peers.pids())]);
  return [...all].sort((a, b) => a - b);
}

/**
 * Worker pids, ascending; [1] when there are no workers (as in Julia).
 *
 * @example
 * ```ts
 * import { addprocs, remotecallFetch, rmprocs, workers } from "distributed";
 * workers();                    // [1]: the master stands in while there are none
 * await addprocs(2);
 * const squares = await Promise.all(workers().map((p) => remotecallFetch((x: number) => x * x, p, p)));
 * squares;                      // [4, 9]
 * await rmprocs(workers());
 * ```
 */
export function workers(): number[] {
  const w = procs().filter((p) => p !== 1);
  return w.length > 0 ? w : [1];
}

/**
 * Number of processes, master included.
 *
 * @example
 * ```ts
 * import { addprocs, nprocs, rmprocs } from "distributed";
 * nprocs();                     // 1
 * const pids = await addprocs(2);
 * nprocs();                     // 3
 * await rmprocs(pids);
 * ```
 */
export function nprocs(): number {
  return procs().length;
}

/**
 * Number of workers (1 when there are none: the master counts as a worker then).
 *
 * @example
 * ```ts
 * import { addprocs, nworkers, rmprocs, workers } from "distributed";
 * nworkers();                   // 1: the master
 * await addprocs(3);
 * nworkers();                   // 3
 * await rmprocs(workers());
 * ```
 */
export function nworkers(): number {
  const n = nprocs();
  return n === 1 ? 1 : n - 1;
}
