/**
 * `threads`: a pool of threads in this process (Julia's `Threads`), for CPU-bound loops over
 * shared memory. Shipped code follows the workers' model: a function travels as a reference
 * (a module export, a Main name) or as source, with `capture({ ... }, fn)` for values; a
 * SharedArray or Atomic travels by reference, so every thread writes the same memory.
 *
 * The pool starts on first use with `nthreads()` threads: `threads.setNthreads(n)`, else the
 * configuration file's `threads`, else `DISTRIBUTED_THREADS` (which `addprocs(n, { threads })`
 * sets for workers), else one per CPU (see pool-size.ts).
 * Thread ids are 1..nthreads() in the pool's threads, 0 on the process's own thread (which
 * waits for the pool without blocking its event loop). Modules and definitions loaded with
 * everywhere() are loaded in the pool's threads too.
 *
 * Why one file: the pool is one piece of module state (its threads, the tasks in flight, the
 * everywhere() definitions to replay, the round-robin start) that starting, sending, replies,
 * resizing and closing all change; parallelFor, map and reduce are short layers over the one
 * way a task is sent, and share its splitting of the work into parts.
 *
 * @example
 * ```ts
 * import { Atomic, capture, range, SharedArray, threads } from "distributed";
 * const total = new Atomic(Int32Array);
 * await threads.parallelFor(range(0, 10_000), capture({ total }, () => total.add(1)));
 * total.load();                                                   // 10000
 * const a = new SharedArray(Int32Array, [threads.nthreads() * 2]);
 * await threads.parallelFor(range(0, a.length), capture({ a }, (i: number) => { a.data[i] = threads.threadid(); }));
 * await threads.map((x) => x * x, [1, 2, 3]);                      // [1, 4, 9]
 * await threads.reduce(range(0, 100), (i) => i, "+");              // 4950
 * ```
 * @module
 */
import { type CallBody, encodeCall } from "../code/invoke.ts";
import { state } from "../cluster/state.ts";
import { DistributedError, ThreadError, toWireError, type WireError } from "../errors.ts";
import { decode, encode } from "../protocol/codec.ts";
import { registerSharedBuffers, type SharedPair } from "../protocol/shared-memory-ids.ts";
import { sharedMappingUnsupported } from "../runtime/shm.ts";
import { startThread, type ThreadHandle } from "../runtime/threads.ts";
import { type BatchResult, mapBatch } from "../parallel/map-batch.ts";
import { evenBounds, Range } from "../parallel/range.ts";
import { reduceChunk, type Reducer, reducerFunction } from "../parallel/reduce-chunk.ts";
import { poolSize, setPoolSize, sizeBeforeStart } from "./pool-size.ts";
import { poolThreadEntry } from "../worker/entries.ts";
import { setEverywhereInThreads } from "../remote/everywhere.ts";

/** A task for a pool thread, and its answer. */
export interface PoolRequest {
  id: number;
  body: Uint8Array;
  share: SharedPair[];
}
export interface PoolReply {
  id: number;
  ok: boolean;
  body: Uint8Array;
  share: SharedPair[];
}

interface PoolThread {
  id: number;
  handle: ThreadHandle;
  pending: Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; where: string }>;
}

let pool: PoolThread[] | null = null;
let nextTask = 1;
/** Where the next call's first part goes: calls of one or few parts spread over the threads. */
let nextStart = 0;
/** Calls everywhere() made here, replayed in every pool thread as it starts. */
const replay: CallBody[] = [];

function startPool(): PoolThread[] {
  if (pool !== null) return pool;
  const n = nthreads();
  const started: PoolThread[] = [];
  for (let id = 1; id <= n; id++) {
    const handle = startThread(poolThreadEntry(), {
      threadid: id,
      myid: state.myid,
      replay: replay.map((call) => encodeForThread(call, "everywhere").body),
    });
    const thread: PoolThread = { id, handle, pending: new Map() };
    handle.onMessage((m) => onReply(thread, m as PoolReply));
    // After onMessage: listening on a port refs it again, and a thread that never gets a task
    // would then keep the process alive (a pool of 3 used for 1 item never exited).
    handle.unref();
    void handle.exited.then((how) => {
      for (const p of thread.pending.values()) {
        p.reject(new DistributedError("ERR_THREAD_EXITED", `${p.where}: thread ${id} ended (${how})`));
      }
      thread.pending.clear();
      if (pool === started) pool = null;
    });
    started.push(thread);
  }
  pool = started;
  return started;
}

function onReply(thread: PoolThread, reply: PoolReply): void {
  const pending = thread.pending.get(reply.id);
  if (pending === undefined) return;
  thread.pending.delete(reply.id);
  if (thread.pending.size === 0) thread.handle.unref();
  registerSharedBuffers(reply.share);
  let value: unknown;
  try {
    value = decode(reply.body);
  } catch (err) {
    return pending.reject(err as Error);
  }
  if (reply.ok) pending.resolve(value);
  else pending.reject(new ThreadError(thread.id, value as WireError, pending.where));
}

