/**
 * Worker pools, as in Julia: a WorkerPool is a set of workers handed out one call at a time
 * (take waits for an idle one); CachingPool also ships each function once per worker and then
 * refers to it by id; defaultWorkerPool() follows workers() as they come and go; remote(f, pool)
 * makes a function that runs f on the pool.
 *
 * @example
 * ```ts
 * const pool = new WorkerPool([2, 3]);
 * await remotecallFetch((x) => x * 2, pool, 21);   // on whichever of 2, 3 is free
 * const square = remote((x: number) => x * x);    // default pool
 * await square(7);                                  // 49
 * await pmap(f, xs, { pool: new CachingPool(workers()) });
 * ```
 * @module
 */
import { peers } from "../cluster/peers.ts";
import { workers } from "../cluster/queries.ts";
import { state } from "../cluster/state.ts";
import { registerSystemFunction, toSpec } from "../code/function-spec.ts";

/** A set of workers that calls are spread over. */
export class WorkerPool {
  /**
   * Every pool, held weakly: a worker that is removed leaves them all, yet a pool the program
   * dropped (pmap makes one per call given an array of pids) must not be kept alive by that.
   */
  static readonly #all = new Set<WeakRef<WorkerPool>>();
  static readonly #collected = new FinalizationRegistry<WeakRef<WorkerPool>>((ref) => WorkerPool.#all.delete(ref));
  static {
    peers.onRemoved((pid) => {
      for (const ref of WorkerPool.#all) {
        const pool = ref.deref();
        if (pool !== undefined) pool.#drop(pid);
      }
    });
  }

  #members = new Set<number>();
  #idle: number[] = [];
  #waiters: Array<(pid: number) => void> = [];
  #load = new Map<number, number>();

  /** A pool of `pids` (default: empty; add with push). */
  constructor(pids: Iterable<number> = []) {
    for (const p of pids) this.push(p);
    const ref = new WeakRef(this);
    WorkerPool.#all.add(ref);
    WorkerPool.#collected.register(this, ref);
  }

  /** Adds a worker. */
  push(pid: number): void {
    if (!Number.isInteger(pid) || pid < 1) throw new TypeError(`WorkerPool.push(pid): pid must be a positive integer, got ${String(pid)}`);
    if (this.#members.has(pid)) return;
    this.#members.add(pid);
    this.put(pid);
  }

  /** The workers in the pool, ascending. */
  workers(): number[] {
    this.sync();
    return [...this.#members].sort((a, b) => a - b);
  }

  /** Number of workers. */
  get length(): number {
    this.sync();
    return this.#members.size;
  }

  /** Whether a worker is idle now. */
  isready(): boolean {
    this.sync();
    return this.#idle.length > 0;
  }

  /** Waits for an idle worker and marks it busy (give it back with put). */
  take(): Promise<number> {
    this.sync();
    const pid = this.#idle.shift();
    if (pid !== undefined) return Promise.resolve(this.#mark(pid));
    if (this.#members.size === 0) return Promise.reject(new RangeError("The worker pool is empty: add workers with addprocs or pool.push(pid)"));
    return new Promise((resolve) => this.#waiters.push((p) => resolve(this.#mark(p))));
  }

  /** A worker now: an idle one if any, else the least loaded (never waits). */
  takeNow(): number {
    this.sync();
    const pid = this.#idle.shift();
    if (pid !== undefined) return this.#mark(pid);
    let best: number | undefined;
    for (const p of this.#members) if (best === undefined || (this.#load.get(p) ?? 0) < (this.#load.get(best) ?? 0)) best = p;
    if (best === undefined) throw new RangeError("The worker pool is empty: add workers with addprocs or pool.push(pid)");
    return this.#mark(best);
  }

  /** Gives a worker back. */
  put(pid: number): void {
    const load = (this.#load.get(pid) ?? 1) - 1;
    this.#load.set(pid, Math.max(0, load));
    if (!this.#members.has(pid) || load > 0) return;
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) waiter(pid);
    else if (!this.#idle.includes(pid)) this.#idle.push(pid);
  }

  /** @internal Brings the members up to date (the default pool follows workers()). */
  sync(): void {}

  /** @internal Replaces the members (used by the default pool). */
  protected setMembers(pids: readonly number[]): void {
    for (const p of [...this.#members]) if (!pids.includes(p)) this.#drop(p);
    for (const p of pids) if (!this.#members.has(p)) this.push(p);
  }

  #mark(pid: number): number {
    this.#load.set(pid, (this.#load.get(pid) ?? 0) + 1);
    return pid;
  }

  #drop(pid: number): void {
    this.#members.delete(pid);
    this.#load.delete(pid);
    this.#idle = this.#idle.filter((p) => p !== pid);
  }
}

class DefaultPool extends WorkerPool {
  override sync(): void {
    const now = workers().filter((p) => p !== 1 || peers.all().length === 0 || state.myid !== 1);
    this.setMembers(now.length > 0 ? now : [state.myid]);
  }
}

let defaultPool: DefaultPool | undefined;

/** The pool of all workers (the master alone while there are none); follows addprocs/rmprocs. */
export function defaultWorkerPool(): WorkerPool {
  defaultPool ??= new DefaultPool();
  return defaultPool;
}

// --- CachingPool: functions shipped once per worker ---
const cached = new Map<number, Function>();
const cacheFunction = (id: number, fn: Function): null => {
  cached.set(id, fn);
  return null;
};
const uncacheFunctions = (ids: number[]): null => {
  for (const id of ids) cached.delete(id);
  return null;
};
registerSystemFunction("cacheFunction", cacheFunction);
registerSystemFunction("uncacheFunctions", uncacheFunctions);

/** Calls a function a CachingPool shipped here earlier. */
export const callCached = (id: number, ...args: unknown[]): unknown => {
  const fn = cached.get(id);
  if (fn === undefined) throw new ReferenceError(`Cached function ${id} is not on this process (its CachingPool was cleared)`);
  return fn(...args);
};
registerSystemFunction("callCached", callCached);

let nextCacheId = 1;

/** How a pool ships things: remotecallFetch, passed in so pools do not depend on the call layer. */
export type Send = (f: Function, pid: number, ...args: unknown[]) => Promise<unknown>;

/**
 * A WorkerPool that ships each function once per worker, then calls it by id: a large
 * function source (or large captured values) crosses the wire once per worker.
 */
export class CachingPool extends WorkerPool {
  readonly #ids = new Map<Function, number>();
  readonly #shipped = new Map<number, Set<number>>();

  /** @internal The id of `fn` on worker `pid`, shipping the function there first if needed. */
  async cachedId(fn: Function, pid: number, send: Send): Promise<number> {
    let id = this.#ids.get(fn);
    if (id === undefined) {
      toSpec(fn, "CachingPool"); // refuse unsendable functions at the call site
      id = nextCacheId++ + state.myid * 1e9;
      this.#ids.set(fn, id);
    }
    const on = this.#shipped.get(pid) ?? new Set<number>();
    if (!on.has(id)) {
      await send(cacheFunction, pid, id, fn);
      on.add(id);
      this.#shipped.set(pid, on);
    }
    return id;
  }

  /** Forgets the shipped functions on every worker (Julia's clear!(pool)). */
  async clear(send: Send): Promise<void> {
    await Promise.all([...this.#shipped].map(([pid, ids]) => send(uncacheFunctions, pid, [...ids]).catch(() => null)));
    this.#shipped.clear();
  }
}

/** Whether `x` is a worker pool (accepted where a pid is). */
export function isPool(x: unknown): x is WorkerPool {
  return x instanceof WorkerPool;
}
