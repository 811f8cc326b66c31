/**
 * pmap's options: their type (Julia's keyword arguments, plus progress and requeue) and the
 * checks that refuse bad ones at the call site, before any work starts.
 *
 * @example
 * ```ts
 * import { pmap } from "distributed";
 * await pmap((x: number) => x + 1, [1, 2, 3], { batchSize: 2, retryDelays: [100], requeue: false }); // [2, 3, 4]
 * ```
 * @module
 */
import type { WorkerPool } from "../remote/worker-pool.ts";
import type { PmapProgress } from "./progress.ts";

/** Options of pmap (Julia's keyword arguments, plus progress and requeue). */
export interface PmapOptions<T, R> {
  /**
   * The workers to use (default: defaultWorkerPool(): all workers, the master alone when there
   * are none; inside a worker, the master's default pool).
   */
  pool?: WorkerPool | readonly number[];
  /** Items per call: a number, or "auto" (default) to adapt to the measured time per item. */
  batchSize?: number | "auto";
  /** Runs on the worker when f throws; what it returns becomes that item's result. */
  onError?: (err: unknown, item: T) => R;
  /** Milliseconds to wait before each retry of a failed item (its length is the number of retries). */
  retryDelays?: Iterable<number>;
  /** Decides on the caller whether a failed item is retried (default: always, while delays last). */
  retryCheck?: (attempt: { attempt: number; item: T; index: number }, err: Error) => boolean;
  /** Run the unfinished items of a worker that died on the others (default true). */
  requeue?: boolean;
  /** true: a progress bar on a terminal, lines otherwise; a function: receives the counts. */
  progress?: boolean | ((p: PmapProgress) => void);
}

/** The options pmap's scheduler runs with, once checked: the batch size and the retry delays. */
export interface CheckedPmapOptions {
  batchSize: number | "auto";
  delays: number[];
}

/** Checks pmap's arguments (throws TypeError or RangeError naming the bad one); returns the checked options. */
export function checkPmapArgs<T, R>(f: unknown, xs: Iterable<T>, options: PmapOptions<T, R>): CheckedPmapOptions {
  if (typeof f !== "function") throw new TypeError(`pmap(f, xs): f must be a function, got ${typeof f}`);
  if (xs === null || xs === undefined || typeof (xs as { [Symbol.iterator]?: unknown })[Symbol.iterator] !== "function") {
    throw new TypeError("pmap(f, xs): xs must be iterable (an array, a range, a generator, ...)");
  }
  const batchSize = options.batchSize ?? "auto";
  if (batchSize !== "auto" && !(Number.isInteger(batchSize) && batchSize >= 1)) {
    throw new RangeError(`pmap: batchSize must be a positive integer or "auto", got ${String(batchSize)}`);
  }
  const delays = [...(options.retryDelays ?? [])];
  if (delays.some((d) => typeof d !== "number" || d < 0)) throw new TypeError("pmap: retryDelays must be numbers of milliseconds >= 0");
  return { batchSize, delays };
}
