/**
 * `threads`: this process's thread pool as one object, Julia's `Threads` module. The pool and
 * its loops are in pool.ts, the one-task API in spawn.ts.
 *
 * @example
 * ```ts
 * import { threads } from "distributed";
 * await threads.spawn(() => threads.threadid()); // 1: a pool thread
 * ```
 * @module
 */
import { close, map, nthreads, parallelFor, reduce, setNthreads, threadid } from "./pool.ts";
import { spawn } from "./spawn.ts";

/**
 * The thread pool, as one object (Julia's `Threads` module): `threads.nthreads()`,
 * `threads.threadid()`, `threads.parallelFor(range, body)`, `threads.map(f, items)`,
 * `threads.reduce(range, body, reducer)`, `threads.spawn(fn, ...args)`, `threads.setNthreads(n)`,
 * `threads.close()`.
 *
 * @example
 * ```ts
 * import { capture, range, SharedArray, threads } from "distributed";
 * threads.nthreads();                                        // the pool's size, e.g. 4
 * const a = new SharedArray(Float64Array, [1_000_000]);
 * await threads.parallelFor(range(0, a.length), capture({ a }, (i: number) => { a.data[i] = Math.sqrt(i); }));
 * await threads.reduce(range(0, a.length), capture({ a }, (i: number) => a.data[i]), "max"); // 999.9995
 * await threads.spawn((x: number) => x + 1, 41);             // 42, computed on a pool thread
 * ```
 */
export const threads = { nthreads, threadid, setNthreads, close, parallelFor, map, reduce, spawn };
