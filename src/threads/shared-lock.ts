/**
 * What SpinLock and ReentrantLock (Julia's names, in lock.ts) share: mutual exclusion among the async tasks of one
 * thread, among threads, and among worker processes on this host, on shared memory placed as an
 * Atomic's is (participants fixed when made; a SharedArrayBuffer among threads, a /dev/shm
 * mapping with worker processes). A lock sent to a thread or a participant process is the same
 * lock. `await l.lock()`, `l.trylock()`, `l.unlock()`, `l.islocked()`, and `await l.run(fn)`
 * (Julia's `lock(f, l)`): lock, run fn, unlock in a finally, and resolve with fn's value.
 *
 * Why one file: locking, waiting, ownership and the dead-holder check all act on one lock word
 * and its owner record.
 *
 * **Who owns it.** JavaScript has no task identity to compare, so the owner is the async flow
 * of a `run`: inside `l.run(fn)`, fn and everything it awaits or calls is the owner; there a
 * ReentrantLock's `lock()`, `trylock()` and nested `run()` re-enter (and `unlock()` undoes a
 * nested `lock()`), and a SpinLock's `lock()` is an `ERR_LOCK_RECURSIVE` error (it would wait for
 * itself forever, where Julia's deadlocks). Other tasks of the same thread are not the owner and
 * wait, as other threads and processes do; but a task fn itself starts (an async call it does
 * not await at once) belongs to fn's flow and is the owner too, unlike a Julia `@async` task. A bare `await l.lock()` outside any `run` is owned
 * by "this thread, outside a run": a second bare `lock()` from the same thread waits even in the
 * same function (no re-entry without `run`), and `unlock()` from any task of this thread outside
 * a run releases it. `unlock()` by another thread or process, or of a free lock, is
 * `ERR_LOCK_NOT_OWNER`.
 *
 * **A holder that dies.** The lock records its holder (worker pid, OS pid, thread id, see
 * `holder()`). A waiter in another process checks now and then whether the holder's process
 * still runs; if it ended holding the lock, `lock()` rejects with `ERR_LOCK_ABANDONED` naming it
 * (the data the lock guards may be half-updated; the lock stays held: make a new one).
 *
 * @example
 * ```ts
 * import { ReentrantLock } from "distributed";
 * const l = new ReentrantLock();
 * await l.run(async () => l.run(() => "re-entered")); // "re-entered": the run's flow owns it
 * ```
 * @module
 */
import { LockError } from "../errors.ts";
import { asyncContext } from "../runtime/async-context.ts";
import * as w from "./lock-word.ts";
import { defaultParticipants, memoryFromWire, memoryToWire, type MemoryWire, placeMemory } from "./shared-memory.ts";

/** Options of a lock. */
export interface LockOptions {
  /** The participating processes (default: this one, its thread workers, and its worker processes on this host). */
  pids?: readonly number[];
}

/** The runs this async flow is inside: lock id → that run's owner token. */
const runs = asyncContext<ReadonlyMap<number, object>>();
/** The owner of a bare lock() (outside any run of the lock), one per thread. */
const BARE = Object.freeze({});
/** The locks this thread holds, by id: which owner holds each. */
const held = new Map<number, object>();
/** How often (in failed attempts, about 0.1 s when polling) a waiter checks that another process's holder still runs. */
const CHECK_HOLDER_EVERY = 64;

let arriving: { buffer: SharedArrayBuffer | ArrayBuffer; pids: readonly number[] } | undefined;

/** @internal The memory of the lock being decoded: the next lock constructed takes it. */
export function receiveLock(wire: { memory: MemoryWire; pids: number[] }): void {
  arriving = { buffer: memoryFromWire(wire.memory), pids: Object.freeze(wire.pids) };
}

/** @internal The wire form of a lock: its memory's handle and its participants. */
export function lockToWire(l: SharedLock): { memory: MemoryWire; pids: number[] } {
  return { memory: memoryToWire(l.buffer, `A ${l.toString()}`, l.pids), pids: [...l.pids] };
}

/**
 * What SpinLock and ReentrantLock share: the word, the owners, the waiting (see the module).
 *
 * @example
 * ```ts
 * import { ReentrantLock } from "distributed";
 * const l = new ReentrantLock();                 // a SharedLock
 * await l.run(async () => { await l.run(() => l.islocked()); }); // true, re-entered
 * ```
 */
export abstract class SharedLock {
  /** The shared memory (32 bytes). */
  readonly buffer: SharedArrayBuffer | ArrayBuffer;
  /** The participating processes, fixed when it was made. */
  readonly pids: readonly number[];
  readonly #word: Int32Array;
  readonly #reentrant: boolean;

