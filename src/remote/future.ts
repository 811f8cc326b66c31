/**
 * Future: a write-once reference to a value that lives on one process (`where`), as in
 * Julia. `remotecall` returns one whose value stays on the worker until fetched; `fetch()`
 * brings it here once, caches it, and lets the worker free its copy.
 *
 * Why one file: the Future type is one piece: the class (its put, fetch, wait and release, and
 * the cached outcome), the way the package makes one for an existing reference (attach, with
 * the module's `attaching` state the constructor reads) and its wire form, which rebuilds it
 * elsewhere with its cached value.
 *
 * @example
 * ```ts
 * import { Future, remotecall } from "distributed";
 * const f = remotecall(() => Math.random(), 2);
 * (await f.fetch()) === (await f.fetch()); // true: the value is cached
 * const local = new Future<number>();
 * await local.put(42);
 * await local.fetch(); // 42
 * ```
 * @module
 */
import { DistributedError, ProcessExitedError, ReleasedHandleError, RemoteError, toWireError, type WireError } from "../errors.ts";
import { noteSentHandle } from "../protocol/codec.ts";
import { registerClass } from "../protocol/class-registry.ts";
import { MSG } from "../protocol/messages.ts";
import { whileHeld } from "../cluster/keepalive.ts";
import { peers } from "../cluster/peers.ts";
import { state } from "../cluster/state.ts";
import { forgetHandle, releaseHandle, trackHandle } from "./handles.ts";
import { type RefEntry, refKey, refs } from "./refs.ts";

let nextRefId = 1;
// Set while the package itself makes a Future for an existing reference (a call's result, a
// received handle): the constructor then registers nothing on the owner.
let attaching = false;
let attached: { whence: number; id: number } | null = null;

/** @internal A fresh reference id owned by this process. */
export function newRefId(): number {
  return nextRefId++;
}

type Cached = { ok: true; value: unknown } | { ok: false; error: WireError; pid: number };

/**
 * A reference to a value that is, or will be, on process `where`.
 *
 * @example
 * ```ts
 * import { addprocs, Future, remotecall, remotecallFetch, rmprocs } from "distributed";
 * const [p] = await addprocs(1);
 * const f = remotecall(() => Math.random(), p);  // a Future; the value stays on p
 * (await f.fetch()) === (await f.fetch());        // true: fetched once, then cached here
 * const answer = new Future<number>(p);           // empty; its value will live on p
 * await remotecallFetch(async (answer: Future<number>) => { await answer.put(42); }, p, answer);
 * await answer.fetch();                           // 42
 * await rmprocs(p);
 * ```
 */
export class Future<T = unknown> {
  /** The process that holds the value. */
  readonly where: number;
  /** The process that created the reference. */
  readonly whence: number;
  /** Identifies the reference together with `whence`. */
  readonly id: number;
  #cached: Cached | undefined;
  #fetching: Promise<T> | undefined;

  /**
   * A new, empty Future on process `where` (default: this one), to be set once with put().
   */
  constructor(where: number = state.myid) {
    if (!Number.isInteger(where) || where < 1) throw new TypeError(`new Future(where): where must be a pid, got ${String(where)}`);
    this.where = where;
    if (attaching) {
      this.whence = attached!.whence;
      this.id = attached!.id;
      return;
    }
    this.whence = state.myid;
    this.id = newRefId();
    if (where === state.myid) refs.addClient(this.#key, where);
    else peers.connectionTo(where).send(MSG.REF_ADD, 0, [[[[this.whence, this.id], state.myid]]]);
    trackHandle(this, where, [this.whence, this.id]);
  }

  /**
   * @internal A Future for a reference that already exists on `where` (a call's result, a
   * received handle). `hold`: this process holds it (counted on the owner by whoever created
   * or sent it), so dropping the Future releases it.
   */
  static attach<T>(where: number, whence: number, id: number, hold: boolean): Future<T> {
    attaching = true;
    attached = { whence, id };
    try {
      const f = new Future<T>(where);
      if (hold) trackHandle(f, where, [whence, id]);
      return f;
    } finally {
      attaching = false;
      attached = null;
    }
  }

  #released = false;

  get #key(): string {
    return refKey(this.whence, this.id);
  }

