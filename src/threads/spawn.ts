/**
 * `threads.spawn(fn, ...args)`: one task on a pool thread, as Julia's `Threads.@spawn`, with a
 * Promise for its value where Julia has a Task to `fetch`. The task goes to the next pool
 * thread in turn; fn travels as the other `threads.*` functions' do (a module export, a Main
 * name, or source with `capture` for its free names), and the arguments as values (a
 * SharedArray, an Atomic or a lock by reference).
 *
 * @example
 * ```ts
 * import { threads } from "distributed";
 * const p = threads.spawn((n: number) => n * n, 12);
 * await p; // 144
 * ```
 * @module
 */
import { runTask } from "./pool.ts";

/**
 * Runs `fn(...args)` on a pool thread (the next one in turn) and resolves with its value,
 * awaited if it is a Promise (Julia's `fetch(Threads.@spawn fn(args...))`). A throw in the
 * thread rejects with a ThreadError (code `ERR_THREAD`), as `threads.map` does. Each pool thread
 * runs its tasks one after another, so a task that waits for another task queued behind it on
 * the same thread waits forever: spawn at most `nthreads()` tasks that wait on each other.
 *
 * @example
 * ```ts
 * import { capture, ReentrantLock, SharedArray, threads } from "distributed";
 * const total = new SharedArray(Float64Array, [1]);
 * const l = new ReentrantLock();
 * const tasks = [1, 2, 3, 4].map((k) =>
 *   threads.spawn(capture({ total, l }, async (k: number) => {
 *     await l.run(() => { total.data[0] += k; });
 *     return threads.threadid();
 *   }), k));
 * await Promise.all(tasks); // e.g. [1, 2, 1, 2]: the threads that ran them
 * total.data[0];            // 10
 * ```
 */
export function spawn<A extends unknown[], R>(fn: (...args: A) => R | Promise<R>, ...args: A): Promise<Awaited<R>> {
  if (typeof fn !== "function") {
    return Promise.reject(new TypeError(`threads.spawn(fn, ...args): fn must be a function, got ${fn === null ? "null" : typeof fn}`));
  }
  return runTask(fn, args, "threads.spawn") as Promise<Awaited<R>>;
}