  protected constructor(reentrant: boolean, options: LockOptions | undefined) {
    const received = arriving;
    arriving = undefined;
    this.#reentrant = reentrant;
    if (received !== undefined) {
      this.buffer = received.buffer;
      this.pids = received.pids;
    } else {
      const pids = options?.pids ?? defaultParticipants();
      if (!pids.every((p) => Number.isInteger(p) && p >= 1)) {
        throw new TypeError(`${this.#name()}: pids must be process ids, got ${JSON.stringify(pids)}`);
      }
      this.pids = Object.freeze([...pids]);
      this.buffer = placeMemory(w.LOCK_BYTES, this.pids, this.#name());
    }
    this.#word = w.newLockWord(this.buffer);
  }

  /** Waits until this task holds the lock (Julia's `lock(l)`). */
  async lock(): Promise<void> {
    const owner = this.#owner();
    if (this.#reenter(owner)) return;
    for (let n = 0;; n++) {
      const seen = w.wakeCount(this.#word);
      if (this.#take(owner)) return;
      if (n % CHECK_HOLDER_EVERY === CHECK_HOLDER_EVERY - 1) this.#checkAbandoned();
      await w.waitForUnlock(this.#word, seen, n);
    }
  }

  /** Takes the lock if it is free (or re-enters, for a ReentrantLock's owner); whether it did (Julia's `trylock`). */
  trylock(): boolean {
    const owner = this.#owner();
    if (this.#reentrant && held.get(this.#id()) === owner && w.heldHere(this.#word)) return this.#reenter(owner);
    return this.#take(owner);
  }

  /** Lets the lock go (once per lock()); an ERR_LOCK_NOT_OWNER LockError from a task that does not hold it. */
  unlock(): void {
    const owner = this.#owner();
    if (!w.heldHere(this.#word) || held.get(this.#id()) !== owner) throw this.#notOwner();
    if (w.addDepth(this.#word, -1) > 0) return;
    held.delete(this.#id());
    w.letGo(this.#word);
  }

  /** Whether anyone holds it (Julia's `islocked`). */
  islocked(): boolean {
    return w.isHeld(this.#word);
  }

  /** Who holds it, as it recorded itself (worker pid, OS pid, thread id), or null. */
  holder(): w.LockHolder | null {
    return w.holderOf(this.#word);
  }

  /**
   * Locks, runs fn (sync or async), unlocks in a finally; resolves with fn's value or rejects
   * with its error (Julia's `lock(f, l)`). Inside fn this task owns the lock (see the module).
   */
  async run<R>(fn: () => R | Promise<R>): Promise<Awaited<R>> {
    if (typeof fn !== "function") throw new TypeError(`${this.#name()}.run(fn): fn must be a function`);
    const id = this.#id();
    const outer = runs.get();
    const owner = outer?.get(id) ?? {};
    const inside = new Map(outer ?? []).set(id, owner);
    await runs.run(inside, () => this.lock());
    try {
      return await runs.run(inside, fn);
    } finally {
      runs.run(inside, () => this.unlock());
    }
  }

  toString(): string {
    const h = this.holder();
    return `${this.#name()}(${h === null ? "unlocked" : `locked by ${w.describeHolder(h)}`})`;
  }

  #name(): string {
    return this.#reentrant ? "ReentrantLock" : "SpinLock";
  }

  #id(): number {
    return w.lockId(this.#word);
  }

  #owner(): object {
    return runs.get()?.get(this.#id()) ?? BARE;
  }

  /** Re-enters if this owner holds it: more depth for a ReentrantLock, an error for a SpinLock. */
  #reenter(owner: object): boolean {
    if (owner === BARE || held.get(this.#id()) !== owner || !w.heldHere(this.#word)) return false;
    if (!this.#reentrant) {
      throw new LockError(
        "ERR_LOCK_RECURSIVE",
        "SpinLock: locked again inside its own run(): a SpinLock is not reentrant, so this would wait for itself forever. Use a ReentrantLock.",
      );
    }
    w.addDepth(this.#word, 1);
    return true;
  }

  #take(owner: object): boolean {
    if (!w.tryTake(this.#word)) return false;
    held.set(this.#id(), owner);
    return true;
  }

  #checkAbandoned(): void {
    const gone = w.abandonedBy(this.#word);
    if (gone !== null) {
      throw new LockError(
        "ERR_LOCK_ABANDONED",
        `${this.#name()}: held by ${
          w.describeHolder(gone)
        }, which ended without unlocking it; the data it guards may be half-updated. Make a new lock.`,
      );
    }
  }

  #notOwner(): LockError {
    const h = this.holder();
    const here = "another task of this thread holds it (outside a run, or in another run)";
    const why = h === null ? "it is not locked" : w.heldHere(this.#word) ? here : `it is held by ${w.describeHolder(h)}`;
    return new LockError("ERR_LOCK_NOT_OWNER", `${this.#name()}.unlock(): this task does not hold the lock: ${why}`);
  }
}
