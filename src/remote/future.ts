/**
 * Future: a write-once reference to a value that lives on one process (`where`), as in
 * Julia. `remotecall` returns one whose value stays on the worker until fetched; `fetch()`
 * brings it here once, caches it, and lets the worker free its copy.
 *
 * @example
 * ```ts
 * const f = remotecall(() => Math.random(), 2);
 * (await f.fetch()) === (await f.fetch()); // true: the value is cached
 * const local = new Future<number>();
 * await local.put(42);
 * await local.fetch(); // 42
 * ```
 * @module
 */
import { RemoteError, toWireError, type WireError } from "../errors.ts";
import { registerClass } from "../protocol/codec.ts";
import { MSG } from "../protocol/messages.ts";
import { peers } from "../cluster/peers.ts";
import { state } from "../cluster/state.ts";
import { refKey, refs, type RefEntry } from "./refs.ts";

let nextRefId = 1;

/** @internal A fresh reference id owned by this process. */
export function newRefId(): number {
  return nextRefId++;
}

type Cached = { ok: true; value: unknown } | { ok: false; error: WireError; pid: number };

/** A reference to a value that is, or will be, on process `where`. */
export class Future<T = unknown> {
  /** The process that holds the value. */
  readonly where: number;
  /** The process that created the reference. */
  readonly whence: number;
  /** Identifies the reference together with `whence`. */
  readonly id: number;
  #cached: Cached | undefined;
  #fetching: Promise<T> | undefined;
  #released = false;

  /**
   * A new, empty Future on process `where` (default: this one), to be set once with put().
   */
  constructor(where: number = state.myid, whence?: number, id?: number) {
    if (!Number.isInteger(where) || where < 1) throw new TypeError(`new Future(where): where must be a pid, got ${String(where)}`);
    this.where = where;
    this.whence = whence ?? state.myid;
    this.id = id ?? newRefId();
    if (where === state.myid && whence === undefined) refs.create(this.#key);
  }

  get #key(): string {
    return refKey(this.whence, this.id);
  }

  /** Waits for the value and returns it; rejects with RemoteError if the call failed. */
  fetch(): Promise<T> {
    const cached = this.#cached;
    if (cached !== undefined) return cached.ok ? Promise.resolve(cached.value as T) : Promise.reject(new RemoteError(cached.pid, cached.error));
    this.#fetching ??= this.#load();
    return this.#fetching;
  }

  async #load(): Promise<T> {
    if (this.where === state.myid) {
      const entry: RefEntry = await refs.whenReady(this.#key);
      if (entry.state === 1) {
        this.#cached = { ok: true, value: entry.value };
        return entry.value as T;
      }
      const error = entry.value as WireError;
      this.#cached = { ok: false, error, pid: error.pid ?? state.myid };
      throw new RemoteError(this.#cached.pid, error);
    }
    try {
      const value = await peers.connectionTo(this.where).request(MSG.REF_FETCH, [[this.whence, this.id], true]);
      this.#cached = { ok: true, value };
      this.#released = true;
      return value as T;
    } catch (err) {
      if (err instanceof RemoteError) {
        this.#cached = { ok: false, error: err.remote, pid: err.pid };
        this.#released = true;
      } else {
        this.#fetching = undefined;
      }
      throw err;
    }
  }

  /** Waits until the value is ready (without moving it here); resolves to this Future. */
  async wait(): Promise<this> {
    if (this.#cached !== undefined) return this;
    if (this.where === state.myid) {
      await refs.whenReady(this.#key);
      return this;
    }
    await peers.connectionTo(this.where).request(MSG.REF_WAIT, [[this.whence, this.id]]);
    return this;
  }

  /** Whether the value is ready. */
  async isready(): Promise<boolean> {
    if (this.#cached !== undefined) return true;
    if (this.where === state.myid) return (refs.get(this.#key)?.state ?? 0) !== 0;
    return (await peers.connectionTo(this.where).request(MSG.REF_READY, [[this.whence, this.id]])) as boolean;
  }

  /** Sets the value; a Future can be set only once (a second put rejects). */
  async put(value: T): Promise<this> {
    if (this.where === state.myid) {
      if (!refs.settle(this.#key, true, value)) throw alreadySet(this);
      return this;
    }
    await peers.connectionTo(this.where).request(MSG.REF_PUT, [[this.whence, this.id], value]);
    return this;
  }

  /** Lets the owner free the value now (fetch() does this by itself). */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    if (this.where === state.myid) {
      refs.delete(this.#key);
      return;
    }
    const peer = peers.get(this.where);
    if (peer !== undefined && !peer.conn.closed) peer.conn.send(MSG.REF_DEL, 0, [[[this.whence, this.id]]]);
  }

  /** `using f = remotecall(...)` releases the value at the end of the block. */
  [Symbol.dispose](): void {
    this.release();
  }

  /** @internal The cached outcome, for passing a fetched Future on with its value. */
  get cachedOutcome(): Cached | undefined {
    return this.#cached;
  }

  /** @internal Restores a cached outcome on a decoded Future. */
  set cachedOutcome(value: Cached | undefined) {
    this.#cached = value;
  }
}

/** The error for a second put on a Future. */
export function alreadySet(f: { where: number; whence: number; id: number }): Error {
  return new Error(`Future ${f.whence}:${f.id} on process ${f.where} already has a value; a Future can be put only once`);
}

/** @internal Stores a call's outcome in this process's reference store. */
export function settleRef(key: string, ok: boolean, value: unknown): void {
  refs.settle(key, ok, ok ? value : toWireError(value, state.myid));
}

registerClass(Future, {
  name: "distributed.Future",
  encode: (f: Future) => [f.where, f.whence, f.id, f.cachedOutcome ?? null],
  decode: (data) => {
    const [where, whence, id, cached] = data as [number, number, number, Cached | null];
    const f = new Future(where, whence, id);
    if (cached !== null) f.cachedOutcome = cached;
    return f;
  },
});
