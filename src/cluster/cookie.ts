/**
 * The cluster cookie: the shared secret every connection proves it knows.
 *
 * @example
 * ```ts
 * import { clusterCookie } from "distributed";
 * clusterCookie();            // the current cookie (created on first use)
 * clusterCookie("s3cret...");  // set it, before any worker is added
 * ```
 * @module
 */
import { DistributedError } from "../errors.ts";
import { newCookie } from "../runtime/crypto.ts";
import { peers } from "./peers.ts";
import { state } from "./state.ts";

/**
 * Returns the cluster cookie, or sets it (only while there are no workers).
 *
 * @example
 * ```ts
 * import { addprocs, clusterCookie, rmprocs } from "distributed";
 * clusterCookie("a-long-shared-secret"); // at least 8 characters, no white space; before addprocs
 * const pids = await addprocs(2);        // each proves it knows the cookie, which never crosses the wire
 * clusterCookie();                       // "a-long-shared-secret"
 * await rmprocs(pids);
 * ```
 */
export function clusterCookie(cookie?: string): string {
  if (cookie !== undefined) {
    if (typeof cookie !== "string" || cookie.length < 8 || /\s/.test(cookie)) {
      throw new TypeError("clusterCookie(cookie): the cookie must be a string of at least 8 characters without white space");
    }
    if (peers.all().length > 0 && cookie !== state.cookie) {
      throw new DistributedError(
        "ERR_COOKIE_IN_USE",
        "clusterCookie(cookie): cannot change the cookie while workers are connected; call it before addprocs",
      );
    }
    state.cookie = cookie;
  }
  state.cookie ??= newCookie();
  return state.cookie;
}
