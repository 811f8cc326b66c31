/**
 * CachingPool, as in Julia: a WorkerPool that ships each function once per worker and then
 * calls it by id, so a large function source (or large captured values) crosses the wire once
 * per worker instead of once per call.
 *
 * What is cached where: each worker keeps the functions shipped to it, by id. The table of
 * which function went to which worker belongs to the process that calls through the pool: its
 * owner, or a process holding a handle to it (Julia refuses to send a CachingPool at all; here
 * it travels as a handle like any pool). Functions are per process, so each process ships its
 * own once per worker, under ids no other process uses; `clear(pool)` on a process makes the
 * workers forget what that process shipped, and so does dropping the pool there (Julia's
 * finalizer(clear!)).
 *
 * @example
 * ```ts
 * import { CachingPool, addprocs, capture, clear, pmap, range, workers } from "distributed";
 * await addprocs(2);
 * const table = new Float64Array(1_000_000).map((_, i) => Math.sqrt(i));
 * const cp = new CachingPool(workers());
 * const lookup = capture({ table }, (i: number) => table[i]);
 * await pmap(lookup, range(0, 10_000), { pool: cp }); // the table goes once to each worker
 * await clear(cp);                                     // Julia's clear!(pool)
 * ```
 * @module
 */
import { peers } from "../cluster/peers.ts";
import { state } from "../cluster/state.ts";
import { registerSystemFunction, toSpec } from "../code/function-spec.ts";
import { encodeCall } from "../code/invoke.ts";
import { registerClass } from "../protocol/class-registry.ts";
import { MSG } from "../protocol/messages.ts";
import { WorkerPool } from "./worker-pool.ts";

// --- on the workers: the functions shipped here, by id ---
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

/** Pid -> ids of the functions a pool shipped there from this process. */
type Shipped = Map<number, Set<number>>;

// A pool dropped here: its workers forget what it shipped from here.
const forget = new FinalizationRegistry<Shipped>((shipped) => {
  for (const [pid, ids] of shipped) {
    try {
      peers.connectionTo(pid).send(MSG.REMOTE_DO, 0, encodeCall(uncacheFunctions, [[...ids]], "CachingPool"));
    } catch {
      // That worker is gone, and its cache with it.
    }
  }
});

/**
 * A WorkerPool that ships each function once per worker, then calls it by id: a large
 * function source (or large captured values) crosses the wire once per worker.
 *
 * @example
 * ```ts
 * import { CachingPool, addprocs, capture, clear, pmap, rmprocs } from "distributed";
 * const pids = await addprocs(2);
 * const weights = new Float64Array(1_000_000).fill(0.5); // 8 MB
 * const pool = new CachingPool(pids);
 * const weigh = capture({ weights }, (i: number) => weights[i] * i);
 * await pmap(weigh, [1, 2, 3, 4], { pool }); // [0.5, 1, 1.5, 2]: the 8 MB went once to each worker
 * await pmap(weigh, [5, 6], { pool });       // [2.5, 3]: called by id, nothing shipped again
 * await clear(pool);                         // the workers forget weigh (Julia's clear!(pool))
 * await rmprocs(pids);
 * ```
 */
export class CachingPool extends WorkerPool {
  readonly #ids = new Map<Function, number>();
  readonly #shipped: Shipped = new Map();

  /** A pool of `pids` (default: empty; add with push). */
  constructor(pids: Iterable<number> = []) {
    super(pids);
    forget.register(this, this.#shipped);
  }

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

  /** Makes the workers forget the functions this process shipped through the pool (Julia's clear!(pool)). */
  async clear(send: Send): Promise<void> {
    // A worker that has exited forgot them already: its failure is no failure of clear.
    await Promise.all([...this.#shipped].map(([pid, ids]) => send(uncacheFunctions, pid, [...ids]).catch(() => null)));
    this.#shipped.clear();
  }
}

registerClass(CachingPool, {
  name: "distributed.CachingPool",
  encode: (pool) => WorkerPool.wireForm(pool),
  decode: (data) => CachingPool.fromWire(data as [number, number, number]),
});
