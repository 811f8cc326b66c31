/**
 * The error of memory shared between processes (SharedArray, Atomic): why a value could not be
 * placed on shared memory, or could not be sent to a process.
 *
 * @example
 * ```ts
 * import { isDistributedError, SharedArray } from "distributed";
 * try {
 *   new SharedArray(Float64Array, [1 << 28]); // 2 GiB
 * } catch (err) {
 *   if (isDistributedError(err, "ERR_SHARED_MEMORY_TOO_LARGE")) console.log("make it smaller, or grow /dev/shm");
 * }
 * ```
 * @module
 */
import { DistributedError } from "./base.ts";

/** The stable codes of {@link SharedMemoryError}, one per way shared memory can be refused. */
export type SharedMemoryCode =
  /** A participant runs on another host: memory is shared on one host only. */
  | "ERR_SHARED_MEMORY_OTHER_HOST"
  /** Deno without --allow-ffi: it cannot map memory shared with other processes. */
  | "ERR_SHARED_MEMORY_PERMISSION"
  /** More bytes than /dev/shm has free. */
  | "ERR_SHARED_MEMORY_TOO_LARGE"
  /** This host or runtime cannot map shared memory at all (no /dev/shm, no koffi, not Linux). */
  | "ERR_SHARED_MEMORY_UNAVAILABLE"
  /** A handle arrived whose memory its sender no longer holds (it ended, or released the value). */
  | "ERR_SHARED_MEMORY_GONE"
  /** A value on shared memory was sent to a process that is not one of its participants. */
  | "ERR_SHARED_MEMORY_NOT_PARTICIPANT";

/**
 * A SharedArray or Atomic cannot be placed on, or sent to, memory shared with the processes
 * asked for. `code` says why: another host (use a DArray or a RemoteChannel), Deno without
 * `--allow-ffi`, a size over what /dev/shm holds, no way to map memory here, memory its sender
 * no longer holds, or a receiver that is not a participant. Thrown before anything is sent.
 *
 * @example
 * ```ts
 * import { addprocs, remotecallFetch, rmprocs, SharedArray, SharedMemoryError } from "distributed";
 * const [p] = await addprocs(1);
 * const mine = new SharedArray(Float64Array, [10], { pids: [1] }); // shared with nobody else
 * const err = await remotecallFetch((s: SharedArray) => s.length, p!, mine).catch((e: unknown) => e);
 * if (err instanceof SharedMemoryError) console.log(err.code); // "ERR_SHARED_MEMORY_NOT_PARTICIPANT"
 * await rmprocs(p!);
 * ```
 */
export class SharedMemoryError extends DistributedError {
  declare readonly code: SharedMemoryCode;
  constructor(code: SharedMemoryCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
