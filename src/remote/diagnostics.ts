/**
 * Diagnostics of the distributed GC: how many values, channels, pools and DArray chunks this process keeps
 * for references held anywhere in the cluster. Zero once every handle was fetched or dropped.
 *
 * @example
 * ```ts
 * import { localReferenceCounts, remotecallFetch } from "distributed";
 * await remotecallFetch(() => localReferenceCounts(), 2); // { futures: 0, channels: 0, pools: 0, chunks: 0 }
 * ```
 * @module
 */
import { refs } from "./refs.ts";

/**
 * The number of Future values, RemoteChannel channels, WorkerPools (sent to other processes) and
 * DArray chunks this process owns for holders.
 *
 * @example
 * ```ts
 * import { addprocs, localReferenceCounts, remotecall, remotecallFetch, rmprocs } from "distributed";
 * const [p] = await addprocs(1);
 * const f = remotecall(() => 42, p);
 * await f.wait();
 * await remotecallFetch(() => localReferenceCounts(), p); // { futures: 1, channels: 0, pools: 0, chunks: 0 }: p keeps 42 for f
 * await f.fetch();                                        // 42, and p lets its copy go
 * await remotecallFetch(() => localReferenceCounts(), p); // { futures: 0, channels: 0, pools: 0, chunks: 0 }
 * await rmprocs(p);
 * ```
 */
export function localReferenceCounts(): { futures: number; channels: number; pools: number; chunks: number } {
  return { ...refs.stats(), chunks: refs.count("chunk") };
}