function encodeForThread(call: CallBody, where: string): { body: Uint8Array; shared: SharedPair[] } {
  return encode(call, { sharesMemory: true, canMap: sharedMappingUnsupported() === null, describe: `a thread (${where})` }, true);
}

/** Runs fn(...args) on pool thread `k` (1-based). */
function runOn(k: number, fn: Function, args: unknown[], where: string): Promise<unknown> {
  const thread = startPool()[k - 1]!;
  const encoded = encodeForThread(encodeCall(fn, args, where), where);
  // Its own buffer: the encoder's body is a view into a large reused one, which postMessage
  // would copy whole (8 KiB and more per message, measured).
  const body = new Uint8Array(encoded.body);
  const shared = encoded.shared;
  const id = nextTask++;
  return new Promise((resolve, reject) => {
    // Referenced while it has work (so the process waits for the answers), not in between.
    if (thread.pending.size === 0) thread.handle.ref();
    thread.pending.set(id, { resolve, reject, where });
    thread.handle.post({ id, body, share: shared } satisfies PoolRequest);
  });
}

/** The pool thread (1-based) for part `k` of a call whose parts start at `start`. */
function threadFor(start: number, k: number): number {
  return ((start + k) % nthreads()) + 1;
}

/**
 * Where a call of `count` parts starts: thread 1 for a full split (part k on thread k, as
 * Julia's static schedule), else the next thread in turn, so small calls spread out.
 */
function takeStart(count: number): number {
  if (count >= nthreads()) return 0;
  const start = nextStart;
  nextStart = (nextStart + 1) % nthreads();
  return start;
}

/** Splits into one contiguous part per thread (Ranges in O(1)), dropping empty parts. */
function parts<T>(items: Range | readonly T[], n: number): Array<Range | T[]> {
  if (items instanceof Range) return items.split(n).filter((r) => r.length > 0);
  return evenBounds(items.length, n)
    .filter(([a, b]) => b > a)
    .map(([a, b]) => items.slice(a, b));
}

function asRange(r: Range | number, where: string): Range {
  if (typeof r === "number") {
    if (!(Number.isInteger(r) && r >= 0)) throw new TypeError(`${where}: a count must be a non-negative integer, got ${r}`);
    return new Range(0, r);
  }
  if (!(r instanceof Range)) throw new TypeError(`${where}: the iteration space must be a range (range(0, n)) or a count`);
  return r;
}

/**
 * The pool's size (the threads it has or will start).
 *
 * @example
 * ```ts
 * import { threads } from "distributed";
 * threads.nthreads(); // e.g. 8: setNthreads(n), else the config file's threads, else DISTRIBUTED_THREADS, else one per CPU
 * ```
 */
export function nthreads(): number {
  return pool?.length ?? poolSize();
}

/**
 * This thread's id: 1..nthreads() in a pool thread, 0 on the process's own thread.
 *
 * @example
 * ```ts
 * import { threads } from "distributed";
 * threads.threadid();                                        // 0: the process's own thread
 * await threads.map(() => threads.threadid(), [0, 0, 0, 0]); // [1, 1, 2, 2] with 2 threads
 * ```
 */
export function threadid(): number {
  return state.threadid;
}

/**
 * Sets the pool's size (a running pool is stopped and restarts at the next use).
 *
 * @example
 * ```ts
 * import { threads } from "distributed";
 * await threads.setNthreads(2);
 * threads.nthreads();                                        // 2
 * await threads.map(() => threads.threadid(), [0, 0, 0, 0]); // [1, 1, 2, 2]
 * ```
 */
export async function setNthreads(n: number): Promise<void> {
  if (!(Number.isInteger(n) && n >= 1)) throw new RangeError(`threads.setNthreads(n): n must be a positive integer, got ${String(n)}`);
  setPoolSize(n);
  if (pool !== null && pool.length !== n) await close();
}

/**
 * Stops the pool's threads (it restarts at the next use).
 *
 * @example
 * ```ts
 * import { threads } from "distributed";
 * await threads.map((x: number) => x + 1, [1, 2]); // [2, 3]: the pool starts on first use
 * await threads.close();                           // its threads stop
 * await threads.map((x: number) => x + 1, [3]);    // [4]: the next threads call starts them again
 * ```
 */
export async function close(): Promise<void> {
  const running = pool;
  pool = null;
  if (running !== null) await Promise.all(running.map((t) => t.handle.terminate()));
}

/**
 * Runs `body(i)` for every i of the range (or 0..n-1), split statically into one contiguous
 * part per thread (Julia's `Threads.@threads for`). Resolves when every iteration has run.
 *
 * @example
 * ```ts
 * import { capture, range, SharedArray, threads } from "distributed";
 * const squares = new SharedArray(Float64Array, [1000]);
 * await threads.parallelFor(range(0, 1000), capture({ squares }, (i: number) => { squares.data[i] = i * i; }));
 * squares.data[999];                                   // 998001: every thread wrote the same memory
 * await threads.parallelFor(4, (i) => console.log(i)); // a count: 0, 1, 2, 3
 * ```
 */
