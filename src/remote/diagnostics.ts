/**
 * Diagnostics of the distributed GC: how many values and channels this process keeps for
 * references held anywhere in the cluster. Zero once every handle was fetched or dropped.
 *
 * @example
 * ```ts
 * await remotecallFetch(() => localReferenceCounts(), 2); // { futures: 0, channels: 0 }
 * ```
 * @module
 */
import { refs } from "./refs.ts";

/** The number of Future values and RemoteChannel channels this process owns for holders. */
export function localReferenceCounts(): { futures: number; channels: number } {
  return refs.stats();
}
