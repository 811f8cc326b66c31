/**
 * Julia's shorthands over the remote calls: spawnat (`@spawnat`, on a given worker or the next
 * one in turn), fetchfrom (`@fetchfrom`), and remote(f, pool), a function that runs f on a pool.
 *
 * @example
 * ```ts
 * import { addprocs, fetchfrom, myid, remote, spawnat } from "distributed";
 * await addprocs(2);
 * await spawnat("any", () => myid()).fetch();        // round robin over the workers
 * await fetchfrom(2, (x: number) => x + 1, 41);      // 42
 * await remote((x: number) => x * x)(7);             // 49, on an idle worker of the default pool
 * ```
 * @module
 */
import { workers } from "../cluster/queries.ts";
import type { Future } from "./future.ts";
import { type AnyFn, checkPid, remotecallAs, remotecallFetch, remotecallFetchAs } from "./calls.ts";
import { defaultWorkerPool, type WorkerPool } from "./worker-pool.ts";

let roundRobin = 0;

/** The next worker in round-robin order (the master when there are no workers). */
export function nextWorker(): number {
  const list = workers();
  const pid = list[roundRobin % list.length]!;
  roundRobin = (roundRobin + 1) % 1_000_000_007;
  return pid;
}

/**
 * Julia's `@spawnat p expr`: remotecall on `p`, or on the next worker in turn with "any".
 *
 * @example
 * ```ts
 * import { addprocs, myid, rmprocs, spawnat } from "distributed";
 * const pids = await addprocs(2);
 * const a = spawnat("any", () => myid()); // on 2
 * const b = spawnat("any", () => myid()); // on 3: round robin over the workers
 * const c = spawnat(pids[0], (x: number) => x + 1, 41);
 * await Promise.all([a.fetch(), b.fetch(), c.fetch()]); // [2, 3, 42]
 * await rmprocs(pids);
 * ```
 */
export function spawnat<F extends AnyFn>(p: number | "any", f: F, ...args: Parameters<F>): Future<Awaited<ReturnType<F>>> {
  if (p !== "any") checkPid(p, "spawnat");
  return remotecallAs("spawnat", f, p === "any" ? nextWorker() : p, args);
}

/**
 * Julia's `@fetchfrom p expr`: remotecallFetch with the pid first.
 *
 * @example
 * ```ts
 * import { addprocs, fetchfrom, gethostname, rmprocs } from "distributed";
 * const [p] = await addprocs(1);
 * await fetchfrom(p, () => gethostname());            // this machine's name: p is a local worker
 * await fetchfrom(p, (xs: number[]) => Math.max(...xs), [3, 9, 4]); // 9
 * await rmprocs(p);
 * ```
 */
export function fetchfrom<F extends AnyFn>(p: number, f: F, ...args: Parameters<F>): Promise<Awaited<ReturnType<F>>> {
  return remotecallFetchAs("fetchfrom", f, p, args);
}

/**
 * Julia's `remote(f, pool)`: a function that runs `f` on the pool (default: defaultWorkerPool(),
 * all workers; inside a worker, the master's default pool, so all workers there too).
 *
 * @example
 * ```ts
 * import { addprocs, remote, rmprocs } from "distributed";
 * const pids = await addprocs(2);
 * const square = remote((x: number) => x * x);
 * await square(7); // 49, on some worker
 * await rmprocs(pids);
 * ```
 */
export function remote<F extends AnyFn>(f: F, pool?: WorkerPool): (...args: Parameters<F>) => Promise<Awaited<ReturnType<F>>> {
  if (typeof f !== "function") throw new TypeError(`remote(f, pool): f must be a function, got ${typeof f}`);
  return (...args) => remotecallFetch(f, pool ?? defaultWorkerPool(), ...args);
}
