/**
 * SpinLock and ReentrantLock, Julia's locks, for the async tasks of one thread, for threads, and
 * for worker processes on this host: `await l.lock()`, `l.trylock()`, `l.unlock()`,
 * `l.islocked()`, `await l.run(fn)` (Julia's `lock(f, l)`). What they share, who owns a lock, and
 * what happens when its holder dies are in shared-lock.ts; here are the two kinds and how they
 * travel (by reference, as an Atomic: a lock sent to a thread or a participant process is the
 * same lock).
 *
 * @example
 * ```ts
 * import { capture, range, ReentrantLock, SharedArray, threads } from "distributed";
 * const l = new ReentrantLock();
 * const count = new SharedArray(Float64Array, [1]);
 * await threads.parallelFor(range(0, 1000), capture({ l, count }, async () => {
 *   await l.run(() => { count.data[0] += 1; });      // a plain read-modify-write, made exclusive
 * }));
 * count.data[0];                                     // 1000
 * ```
 * @module
 */
import { registerClass } from "../protocol/class-registry.ts";
import { type LockOptions, lockToWire, receiveLock, SharedLock } from "./shared-lock.ts";
import type { MemoryWire } from "./shared-memory.ts";

export type { LockOptions } from "./shared-lock.ts";
export type { LockHolder } from "./lock-word.ts";

/**
 * A lock its owner can take again (Julia's `ReentrantLock`): inside `l.run(fn)`, fn may lock it
 * again (`lock()`, `trylock()`, a nested `run()`), and it is free when every lock is undone.
 * Waiters sleep on `Atomics.waitAsync` among threads, and poll with a short backoff when worker
 * processes share it.
 *
 * @example
 * ```ts
 * import { addprocs, ReentrantLock, remotecallFetch, rmprocs, SharedArray } from "distributed";
 * const pids = await addprocs(2);
 * const l = new ReentrantLock();                      // shared with the two worker processes
 * const total = new SharedArray(Float64Array, [1]);
 * await Promise.all(pids.map((p) => remotecallFetch(async (l: ReentrantLock, total: SharedArray) => {
 *   for (let i = 0; i < 1000; i++) await l.run(() => { total.data[0] += 1; });
 * }, p, l, total)));
 * total.data[0];                                      // 2000, every time
 * await l.run(async () => l.run(() => "nested"));     // "nested": its owner re-enters
 * await rmprocs(pids);
 * ```
 */
export class ReentrantLock extends SharedLock {
  /** A new, free lock shared by `options.pids` (default: this process, its thread workers and its worker processes on this host). */
  constructor(options?: LockOptions) {
    super(true, options);
  }
}

/**
 * A lock that is not reentrant (Julia's `SpinLock`): cheaper to think about, for short critical
 * sections. Locking it again inside its own `run` is an `ERR_LOCK_RECURSIVE` LockError (Julia's
 * would deadlock). It waits as a ReentrantLock does: the event loop cannot spin.
 *
 * @example
 * ```ts
 * import { SpinLock } from "distributed";
 * const l = new SpinLock();
 * l.trylock();                          // true
 * l.trylock();                          // false: held
 * l.unlock();
 * await l.run(() => 42);                // 42
 * ```
 */
export class SpinLock extends SharedLock {
  /** A new, free lock shared by `options.pids` (default: this process, its thread workers and its worker processes on this host). */
  constructor(options?: LockOptions) {
    super(false, options);
  }
}

for (const [Class, name] of [[ReentrantLock, "distributed.ReentrantLock"], [SpinLock, "distributed.SpinLock"]] as const) {
  registerClass(Class, {
    name,
    encode: (l: SharedLock) => lockToWire(l),
    decode: (wire: unknown) => {
      receiveLock(wire as { memory: MemoryWire; pids: number[] });
      return new Class();
    },
  });
}