  /** Waits for the value and returns it; rejects with RemoteError if the call failed. */
  fetch(): Promise<T> {
    const cached = this.#cached;
    if (cached !== undefined) {
      return cached.ok ? Promise.resolve(cached.value as T) : Promise.reject(new RemoteError(cached.pid, cached.error));
    }
    if (this.#released && this.#fetching === undefined) return Promise.reject(releasedError("fetch"));
    this.#fetching ??= this.#load();
    return this.#fetching;
  }

  async #load(): Promise<T> {
    if (this.where === state.myid) {
      const key = this.#key;
      // The value may come from another process (a put): stay alive meanwhile.
      const entry: RefEntry = await whileHeld(() => refs.during(key, () => refs.whenReady(key)));
      if (entry.state === 1) this.#cached = { ok: true, value: entry.value };
      else this.#cached = { ok: false, error: entry.value as WireError, pid: (entry.value as WireError).pid ?? state.myid };
      // The value now lives in this Future: drop the hold on the stored copy.
      releaseHandle(this);
      if (this.#cached.ok) return this.#cached.value as T;
      throw new RemoteError(this.#cached.pid, this.#cached.error);
    }
    try {
      const value = await peers.connectionTo(this.where).request(MSG.REF_FETCH, [[this.whence, this.id], true]);
      this.#cached = { ok: true, value };
      forgetHandle(this); // the owner dropped our hold when it answered
      return value as T;
    } catch (err) {
      if (err instanceof RemoteError) {
        this.#cached = { ok: false, error: err.remote, pid: err.pid };
        forgetHandle(this);
      } else {
        if (err instanceof ProcessExitedError) forgetHandle(this);
        this.#fetching = undefined;
      }
      throw err;
    }
  }

  /**
   * Waits until the value is ready (without moving it here) and resolves to this Future; rejects
   * with the RemoteError if the call that was to produce it threw, as Julia's `wait` does.
   */
  async wait(): Promise<this> {
    const cached = this.#cached;
    if (cached !== undefined) {
      if (cached.ok) return this;
      throw new RemoteError(cached.pid, cached.error);
    }
    if (this.#released) throw releasedError("wait");
    if (this.where === state.myid) {
      const key = this.#key;
      const entry: RefEntry = await whileHeld(() => refs.whenReady(key));
      if (entry.state !== 1) throw new RemoteError((entry.value as WireError).pid ?? state.myid, entry.value as WireError);
      return this;
    }
    await peers.connectionTo(this.where).request(MSG.REF_WAIT, [[this.whence, this.id]]);
    return this;
  }

  /** Whether the value is ready. */
  async isready(): Promise<boolean> {
    if (this.#cached !== undefined) return true;
    if (this.#released) throw releasedError("isready");
    if (this.where === state.myid) return (refs.get(this.#key)?.state ?? 0) !== 0;
    return (await peers.connectionTo(this.where).request(MSG.REF_READY, [[this.whence, this.id]])) as boolean;
  }

  /** Sets the value; a Future can be set only once (a second put rejects). */
  async put(value: T): Promise<this> {
    if (this.#cached !== undefined) throw alreadySet(this);
    if (this.#released) throw releasedError("put");
    if (this.where === state.myid) {
      if (!refs.settle(this.#key, true, value)) throw alreadySet(this);
      return this;
    }
    await peers.connectionTo(this.where).request(MSG.REF_PUT, [[this.whence, this.id], value]);
    return this;
  }

  /**
   * Lets the owner free the value now (fetch() does this by itself; a Future the program drops
   * is released when it is garbage-collected). Anything already sent that uses this Future is
   * unaffected: its receiver holds its own reference.
   */
  release(): void {
    this.#released = true;
    releaseHandle(this);
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
export function alreadySet(f: { where: number; whence: number; id: number }): DistributedError {
  return new DistributedError(
    "ERR_FUTURE_ALREADY_SET",
    `Future ${f.whence}:${f.id} on process ${f.where} already has a value; a Future can be put only once`,
  );
}

/** @internal Stores a call's outcome in this process's reference store. */
export function settleRef(key: string, ok: boolean, value: unknown): void {
  refs.settle(key, ok, ok ? value : toWireError(value, state.myid));
}

registerClass(Future, {
  name: "distributed.Future",
  encode: (f: Future) => {
    // A fetched Future carries its value and needs nothing from the owner any more.
    const cached = f.cachedOutcome ?? null;
    if (cached === null) noteSentHandle({ owner: f.where, ref: [f.whence, f.id] });
    return [f.where, f.whence, f.id, cached];
  },
  decode: (data) => {
    const [where, whence, id, cached] = data as [number, number, number, Cached | null];
    const f = Future.attach(where, whence, id, cached === null);
    if (cached !== null) f.cachedOutcome = cached;
    return f;
  },
});

function releasedError(op: string): ReleasedHandleError {
  return new ReleasedHandleError("Future", op);
}
