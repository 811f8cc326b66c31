/**
 * pmap(f, xs, options): Julia's parallel map, with dynamic load balancing and results in
 * input order. Longer than most files because the scheduler is one piece: batching, retries,
 * requeueing after a worker death and progress all act on the same queue.
 *
 * Better than Julia where it is weak:
 * - batchSize "auto" (the default) measures per-item time and grows batches for tiny items
 *   (aiming at ~20 ms of work per batch) while keeping enough batches to balance the end;
 * - a worker that dies mid-pmap has its unfinished items run by the survivors (Julia aborts),
 *   unless `requeue: false`;
 * - `progress: true` draws a bar (a line a second in logs), or hands the counts to a callback;
 * - with no workers it runs locally, with the same options;
 * - over a pool it keeps calls in flight on every worker of the pool without taking them from
 *   it, so a pmap inside a pmap's function never waits for a free worker forever (Julia's does:
 *   Distributed.jl issue 62). Inside a worker the default pool is the master's, as in Julia.
 *
 * @example
 * ```ts
 * import { pmap, range } from "distributed";
 * const slowSquare = async (x: number): Promise<number> => {
 *   await new Promise((r) => setTimeout(r, 10));
 *   return x * x;
 * };
 * const res = await pmap(slowSquare, range(0, 1000), { progress: true });
 * await pmap((s: string) => JSON.parse(s), ["1", "{", "3"], { onError: () => null }); // [1, null, 3]
 * const flaky = (x: number): number => {
 *   if (Math.random() < 0.1) throw new Error("transient");
 *   return x;
 * };
 * await pmap(flaky, range(0, 100), { retryDelays: [100, 500], retryCheck: (s, err) => !/fatal/.test(err.message) });
 * ```
 * @module
 */
import { ProcessExitedError, RemoteError, type WireError } from "../errors.ts";
import { state } from "../cluster/state.ts";
import { toSpec } from "../code/function-spec.ts";
import { remotecallFetch } from "../remote/calls.ts";
import { mapBatch, type BatchResult } from "./map-batch.ts";
import { CachingPool } from "../remote/caching-pool.ts";
import { defaultWorkerPool, isPool, WorkerPool } from "../remote/worker-pool.ts";
import { ProgressReporter, type PmapProgress } from "./progress.ts";
import { Range } from "./range.ts";

/** Options of pmap (Julia's keyword arguments, plus progress and requeue). */
export interface PmapOptions<T, R> {
  /**
   * The workers to use (default: defaultWorkerPool(): all workers, the master alone when there
   * are none; inside a worker, the master's default pool).
   */
  pool?: WorkerPool | readonly number[];
  /** Items per call: a number, or "auto" (default) to adapt to the measured time per item. */
  batchSize?: number | "auto";
  /** Runs on the worker when f throws; what it returns becomes that item's result. */
  onError?: (err: unknown, item: T) => R;
  /** Milliseconds to wait before each retry of a failed item (its length is the number of retries). */
  retryDelays?: Iterable<number>;
  /** Decides on the caller whether a failed item is retried (default: always, while delays last). */
  retryCheck?: (attempt: { attempt: number; item: T; index: number }, err: Error) => boolean;
  /** Run the unfinished items of a worker that died on the others (default true). */
  requeue?: boolean;
  /** true: a progress bar on a terminal, lines otherwise; a function: receives the counts. */
  progress?: boolean | ((p: PmapProgress) => void);
}

export type { PmapProgress };

/** Work per batch that "auto" aims for. */
const TARGET_BATCH_MS = 20;
const MAX_BATCH = 1_000_000;
/** Calls in flight per worker to start with: one computing, one on the wire. */
const LANES = 2;
/**
 * At most this many when calls spend most of their time on the wire (tiny items with a small
 * fixed batchSize): enough in flight to cover the round trip.
 */
const MAX_LANES = 8;

interface Pending<T> {
  index: number;
  item: T;
  attempt: number;
}

interface Batch<T> {
  /** Contiguous from `start` when `indices` is null. */
  start: number;
  indices: number[] | null;
  items: T[] | Range;
  attempts: number[] | null;
}

