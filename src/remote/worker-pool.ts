/**
 * Worker pools, as in Julia: a WorkerPool is a set of workers handed out one call at a time
 * (take waits for an idle one); defaultWorkerPool() follows workers() as they come and go;
 * remote(f, pool) makes a function that runs f on the pool. CachingPool is in caching-pool.ts.
 *
 * A pool belongs to the process that made it. Sent to another process, it arrives as a handle
 * to the same pool (Julia's pools travel as their RemoteChannel `ref`): take, put, push, wait
 * and status go to the owner, so every process draws on one set of idle and busy workers. On a
 * worker, defaultWorkerPool() is such a handle to the master's default pool, as in Julia, so a
 * pmap or remote(f) inside a worker spreads over all the workers (itself included). The
 * owner keeps a pool it sent while any process holds a handle (see handles.ts); a handle is
 * released by release(), `using`, or when it is garbage-collected.
 *
 * The synchronous members (workers(), length, isready(), takeNow()) answer only where the pool
 * lives; on a handle, `await pool.status()` asks the owner.
 *
 * A handle's operations travel to the owner through pool-link.ts (POOL_OP); the table of this
 * process's handles, one per remote pool, is pool-handles.ts.
 *
 * Why one file: each member's owner and handle behaviour sit side by side, because both, and
 * the wire form, need the pool's private state (members, idle workers, waiters, its reference,
 * whether it is a handle); the default pool, which the wire form names, subclasses it.
 *
 * @example
 * ```ts
 * import { addprocs, remote, remotecallFetch, WorkerPool } from "distributed";
 * await addprocs(2);
 * const pool = new WorkerPool([2, 3]);
 * await remotecallFetch((x) => x * 2, pool, 21);   // on whichever of 2, 3 is free
 * const square = remote((x: number) => x * x);    // default pool
 * await square(7);                                  // 49
 * await remotecallFetch(async (p: WorkerPool) => (await p.status()).workers, 2, pool); // [2, 3]
 * ```
 * @module
 */
import { holdProcess } from "../cluster/keepalive.ts";
import { peers } from "../cluster/peers.ts";
import { workers } from "../cluster/queries.ts";
import { state } from "../cluster/state.ts";
import { DistributedError, ReleasedHandleError } from "../errors.ts";
import { noteSentHandle } from "../protocol/codec.ts";
import { registerClass } from "../protocol/class-registry.ts";
import type { RefId } from "../protocol/messages.ts";
import { newRefId } from "./future.ts";
import { releaseHandle, trackHandle } from "./handles.ts";
import { refKey, refs } from "./refs.ts";
import { attach, attachingOwner, forgetHandle, knownHandle, type Owner } from "./pool-handles.ts";
import { askOwner, servePools, tellOwner } from "./pool-link.ts";

/** A pool's workers and which of them are idle now (what `pool.status()` answers). */
export interface PoolStatus {
  /** Every worker of the pool, ascending. */
  workers: number[];
  /** The idle ones (a take would not wait now), ascending. */
  idle: number[];
}

/** The master's default pool, the same on every process. */
const DEFAULT_REF: RefId = [1, 0];
const isDefaultRef = (ref: RefId): boolean => ref[0] === 1 && ref[1] === 0;
const noop = (): void => {};

// Pools owned here, weakly, so that a worker that exits leaves each of them.
const owned = new Set<WeakRef<WorkerPool>>();
const ownedGone = new FinalizationRegistry<WeakRef<WorkerPool>>((r) => owned.delete(r));

/**
 * A set of workers that calls are spread over.
 *
 * @example
 * ```ts
 * import { addprocs, pmap, remotecallFetch, rmprocs, WorkerPool } from "distributed";
 * const pids = await addprocs(3);
 * const pool = new WorkerPool(pids.slice(0, 2));          // 2 and 3; 4 is left for other work
 * await remotecallFetch((x: number) => x * 2, pool, 21);  // 42, on whichever of 2, 3 is idle
 * await pmap((x: number) => x + 1, [1, 2, 3], { pool });  // [2, 3, 4]
 * const pid = await pool.take();                          // an idle worker, busy for the pool's other users
 * pool.put(pid);                                          // idle again
 * await rmprocs(pids);
 * ```
 */
export class WorkerPool {
  #members = new Set<number>();
  #idle: number[] = [];
  #waiters: Array<(pid: number) => void> = [];
  #ready: Array<() => void> = [];
  #load = new Map<number, number>();
  /** Set on a handle to a pool that lives on another process. */
  readonly #remote: Owner | null;
  /** This pool's reference, from the first time it was sent to another process. */
  #ref: RefId | null = null;
  #released = false;