export async function parallelFor(r: Range | number, body: (i: number) => unknown): Promise<void> {
  const where = "threads.parallelFor";
  if (typeof body !== "function") throw new TypeError(`${where}(range, body): body must be a function`);
  if (pool === null) await sizeBeforeStart();
  const chunks = parts(asRange(r, where), nthreads());
  const start = takeStart(chunks.length);
  await Promise.all(chunks.map((chunk, k) => runOn(threadFor(start, k), reduceChunk, [chunk, body, null], where)));
}

/**
 * `f` applied to every item, in order, the items split into one contiguous part per thread.
 *
 * @example
 * ```ts
 * import { range, threads } from "distributed";
 * await threads.map((x: number) => x * x, [1, 2, 3]);        // [1, 4, 9], in order
 * await threads.map((i: number) => 2 ** i, range(0, 5));     // [1, 2, 4, 8, 16]
 * ```
 */
export async function map<T, R>(f: (x: T) => R | Promise<R>, items: readonly T[] | Range): Promise<Awaited<R>[]> {
  const where = "threads.map";
  if (typeof f !== "function") throw new TypeError(`${where}(f, items): f must be a function`);
  if (!(items instanceof Range) && !Array.isArray(items)) throw new TypeError(`${where}(f, items): items must be an array or a range`);
  if (pool === null) await sizeBeforeStart();
  const chunks = parts(items as Range | readonly T[], nthreads());
  const start = takeStart(chunks.length);
  const batches =
    (await Promise.all(chunks.map((chunk, k) => runOn(threadFor(start, k), mapBatch, [f, chunk, null], where)))) as BatchResult[];
  const out: Awaited<R>[] = [];
  batches.forEach(([results, errors], k) => {
    if (errors !== null && errors.length > 0) throw new ThreadError(threadFor(start, k), errors[0]![1], where);
    for (const v of results) out.push(v as Awaited<R>);
  });
  return out;
}

/**
 * Runs `body` over the range on the threads, each reducing its part with `reducer`; the parts
 * are combined in order. Resolves with undefined for an empty range.
 *
 * @example
 * ```ts
 * import { range, threads } from "distributed";
 * await threads.reduce(range(0, 100), (i) => i, "+");          // 4950
 * await threads.reduce(10, (i) => (i * 7) % 10, "max");         // 9: a count runs over 0..9
 * await threads.reduce(range(0, 1e8), (i) => (i % 2 ? -4 : 4) / (2 * i + 1), "+"); // 3.14159264...: pi, by Leibniz's series
 * await threads.reduce(0, (i) => i, "+");                       // undefined: nothing to reduce
 * ```
 */
export async function reduce<R>(
  r: Range | number,
  body: (i: number) => R | Promise<R>,
  reducer: Reducer<Awaited<R>>,
): Promise<Awaited<R> | undefined> {
  const where = "threads.reduce";
  if (typeof body !== "function") throw new TypeError(`${where}(range, body, reducer): body must be a function`);
  const op = reducerFunction(reducer);
  if (pool === null) await sizeBeforeStart();
  const chunks = parts(asRange(r, where), nthreads());
  const start = takeStart(chunks.length);
  const partials =
    (await Promise.all(chunks.map((chunk, k) => runOn(threadFor(start, k), reduceChunk, [chunk, body, reducer], where)))) as Array<
      [boolean, Awaited<R>]
    >;
  let acc: Awaited<R> | undefined;
  let has = false;
  for (const [hasValue, value] of partials) {
    if (!hasValue) continue;
    acc = has ? op(acc as Awaited<R>, value) : value;
    has = true;
  }
  return acc;
}

/** everywhere() on this process: also in the pool's threads, now and when they start. */
async function everywhereInThreads(fn: Function, args: unknown[]): Promise<void> {
  const call = encodeCall(fn, args, "everywhere");
  replay.push(call);
  if (pool === null) return;
  await Promise.all(pool.map((t) => runOn(t.id, fn, args, "everywhere")));
}

/** @internal A pool thread's reply to a failed task. */
export function failureReply(id: number, err: unknown): PoolReply {
  return { id, ok: false, body: new Uint8Array(encode(toWireError(err, state.myid), null, true).body), share: [] };
}

/** @internal Runs fn(...args) on the next pool thread in turn (threads.spawn); rejects with ThreadError as the others do. */
export async function runTask(fn: Function, args: unknown[], where: string): Promise<unknown> {
  if (pool === null) await sizeBeforeStart();
  return runOn(threadFor(takeStart(1), 0), fn, args, where);
}

setEverywhereInThreads(everywhereInThreads);
