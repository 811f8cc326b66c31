/**
 * pmap's scheduler: lanes of calls in flight to each worker, the batch size ("auto" grows it
 * from the measured time per item), the results put back in input order, retries after an
 * error, requeueing after a worker death, and the end (every item done, or the first failure).
 * The items themselves come from pmap-items.ts.
 *
 * Why one file: the scheduler is one state machine: the lanes, the batch size, the results,
 * the retries and the requeueing all read and change the same counters (in flight, done, live
 * workers, the failure) that decide when pmap is finished.
 *
 * @example
 * ```ts
 * const results = await new Scheduler(f, xs, options, pool, pids, "auto", []).run();
 * ```
 * @module
 */
import { ProcessExitedError, RemoteError, type WireError } from "../errors.ts";
import { state } from "../cluster/state.ts";
import { remotecallFetch } from "../remote/calls.ts";
import { CachingPool } from "../remote/caching-pool.ts";
import type { WorkerPool } from "../remote/worker-pool.ts";
import { type BatchResult, mapBatch } from "./map-batch.ts";
import { type Batch, indexAt, itemAt, ItemSource } from "./pmap-items.ts";
import type { PmapOptions } from "./pmap-options.ts";
import { ProgressReporter } from "./progress.ts";

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

/** Runs one pmap: `run()` resolves with the results in input order, or rejects with the first failure. */
export class Scheduler<T, R> {
  readonly #f: (x: T) => R | Promise<R>;
  readonly #options: PmapOptions<T, R>;
  readonly #pool: WorkerPool;
  readonly #fixed: number | null;
  readonly #delays: number[];
  readonly #results: unknown[] = [];
  readonly #items: ItemSource<T>;
  readonly #progress: ProgressReporter | null;
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

  constructor(
    f: (x: T) => R | Promise<R>,
    xs: Iterable<T>,
    options: PmapOptions<T, R>,
    pool: WorkerPool,
    pids: number[],
    batchSize: number | "auto",
    delays: number[],
  ) {
    this.#f = f;
    this.#options = options;
    this.#pool = pool;
    this.#fixed = batchSize === "auto" ? null : batchSize;
    this.#delays = delays;
    this.#live = new Set(pids);
    this.#items = new ItemSource(xs, (total) => this.#progress?.setTotal(total));
    const total = this.#items.total;
    if (total !== undefined) this.#results.length = total;
    const p = options.progress;
    this.#progress = p === undefined || p === false ? null : new ProgressReporter(p, total);
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
    if ((this.#lanes.get(pid) ?? 0) < wanted && !this.#items.exhausted) this.#startLane(pid);
  }

  async #lane(pid: number): Promise<void> {
    while (this.#failed === null && this.#live.has(pid)) {
      const batch = this.#items.take(this.#sizeFor());
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
    // Keep about four batches per lane for what is left, so the end stays balanced.
    const left = this.#items.left();
    if (left !== undefined) size = Math.min(size, Math.ceil(left / (this.#live.size * LANES * 4)));
    return Math.max(1, size);
  }

  #record(batch: Batch<T>, [results, errors, ms]: BatchResult): void {
    const n = results.length;
    if (n > 0) {
      const perItem = ms / n;
      this.#perItemMs = this.#perItemMs === null ? perItem : 0.7 * this.#perItemMs + 0.3 * perItem;
      this.#lastSize = Math.max(this.#lastSize, n);
    }
    const failed = new Set<number>();
    if (errors !== null) { for (const [i, err] of errors) failed.add(i), this.#failedItem(batch, i, err); }
    const out = this.#results;
    if (batch.indices === null) {
      const start = batch.start;
      if (failed.size === 0) { for (let i = 0; i < n; i++) out[start + i] = results[i]; }
      else for (let i = 0; i < n; i++) if (!failed.has(i)) out[start + i] = results[i];
    } else {
      for (let i = 0; i < n; i++) if (!failed.has(i)) out[batch.indices[i]!] = results[i];
    }
    this.#done += n - failed.size;
    this.#progress?.update(this.#done);
  }

  #failedItem(batch: Batch<T>, i: number, wire: WireError): void {
    const index = indexAt(batch, i);
    const item = itemAt(batch, i);
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
      this.#items.again({ index, item, attempt: attempt + 1 });
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
    this.#items.requeue(batch);
    if (this.#live.size === 0) {
      this.#fail(new ProcessExitedError(pid, `every worker of the pmap has exited; ${this.#items.waiting} item(s) were left unfinished`));
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
    return this.#items.exhausted && this.#items.waiting === 0 && this.#inFlight === 0 && this.#timers === 0;
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
    if (this.#items.waiting > 0 || !this.#items.exhausted) this.#wakeLanes();
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
