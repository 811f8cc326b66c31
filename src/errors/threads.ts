/**
 * The error of the thread pool (threads.parallelFor, threads.map, threads.reduce, threads.spawn).
 *
 * @example
 * ```ts
 * import { threads, ThreadError } from "distributed";
 * const err = await threads.map((x: number) => { if (x === 2) throw new RangeError(`bad ${x}`); return x; }, [1, 2]).catch((e: unknown) => e);
 * if (err instanceof ThreadError) console.log(err.threadid, err.remote.name); // 2 "RangeError"
 * ```
 * @module
 */
import { DistributedError, type WireError } from "./base.ts";

/**
 * A failure inside a pool thread: the function given to threads.parallelFor, threads.map,
 * threads.reduce or threads.spawn threw there. `remote` is the error as the thread saw it (name, message, stack,
 * code), `threadid` the thread; the message reads `<api>: in thread N: <name>: <message>`.
 *
 * @example
 * ```ts
 * import { threads, ThreadError } from "distributed";
 * try {
 *   await threads.parallelFor(8, (i: number) => { if (i === 4) throw new Error(`boom at ${i}`); });
 * } catch (err) {
 *   if (err instanceof ThreadError) console.log(err.code, err.threadid, err.remote.message); // "ERR_THREAD" 3 "boom at 4"
 * }
 * ```
 */
export class ThreadError extends DistributedError {
  /** The error as the thread saw it. */
  readonly remote: WireError;
  /** The thread it happened in (1..nthreads()). */
  readonly threadid: number;
  constructor(threadid: number, remote: WireError, where: string) {
    super("ERR_THREAD", `${where}: in thread ${threadid}: ${remote.name}: ${remote.message}`);
    this.remote = remote;
    this.threadid = threadid;
  }
}
