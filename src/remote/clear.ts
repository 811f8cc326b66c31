/**
 * clear: Julia's `clear!(names, pids)`: drops bindings from Main on the given processes, so
 * the values they held can be garbage-collected there.
 *
 * @example
 * ```ts
 * import { clear, everywhere } from "distributed";
 * await everywhere({ bigTable: new Float64Array(1e8) });
 * await clear(["bigTable"]);             // on every worker
 * await clear(["bigTable"], [1]);        // and on the master
 * ```
 * @module
 */
import { workers } from "../cluster/queries.ts";
import { state } from "../cluster/state.ts";
import { remotecallFetch } from "./calls.ts";
import { CachingPool } from "./caching-pool.ts";
import { registerSystemFunction } from "../code/function-spec.ts";
import { Main } from "../code/main-scope.ts";

const undefineMain = (names: string[]): number => Main.undefine(names);
registerSystemFunction("undefineMain", undefineMain);

/**
 * Drops `names` from Main on `pids` (default: the workers), or, given a CachingPool, the
 * functions this process shipped through it (Julia's `clear!(pool)`). Resolves when done
 * everywhere.
 *
 * @example
 * ```ts
 * import { addprocs, clear, everywhere, rmprocs } from "distributed";
 * const pids = await addprocs(2);
 * await everywhere({ table: new Float64Array(1_000_000) }); // in Main on 1, 2 and 3
 * await clear("table");       // dropped from the workers' Main: garbage there now
 * await clear("table", [1]);  // and from the master's
 * await rmprocs(pids);
 * ```
 */
export async function clear(names: string | readonly string[] | CachingPool, pids: readonly number[] = workers()): Promise<void> {
  if (names instanceof CachingPool) return names.clear(remotecallFetch as never);
  const list = typeof names === "string" ? [names] : [...names];
  if (!list.every((n) => typeof n === "string")) throw new TypeError("clear(names, pids): names must be strings");
  await Promise.all(pids.map((p) => (p === state.myid ? Promise.resolve(undefineMain(list)) : remotecallFetch(undefineMain, p, list))));
}
