/**
 * A value that follows an async flow: set for the duration of a call, it is seen by everything
 * that call runs, across its awaits, and by nothing else (`AsyncLocalStorage`, which Node, Bun
 * and Deno all have). The locks use it to tell the task inside `l.run(fn)` from the other tasks
 * of the same thread.
 *
 * @example
 * ```ts
 * const owner = asyncContext<string>();
 * await owner.run("a", async () => { await null; return owner.get(); }); // "a"
 * owner.get();                                                          // undefined out here
 * ```
 * @module
 */
import { AsyncLocalStorage } from "node:async_hooks";

/** A value per async flow. */
export interface AsyncContext<T> {
  /** The value of the flow this runs in, or undefined. */
  get(): T | undefined;
  /** Runs fn with `value` as the flow's value (for fn and all it starts, across awaits). */
  run<R>(value: T, fn: () => R): R;
}

/** A new value per async flow. */
export function asyncContext<T>(): AsyncContext<T> {
  const storage = new AsyncLocalStorage<T>();
  return { get: () => storage.getStore(), run: (value, fn) => storage.run(value, fn) };
}