  /** A pool of `pids` (default: empty; add with push). */
  constructor(pids: Iterable<number> = []) {
    this.#remote = attachingOwner();
    if (this.#remote !== null) return;
    for (const p of pids) this.push(p);
    const weak = new WeakRef<WorkerPool>(this);
    owned.add(weak);
    ownedGone.register(this, weak);
  }

  static {
    peers.onRemoved((pid) => {
      for (const weak of owned) {
        const pool = weak.deref();
        if (pool !== undefined) pool.#drop(pid);
      }
    });
  }

  /** The process the pool lives on: this one, or the owner of a pool received as a handle. */
  get where(): number {
    return this.#remote === null ? state.myid : this.#remote.where;
  }

  /** Adds a worker. */
  push(pid: number): void {
    if (!Number.isInteger(pid) || pid < 1) throw new TypeError(`WorkerPool.push(pid): pid must be a positive integer, got ${String(pid)}`);
    if (this.#remote !== null) return tellOwner(this.#live("push").where, this.#remote.ref, "push", pid);
    if (this.#members.has(pid)) return;
    this.#members.add(pid);
    this.put(pid);
  }

  /** The workers in the pool, ascending (where the pool lives; elsewhere use status()). */
  workers(): number[] {
    if (this.#remote !== null) throw elsewhere(this.#remote.where, "workers()", "(await pool.status()).workers");
    this.sync();
    return [...this.#members].sort((a, b) => a - b);
  }

  /** Number of workers (where the pool lives; elsewhere use status()). */
  get length(): number {
    if (this.#remote !== null) throw elsewhere(this.#remote.where, "length", "(await pool.status()).workers.length");
    this.sync();
    return this.#members.size;
  }

  /** Whether a worker is idle now (where the pool lives; elsewhere use status()). */
  isready(): boolean {
    if (this.#remote !== null) throw elsewhere(this.#remote.where, "isready()", "(await pool.status()).idle.length > 0");
    this.sync();
    return this.#idle.length > 0;
  }

  /** The workers and the idle ones, asking the owner when the pool lives on another process. */
  async status(): Promise<PoolStatus> {
    if (this.#remote !== null) return (await askOwner(this.#live("status").where, this.#remote.ref, "status")) as PoolStatus;
    return { workers: this.workers(), idle: [...this.#idle].sort((a, b) => a - b) };
  }

  /** Waits for an idle worker and marks it busy (give it back with put). */
  take(): Promise<number> {
    if (this.#remote !== null) {
      try {
        return askOwner(this.#live("take").where, this.#remote.ref, "take") as Promise<number>;
      } catch (err) {
        return Promise.reject(err);
      }
    }
    this.sync();
    const pid = this.#idle.shift();
    if (pid !== undefined) return Promise.resolve(this.#mark(pid));
    if (this.#members.size === 0) {
      return Promise.reject(new RangeError("The worker pool is empty: add workers with addprocs or pool.push(pid)"));
    }
    return new Promise((resolve) => {
      const done = this.#heldOpen();
      this.#waiters.push((p) => {
        done();
        resolve(this.#mark(p));
      });
    });
  }

  /**
   * Resolves once a worker is idle, without taking it (Julia's `wait(pool)`); on an empty
   * pool, once a worker is pushed.
   */
  async wait(): Promise<void> {
    if (this.#remote !== null) {
      await askOwner(this.#live("wait").where, this.#remote.ref, "wait");
      return;
    }
    this.sync();
    if (this.#idle.length > 0) return;
    const done = this.#heldOpen();
    await new Promise<void>((resolve) => this.#ready.push(resolve));
    done();
  }

  /** A worker now: an idle one if any, else the least loaded (never waits; where the pool lives). */
  takeNow(): number {
    if (this.#remote !== null) throw elsewhere(this.#remote.where, "takeNow()", "await pool.take()");
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
    if (this.#remote !== null) return tellOwner(this.#live("put").where, this.#remote.ref, "put", pid);
    const load = (this.#load.get(pid) ?? 1) - 1;
    this.#load.set(pid, Math.max(0, load));
    if (!this.#members.has(pid) || load > 0) return;
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) return waiter(pid);
    if (!this.#idle.includes(pid)) this.#idle.push(pid);
    if (this.#ready.length > 0) { for (const wake of this.#ready.splice(0)) wake(); }
  }

  /**
   * Lets the owner forget this pool when it came from another process (it keeps the pool while
   * any process holds a handle); a handle the program drops is released when it is collected.
   * Does nothing where the pool lives.
   */
  release(): void {
    if (this.#remote === null || this.#released || isDefaultRef(this.#remote.ref)) return;
    this.#released = true;
    releaseHandle(this);
    const key = refKey(this.#remote.ref[0], this.#remote.ref[1]);
    forgetHandle(key, this);
  }

  /** `using pool = ...` releases a received pool at the end of the block. */
  [Symbol.dispose](): void {
    this.release();
  }

  /** @internal Brings the members up to date (the default pool follows workers()). */
  sync(): void {}

  /** @internal Replaces the members (used by the default pool). */
  protected setMembers(pids: readonly number[]): void {
    for (const p of [...this.#members]) if (!pids.includes(p)) this.#drop(p);
    for (const p of pids) if (!this.#members.has(p)) this.push(p);
  }

  /** @internal The wire form `[where, whence, id]`; sending a pool from its owner makes it a reference. */
  static wireForm(pool: WorkerPool): [number, number, number] {
    const remote = pool.#remote;
    if (remote !== null) {
      pool.#live("send");
      if (!isDefaultRef(remote.ref)) noteSentHandle({ owner: remote.where, ref: remote.ref });
      return [remote.where, remote.ref[0], remote.ref[1]];
    }
    if (pool.#ref === null) pool.#ref = pool instanceof DefaultPool ? DEFAULT_REF : [state.myid, newRefId()];
    const ref = pool.#ref;
    if (!isDefaultRef(ref)) noteSentHandle({ owner: state.myid, ref, local: pool });
    return [state.myid, ref[0], ref[1]];
  }

  /** @internal The pool a received wire form names: the pool itself on its owner, else a handle. */
  static fromWire<P extends WorkerPool>(this: new () => P, [where, whence, id]: [number, number, number]): P {
    const ref: RefId = [whence, id];
    // Only the default pool, a plain WorkerPool, has this reference.
    if (isDefaultRef(ref)) return defaultWorkerPool() as P;
    const key = refKey(whence, id);
    if (where === state.myid) {
      const pool = refs.get(key)?.value;
      // The sender counted this process as a holder, but the pool itself is here.
      refs.removeClient(key, state.myid);
      if (pool instanceof WorkerPool) return pool as P;
      throw new ReferenceError(`WorkerPool ${key} came back to process ${state.myid}, which no longer keeps it`);
    }
    const known = knownHandle<P>(key);
    if (known !== undefined) {
      trackHandle(known, where, ref);
      return known;
    }
    return attach(this, where, ref);
  }

  /**
   * While this process waits for a worker: once other processes hold the pool, a put from one
   * of them may be what it waits for, so the process must not exit meanwhile (see keepalive.ts).
   */
  #heldOpen(): () => void {
    return this.#ref !== null || this instanceof DefaultPool ? holdProcess() : noop;
  }

  /** The owner of a handle, or an error if the handle was released. */
  #live(op: string): Owner {
    if (this.#released) throw new ReleasedHandleError("WorkerPool", op);
    return this.#remote!;
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

function elsewhere(where: number, member: string, instead: string): DistributedError {
  return new DistributedError(
    "ERR_POOL_ELSEWHERE",
    `WorkerPool.${member} answers only on the process the pool lives on, and this pool lives on process ${where} (it was received from there); use ${instead}, which asks process ${where}`,
  );
}

class DefaultPool extends WorkerPool {
  override sync(): void {
    const now = workers().filter((p) => p !== 1 || peers.all().length === 0 || state.myid !== 1);
    this.setMembers(now.length > 0 ? now : [state.myid]);
  }
}

let defaultPool: DefaultPool | undefined;
let defaultHandle: WorkerPool | undefined;

/**
 * The pool of all workers (the master alone while there are none); follows addprocs/rmprocs.
 * On a worker it is the master's default pool (a handle to it), as in Julia.
 *
 * @example
 * ```ts
 * import { addprocs, defaultWorkerPool, remotecallFetch, rmprocs } from "distributed";
 * const pool = defaultWorkerPool();
 * pool.workers();                            // [1]: the master alone while there are no workers
 * const pids = await addprocs(2);
 * pool.workers();                            // [2, 3]: it follows addprocs and rmprocs
 * await remotecallFetch(() => 6 * 7, pool);  // 42, on an idle worker
 * await rmprocs(pids);
 * ```
 */
export function defaultWorkerPool(): WorkerPool {
  if (state.myid === 1) return (defaultPool ??= new DefaultPool());
  // Never counted on the master: its default pool lives as long as it does.
  return (defaultHandle ??= attach(WorkerPool, 1, DEFAULT_REF, false));
}

/** Whether `x` is a worker pool (accepted where a pid is). */
export function isPool(x: unknown): x is WorkerPool {
  return x instanceof WorkerPool;
}

servePools((key) => {
  if (state.myid === 1 && key === refKey(DEFAULT_REF[0], DEFAULT_REF[1])) return defaultWorkerPool();
  const pool = refs.get(key)?.value;
  return pool instanceof WorkerPool ? pool : undefined;
});

for (
  const [Pool, name] of [
    [WorkerPool, "distributed.WorkerPool"],
    [DefaultPool, "distributed.DefaultPool"],
  ] as const
) {
  registerClass(Pool, {
    name,
    encode: (pool) => WorkerPool.wireForm(pool),
    decode: (data) => WorkerPool.fromWire(data as [number, number, number]),
  });
}
