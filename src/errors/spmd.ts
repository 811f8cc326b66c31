/**
 * The error of SPMD communicators: a rank that is gone, ranks that called different
 * collectives, a finalize with messages left, a communicator used after finalize.
 *
 * @example
 * ```ts
 * import { isDistributedError, spmdInit } from "distributed";
 * const comm = await spmdInit();
 * try {
 *   await comm.allreduce(comm.rank, "+");
 * } catch (err) {
 *   if (isDistributedError(err, "ERR_SPMD_RANK_EXITED")) console.error(err.message); // names the rank
 * }
 * ```
 * @module
 */
import { DistributedError } from "./base.ts";

/** The stable codes of {@link SpmdError}. */
export type SpmdCode =
  /** A rank of the communicator exited (or its connection was lost) while others still needed it. */
  | "ERR_SPMD_RANK_EXITED"
  /** Ranks called different collectives at the same point (rank 0 in bcast, rank 1 in reduce). */
  | "ERR_SPMD_MISMATCH"
  /** finalize() found messages never received, or receives still waiting. */
  | "ERR_SPMD_PENDING"
  /** The communicator was used after finalize(). */
  | "ERR_SPMD_FINALIZED"
  /** Another rank's code threw (the function of `spmd`), and the communicator was abandoned on every rank. */
  | "ERR_SPMD_ABORTED";

/**
 * A failure of an SPMD communicator. `code` says which; `rank` is the rank at fault when there
 * is one (the one that exited, or the one that called another collective).
 *
 * @example
 * ```ts
 * import { spmd, SpmdError, workers } from "distributed";
 * const err = await spmd((comm) => (comm.rank === 0 ? comm.bcast(1) : comm.reduce(1, "+")), { pids: workers() }).catch((e: unknown) => e);
 * if (err instanceof SpmdError) console.log(err.code, err.rank); // "ERR_SPMD_MISMATCH" 1 (or 0)
 * ```
 */
export class SpmdError extends DistributedError {
  /** The rank at fault, when there is one. */
  readonly rank: number | undefined;
  declare readonly code: SpmdCode;
  constructor(code: SpmdCode, message: string, rank?: number) {
    super(code, message);
    this.rank = rank;
  }
}
