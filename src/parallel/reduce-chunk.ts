/**
 * The worker side of `distributed`: runs a body over one chunk and reduces it locally.
 * `+`, `*`, `min` and `max` run as tight loops with no function call per element for the
 * reduction; any other reducer is a function.
 *
 * @example
 * ```ts
 * import { distributed, range, type Reducer } from "distributed";
 * await distributed(range(0, 4), (x) => x * x, "+");          // 14: a named reducer, a tight loop
 * const longest: Reducer<string> = (a, b) => (b.length > a.length ? b : a);
 * await distributed(["a", "abc", "ab"], (s) => s, longest); // "abc": a function, called per element
 * ```
 * @module
 */
import { registerSystemFunction } from "../code/function-spec.ts";
import { Range } from "./range.ts";

/** A reducer: a function of two values, or the name of a common one. */
export type Reducer<R> = ((a: R, b: R) => R) | "+" | "*" | "min" | "max";

const NAMED: Record<string, (a: number, b: number) => number> = {
  "+": (a, b) => a + b,
  "*": (a, b) => a * b,
  min: (a, b) => (b < a ? b : a),
  max: (a, b) => (b > a ? b : a),
};

/** The function behind a reducer (names map to their operation). */
export function reducerFunction<R>(reducer: Reducer<R>): (a: R, b: R) => R {
  if (typeof reducer === "function") return reducer;
  const op = NAMED[reducer];
  if (op === undefined) throw new TypeError(`Unknown reducer ${JSON.stringify(reducer)}; use a function or one of "+", "*", "min", "max"`);
  return op as unknown as (a: R, b: R) => R;
}

/**
 * Runs `body` over `chunk` and reduces with `reducer` (null: just run). Resolves with
 * [hasValue, value]: an empty chunk has no value to contribute.
 */
export async function reduceChunk(
  chunk: Iterable<unknown>,
  body: (x: unknown) => unknown,
  reducer: Reducer<unknown> | null,
): Promise<[boolean, unknown]> {
  if (typeof body !== "function") throw new TypeError("distributed(iterable, body, reducer): body must be a function");
  const op = reducer === null ? null : reducerFunction(reducer);
  let acc: unknown;
  let has = false;
  if (chunk instanceof Range && reducer === "+") {
    // The hot loop of reductions such as seed 000's pi: numbers summed with no call per element.
    const { start, step, length } = chunk;
    let sum = 0;
    let k = 0;
    for (; k < length; k++) {
      const v = body(start + k * step);
      if (typeof v !== "number") break;
      sum += v;
    }
    if (k === length) return [length > 0, sum];
    acc = sum;
    has = k > 0;
    for (; k < length; k++) {
      let v = body(start + k * step);
      if (v instanceof Promise) v = await v;
      acc = has ? op!(acc, v) : v;
      has = true;
    }
    return [has, acc];
  }
  const items: Iterable<unknown> = chunk instanceof Range ? chunk : chunk;
  for (const x of items) {
    let v = body(x);
    if (v instanceof Promise) v = await v;
    if (op === null) continue;
    acc = has ? op(acc, v) : v;
    has = true;
  }
  return [has, acc];
}
registerSystemFunction("reduceChunk", reduceChunk);
