/**
 * The error of distributed arrays used together when their layouts do not match.
 *
 * @example
 * ```ts
 * import { addprocs, DArrayError, dmap, dzeros, rmprocs } from "distributed";
 * const pids = await addprocs(2);
 * const a = await dzeros([10]);
 * const b = await dzeros([10], { pids: [pids[0]!] });
 * const err = await dmap((x: number, y: number) => x + y, a, b).catch((e: unknown) => e);
 * if (err instanceof DArrayError) console.log(err.code); // "ERR_DARRAY_DISTRIBUTION"
 * await rmprocs(pids);
 * ```
 * @module
 */
import { DistributedError } from "./base.ts";

/**
 * DArrays combined elementwise (dmap, dot, copyto's checks) whose chunks are not laid out alike:
 * the message names both layouts (dims, dist, pids) and the fix, `redistribute(b, a)`.
 *
 * @example
 * ```ts
 * import { DArrayError } from "distributed";
 * const err = new DArrayError("dmap: the arguments differ", { code: "ERR_DARRAY_DISTRIBUTION" });
 * err.code; // "ERR_DARRAY_DISTRIBUTION"
 * ```
 */
export class DArrayError extends DistributedError {
  constructor(message: string, details: { code: "ERR_DARRAY_DISTRIBUTION"; cause?: unknown }) {
    super(details.code, message, details.cause !== undefined ? { cause: details.cause } : undefined);
  }
}