/**
 * Applies `f` to every item of `xs` on the workers; resolves with the results in input order.
 *
 * @example
 * ```ts
 * import { addprocs, myid, pmap, rmprocs } from "distributed";
 * const pids = await addprocs(2);
 * await pmap((x: number) => x * x, [1, 2, 3, 4]);          // [1, 4, 9, 16], in input order
 * await pmap(() => myid(), [1, 2, 3, 4], { batchSize: 1 }); // e.g. [2, 3, 3, 2]: whichever worker was free
 * await rmprocs(pids);
 * ```
 */
export async function pmap<T, R>(f: (x: T) => R | Promise<R>, xs: Iterable<T>, options: PmapOptions<T, R> = {}): Promise<Awaited<R>[]> {
  if (typeof f !== "function") throw new TypeError(`pmap(f, xs): f must be a function, got ${typeof f}`);
  if (xs === null || xs === undefined || typeof (xs as { [Symbol.iterator]?: unknown })[Symbol.iterator] !== "function") {
    throw new TypeError("pmap(f, xs): xs must be iterable (an array, a range, a generator, ...)");
  }
  const batchSize = options.batchSize ?? "auto";
  if (batchSize !== "auto" && !(Number.isInteger(batchSize) && batchSize >= 1)) {
    throw new RangeError(`pmap: batchSize must be a positive integer or "auto", got ${String(batchSize)}`);
  }
  const delays = [...(options.retryDelays ?? [])];
  if (delays.some((d) => typeof d !== "number" || d < 0)) throw new TypeError("pmap: retryDelays must be numbers of milliseconds >= 0");
  const pool = options.pool === undefined ? defaultWorkerPool() : isPool(options.pool) ? options.pool : new WorkerPool(options.pool);
  // The pool's workers, from its owner when it lives elsewhere (the default pool inside a worker).
  const pids = pool.where === state.myid ? pool.workers() : (await pool.status()).workers;
  if (pids.length === 0) throw new RangeError("pmap: the pool has no workers");
  // Refuse unsendable functions here, at the call site, before any work starts.
  if (pids.some((p) => p !== state.myid)) {
    toSpec(f, "pmap");
    if (options.onError !== undefined) toSpec(options.onError, "pmap: onError");
  }
  return new Scheduler(f, xs, options, pool, pids, batchSize, delays).run();
}

class Scheduler<T, R> {
  readonly #f: (x: T) => R | Promise<R>;
  readonly #options: PmapOptions<T, R>;
  readonly #pool: WorkerPool;
  readonly #fixed: number | null;
  readonly #delays: number[];
  readonly #results: unknown[] = [];
  readonly #retry: Array<Pending<T>> = [];
  readonly #range: Range | null;
  readonly #iterator: Iterator<T> | null;
  readonly #progress: ProgressReporter | null;
  #total: number | undefined;
  #next = 0;
  #exhausted = false;
  #done = 0;
  #inFlight = 0;
  #timers = 0;
  #perItemMs: number | null = null;
  #lastSize = 1;
  /** Running averages of a call's time on the worker and end to end, for the lane count. */
  #computeMs: number | null = null;
  #wallMs: number | null = null;
  readonly #lanes = new Map<number, number>();
  #live: Set<number>;
  #failed: unknown = null;
  #wake: (() => void) | null = null;
  #settle!: { resolve: (v: Awaited<R>[]) => void; reject: (e: unknown) => void };

