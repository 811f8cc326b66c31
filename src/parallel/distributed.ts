/**
 * distributed(iterable, body, reducer?): Julia's `@distributed [reducer] for x in iterable`.
 * A static split into one contiguous chunk per worker; each worker runs the body over its
 * chunk and reduces locally; the caller reduces the partial results in chunk order. Without a
 * reducer it resolves once every iteration has run (Julia needs `@sync` for that).
 *
 * Guidance from the seeds: `distributed` for reductions over many tiny, uniform iterations;
 * `pmap` for expensive, uneven calls that return values.
 *
 * @example
 * ```ts
 * import { capture, distributed, everywhere, range, SharedArray, type Range } from "distributed";
 * // pi = the integral of 4 / (1 + x^2) over [0, 1], by the midpoint rule on 1e10 points
 * const partialPi = (r: Range): number => {
 *   let s = 0;
 *   for (const i of r) s += 4 / (1 + ((i + 0.5) / 1e10) ** 2);
 *   return s / 1e10;
 * };
 * await everywhere({ partialPi }); // or everywhere(url) of a module that exports it
 * const pi = await distributed(range(0, 1e10, 1e4), (offset) => partialPi(range(offset, offset + 1e4)), "+");
 * const heads = await distributed(range(0, 2e8), (): number => (Math.random() < 0.5 ? 1 : 0), (a, b) => a + b);
 * const a = await SharedArray.create(Float64Array, [10]);
 * await distributed(range(0, 10), capture({ a }, (i: number) => { a.data[i] = i; })); // no reducer: runs all
 * ```
 * @module
 */
import { workers } from "../cluster/queries.ts";
import { state } from "../cluster/state.ts";
import { toSpec } from "../code/function-spec.ts";
import { remotecallFetch, runHere } from "../remote/calls.ts";
import { defaultWorkerPool } from "../remote/worker-pool.ts";
import { evenBounds, Range } from "./range.ts";
import { reduceChunk, type Reducer, reducerFunction } from "./reduce-chunk.ts";

/** Options of distributed. */
export interface DistributedOptions {
  /**
   * The processes to split over (default: workers(), the master alone when there are none;
   * inside a worker, the workers of the master's default pool).
   */
  procs?: readonly number[];
}

// Native functions have no source to ship: map the common ones to named reducers.
const NATIVE_REDUCERS = new Map<unknown, Reducer<unknown>>([
  [Math.min, "min"],
  [Math.max, "max"],
]);

/**
 * Runs `body` over `iterable` on the workers; reduces with `reducer` when given.
 *
 * @example
 * ```ts
 * import { addprocs, distributed, range, rmprocs } from "distributed";
 * const pids = await addprocs(2);
 * // each worker sums the squares of its half of 0..999; the two sums are added here
 * await distributed(range(0, 1000), (i) => i * i, "+");  // 332833500
 * await distributed([3, 9, 4], (x) => x, Math.max);      // 9
 * await distributed(range(0, 4), (i) => console.log(i)); // no reducer: resolves once all ran
 * await rmprocs(pids);
 * ```
 */
export async function distributed<T, R>(
  iterable: Iterable<T>,
  body: (x: T) => R | Promise<R>,
  reducer?: Reducer<Awaited<R>> | null,
  options: DistributedOptions = {},
): Promise<Awaited<R> | undefined> {
  if (typeof body !== "function") throw new TypeError("distributed(iterable, body, reducer): body must be a function");
  const reduce = reducer === undefined || reducer === null
    ? null
    : (NATIVE_REDUCERS.get(reducer) as Reducer<Awaited<R>> | undefined) ?? reducer;
  if (reduce !== null) reducerFunction(reduce); // validates names now, at the call site
  // A worker knows only the processes it has talked to: the master's default pool knows all.
  const pids = [...(options.procs ?? (state.myid === 1 ? workers() : (await defaultWorkerPool().status()).workers))];
  if (pids.length === 0) throw new RangeError("distributed: options.procs is empty");
  if (pids.some((p) => p !== state.myid)) {
    // Refuse what cannot be shipped here, naming the body or the reducer.
    toSpec(body, "distributed: the body");
    if (typeof reduce === "function") toSpec(reduce, "distributed: the reducer");
  }
  const chunks = split(iterable, pids.length);
  const partials = await Promise.all(
    chunks.map((chunk, i) =>
      pids[i] === state.myid
        // After the other chunks' calls have left: this chunk runs alongside them.
        ? runHere(() => reduceChunk(chunk as Iterable<unknown>, body as (x: unknown) => unknown, reduce as Reducer<unknown> | null))
        : remotecallFetch(
          reduceChunk,
          pids[i]!,
          chunk as Iterable<unknown>,
          body as (x: unknown) => unknown,
          reduce as Reducer<unknown> | null,
        )
    ),
  );
  if (reduce === null) return undefined;
  const op = reducerFunction(reduce);
  let acc: Awaited<R> | undefined;
  let has = false;
  for (const [hasValue, value] of partials) {
    if (!hasValue) continue;
    acc = has ? op(acc as Awaited<R>, value as Awaited<R>) : (value as Awaited<R>);
    has = true;
  }
  return acc;
}

/** Contiguous chunks, one per process: Ranges split in O(1), other iterables as array slices. */
function split<T>(iterable: Iterable<T>, n: number): Array<Range | T[]> {
  if (iterable instanceof Range) return iterable.split(n);
  if (iterable === null || typeof (iterable as { [Symbol.iterator]?: unknown })[Symbol.iterator] !== "function") {
    throw new TypeError("distributed(iterable, ...): the first argument must be iterable (a range, an array, ...)");
  }
  const items = Array.isArray(iterable) ? iterable : Array.from(iterable);
  return evenBounds(items.length, n).map(([from, to]) => items.slice(from, to));
}
