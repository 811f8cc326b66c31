/**
 * Diagnostics of the distributed GC: how many values, channels and pools this process keeps
 * for references held anywhere in the cluster. Zero once every handle was fetched or dropped.
 *
 * @example
 * ```ts
 * await remotecallFetch(() => localReferenceCounts(), 2); // { futures: 0, channels: 0, pools: 0 }
 * ```
 * @module
 */
import { refs } from "./refs.ts";

/**
 * The number of Future values, RemoteChannel channels and WorkerPools (sent to other processes)
 * this process owns for holders.
 */
export function localReferenceCounts(): { futures: number; channels: number; pools: number } {
  return refs.stats();
}