  constructor(f: (x: T) => R | Promise<R>, xs: Iterable<T>, options: PmapOptions<T, R>, pool: WorkerPool, pids: number[], batchSize: number | "auto", delays: number[]) {
    this.#f = f;
    this.#options = options;
    this.#pool = pool;
    this.#fixed = batchSize === "auto" ? null : batchSize;
    this.#delays = delays;
    this.#live = new Set(pids);
    this.#range = xs instanceof Range ? xs : null;
    this.#iterator = this.#range === null ? xs[Symbol.iterator]() : null;
    this.#total = this.#range?.length ?? (Array.isArray(xs) ? xs.length : sizeOf(xs));
    if (this.#total !== undefined) this.#results.length = this.#total;
    const p = options.progress;
    this.#progress = p === undefined || p === false ? null : new ProgressReporter(p, this.#total);
  }

  run(): Promise<Awaited<R>[]> {
    return new Promise((resolve, reject) => {
      this.#settle = { resolve, reject };
      // Every worker's first lane before any second lane: the first items spread over all
      // workers (a lane takes its batch synchronously when it starts).
      for (let lane = 0; lane < LANES; lane++) for (const pid of [...this.#live]) this.#startLane(pid);
      this.#checkDone();
    });
  }

  #startLane(pid: number): void {
    this.#lanes.set(pid, (this.#lanes.get(pid) ?? 0) + 1);
    void this.#lane(pid);
  }

  /** Opens another lane to `pid` when calls mostly wait on the wire (up to MAX_LANES). */
  #maybeWiden(pid: number): void {
    // Auto batching amortises the round trip by growing batches instead.
    if (this.#fixed === null || this.#computeMs === null || this.#wallMs === null) return;
    const wanted = Math.min(MAX_LANES, Math.max(LANES, Math.ceil(this.#wallMs / Math.max(this.#computeMs, 0.001))));
    if ((this.#lanes.get(pid) ?? 0) < wanted && !this.#exhausted) this.#startLane(pid);
  }

  async #lane(pid: number): Promise<void> {
    while (this.#failed === null && this.#live.has(pid)) {
      const batch = this.#take(this.#sizeFor());
      if (batch === null) {
        if (this.#finished()) return;
        await new Promise<void>((r) => (this.#wake = chain(this.#wake, r)));
        continue;
      }
      this.#inFlight++;
      try {
        const sent = performance.now();
        const result = await this.#call(pid, batch);
        const wall = performance.now() - sent;
        this.#wallMs = this.#wallMs === null ? wall : 0.8 * this.#wallMs + 0.2 * wall;
        this.#computeMs = this.#computeMs === null ? result[2] : 0.8 * this.#computeMs + 0.2 * result[2];
        this.#record(batch, result);
        if (pid !== state.myid) this.#maybeWiden(pid);
      } catch (err) {
        this.#lost(pid, batch, err);
      } finally {
        this.#inFlight--;
        this.#checkDone();
      }
    }
  }

  async #call(pid: number, batch: Batch<T>): Promise<BatchResult> {
    const onError = this.#options.onError ?? null;
    if (pid === state.myid) return mapBatch(this.#f, batch.items as unknown[], onError as never);
    const fn = this.#pool instanceof CachingPool ? await this.#pool.cachedId(this.#f, pid, remotecallFetch as never) : this.#f;
    return remotecallFetch(mapBatch, pid, fn as never, batch.items as unknown[], onError as never);
  }

  #sizeFor(): number {
    if (this.#fixed !== null) return this.#fixed;
    if (this.#perItemMs === null) return 1;
    let size = Math.round(TARGET_BATCH_MS / Math.max(this.#perItemMs, 1e-6));
    size = Math.min(size, this.#lastSize * 16, MAX_BATCH);
    if (this.#total !== undefined) {
      // Keep about four batches per lane for what is left, so the end stays balanced.
      const left = this.#total - this.#next + this.#retry.length;
      size = Math.min(size, Math.ceil(left / (this.#live.size * LANES * 4)));
    }
    return Math.max(1, size);
  }

  /** The next batch: retried and requeued items first, then fresh ones. */
  #take(size: number): Batch<T> | null {
    if (this.#retry.length > 0) {
      const picked = this.#retry.splice(0, size);
      return { start: 0, indices: picked.map((p) => p.index), items: picked.map((p) => p.item), attempts: picked.map((p) => p.attempt) };
    }
    if (this.#exhausted) return null;
    const start = this.#next;
    if (this.#range !== null) {
      if (start >= this.#range.length) {
        this.#exhausted = true;
        return null;
      }
      const items = this.#range.slice(start, start + size);
      this.#next += items.length;
      if (this.#next >= this.#range.length) this.#exhausted = true;
      return { start, indices: null, items, attempts: null };
    }
    const items: T[] = [];
    while (items.length < size) {
      const step = this.#iterator!.next();
      if (step.done === true) {
        this.#exhausted = true;
        if (this.#total === undefined) {
          this.#total = start + items.length;
          this.#progress?.setTotal(this.#total);
        }
        break;
      }
      items.push(step.value);
    }
    this.#next += items.length;
    return items.length > 0 ? { start, indices: null, items, attempts: null } : null;
  }

  #record(batch: Batch<T>, [results, errors, ms]: BatchResult): void {
    const n = results.length;
    if (n > 0) {
      const perItem = ms / n;
      this.#perItemMs = this.#perItemMs === null ? perItem : 0.7 * this.#perItemMs + 0.3 * perItem;
      this.#lastSize = Math.max(this.#lastSize, n);
    }
    const failed = new Set<number>();
    if (errors !== null) for (const [i, err] of errors) failed.add(i), this.#failedItem(batch, i, err);
    const out = this.#results;
    if (batch.indices === null) {
      const start = batch.start;
      if (failed.size === 0) for (let i = 0; i < n; i++) out[start + i] = results[i];
      else for (let i = 0; i < n; i++) if (!failed.has(i)) out[start + i] = results[i];
    } else {
      for (let i = 0; i < n; i++) if (!failed.has(i)) out[batch.indices[i]!] = results[i];
    }
    this.#done += n - failed.size;
    this.#progress?.update(this.#done);
  }

  #failedItem(batch: Batch<T>, i: number, wire: WireError): void {
    const index = batch.indices === null ? batch.start + i : batch.indices[i]!;
    const item = batch.items instanceof Range ? (batch.items.at(i) as T) : (batch.items as T[])[i]!;
    const attempt = batch.attempts?.[i] ?? 0;
    const err = new RemoteError(wire.pid ?? 0, wire);
    let retry = attempt < this.#delays.length;
    if (retry && this.#options.retryCheck !== undefined) {
      try {
        retry = this.#options.retryCheck({ attempt: attempt + 1, item, index }, err) === true;
      } catch (checkErr) {
        this.#fail(checkErr);
        return;
      }
    }
    if (!retry) {
      this.#fail(err);
      return;
    }
    this.#timers++;
    setTimeout(() => {
      this.#timers--;
      this.#retry.push({ index, item, attempt: attempt + 1 });
      this.#wakeLanes();
    }, this.#delays[attempt]);
  }

  /** A call that failed as a whole: a dead worker (requeue its items) or an error to report. */
  #lost(pid: number, batch: Batch<T>, err: unknown): void {
    if (!(err instanceof ProcessExitedError)) {
      this.#fail(err);
      return;
    }
    this.#live.delete(pid);
    if (this.#options.requeue === false) {
      this.#fail(err);
      return;
    }
    const n = batch.items.length;
    for (let i = 0; i < n; i++) {
      const item = batch.items instanceof Range ? (batch.items.at(i) as T) : (batch.items as T[])[i]!;
      this.#retry.push({ index: batch.indices === null ? batch.start + i : batch.indices[i]!, item, attempt: batch.attempts?.[i] ?? 0 });
    }
    if (this.#live.size === 0) {
      this.#fail(new ProcessExitedError(pid, `every worker of the pmap has exited; ${this.#retry.length} item(s) were left unfinished`));
      return;
    }
    this.#wakeLanes();
  }

  #fail(err: unknown): void {
    if (this.#failed !== null) return;
    this.#failed = err;
    this.#wakeLanes();
    this.#settle.reject(err);
  }

  #finished(): boolean {
    return this.#exhausted && this.#retry.length === 0 && this.#inFlight === 0 && this.#timers === 0;
  }

  #checkDone(): void {
    if (this.#failed !== null) return;
    if (this.#finished()) {
      this.#failed = "done";
      this.#progress?.finish(this.#done);
      this.#wakeLanes();
      this.#settle.resolve(this.#results as Awaited<R>[]);
      return;
    }
    if (this.#retry.length > 0 || !this.#exhausted) this.#wakeLanes();
  }

  #wakeLanes(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }
}

function chain(a: (() => void) | null, b: () => void): () => void {
  return a === null ? b : () => (a(), b());
}

function sizeOf(xs: unknown): number | undefined {
  const s = (xs as { size?: unknown }).size ?? (xs as { length?: unknown }).length;
  return typeof s === "number" && Number.isInteger(s) && s >= 0 ? s : undefined;
}
