/**
 * The error of SpinLock and ReentrantLock: an unlock by a task that does not hold the lock, a
 * SpinLock locked again by the task that holds it, a lock whose holder process ended holding it.
 *
 * @example
 * ```ts
 * import { isDistributedError, ReentrantLock } from "distributed";
 * const l = new ReentrantLock();
 * try {
 *   l.unlock();                                     // not locked
 * } catch (err) {
 *   if (isDistributedError(err, "ERR_LOCK_NOT_OWNER")) console.log(err.message);
 * }
 * ```
 * @module
 */
import { DistributedError } from "./base.ts";

/** The stable codes of {@link LockError}. */
export type LockCode =
  /** unlock() by a task, thread or process that does not hold the lock (or of a lock nobody holds). */
  | "ERR_LOCK_NOT_OWNER"
  /** A SpinLock locked again inside its own run(): it would wait for itself forever. */
  | "ERR_LOCK_RECURSIVE"
  /** The process holding the lock ended without unlocking it. */
  | "ERR_LOCK_ABANDONED";

/**
 * A misuse of a SpinLock or ReentrantLock, or a lock its holder process abandoned by ending.
 * `code` says which; the message names the holder (worker pid, OS pid, thread) when there is one.
 *
 * @example
 * ```ts
 * import { LockError, SpinLock } from "distributed";
 * const l = new SpinLock();
 * const err = await l.run(() => l.lock()).catch((e: unknown) => e);
 * if (err instanceof LockError) console.log(err.code); // "ERR_LOCK_RECURSIVE"
 * ```
 */
export class LockError extends DistributedError {
  declare readonly code: LockCode;
  constructor(code: LockCode, message: string) {
    super(code, message);
  }
}
