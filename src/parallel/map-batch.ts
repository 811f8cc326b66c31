/**
 * The worker side of pmap: applies f to a batch (an array of items, or a Range), in order,
 * and reports per-item failures instead of failing the batch. With `onError`, a failure's
 * result is what onError returns, computed here on the worker (as in Julia). Asynchronous f
 * run concurrently within the batch.
 *
 * @example
 * ```ts
 * await mapBatch((x) => x * 2, range(0, 3), null); // [[0, 2, 4], null, 0.01]
 * ```
 * @module
 */
import { registerSystemFunction } from "../code/function-spec.ts";
import { toWireError, type WireError } from "../errors.ts";
import { state } from "../cluster/state.ts";
import { callCached } from "../remote/caching-pool.ts";
import { Range } from "./range.ts";

/** What a batch returns: results by position, failures as [position, error], and its time in ms. */
export type BatchResult = [results: unknown[], errors: Array<[number, WireError]> | null, ms: number];

/** Applies `f` (a function, or the id of one a CachingPool shipped) to each item. */
export async function mapBatch(
  f: Function | number,
  items: unknown[] | Range,
  onError: ((err: unknown, item: unknown) => unknown) | null,
): Promise<BatchResult> {
  const started = performance.now();
  const fn = typeof f === "number" ? (x: unknown) => callCached(f, x) : f;
  const n = items.length;
  const out = new Array<unknown>(n);
  let errors: Array<[number, WireError]> | null = null;
  let pending: Array<Promise<void>> | null = null;
  const fail = (i: number, item: unknown, err: unknown): void | Promise<void> => {
    if (onError === null) {
      (errors ??= []).push([i, toWireError(err, state.myid)]);
      return;
    }
    try {
      const v = onError(err, item);
      if (v instanceof Promise) {
        return v.then((r) => void (out[i] = r), (e: unknown) => void (errors ??= []).push([i, toWireError(e, state.myid)]));
      }
      out[i] = v;
    } catch (e) {
      (errors ??= []).push([i, toWireError(e, state.myid)]);
    }
  };
  const range = items instanceof Range ? items : null;
  for (let i = 0; i < n; i++) {
    const item = range !== null ? range.start + i * range.step : (items as unknown[])[i];
    try {
      const v = fn(item);
      if (v instanceof Promise) {
        (pending ??= []).push(
          v.then(
            (r) => void (out[i] = r),
            (err: unknown) => fail(i, item, err),
          ),
        );
      } else {
        out[i] = v;
      }
    } catch (err) {
      const p = fail(i, item, err);
      if (p) (pending ??= []).push(p);
    }
  }
  if (pending !== null) await Promise.all(pending);
  return [out, errors, performance.now() - started];
}
registerSystemFunction("mapBatch", mapBatch);
