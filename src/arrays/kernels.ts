/**
 * What the owners run on their chunks: elementwise maps over one or several chunks of the same
 * shape into a new chunk, and reductions. The named reducers ("+", "*", "max", "min") and the
 * built-in kernels ("dot", "abs2" for norms) are tight loops with no call per element; a function
 * is called per element.
 *
 * @example
 * ```ts
 * // on an owner, called by name from the DArray's holder:
 * mapChunks("1:8", 1, ["1:7"], (x: number) => 2 * x, null); // chunk 1:8 = 2 .* chunk 1:7
 * reduceChunks(["1:8"], null, "+");                        // [true, sum]
 * ```
 * @module
 */
import { registerSystemFunction } from "../code/function-spec.ts";
import { chunkOf, storeChunk } from "./chunk-store.ts";
import { allocate, type ElementKind, kindOf } from "./kinds.ts";
import type { Reduction } from "./methods.ts";

/** Built-in per-element kernels of a reduction: "dot" multiplies two chunks' elements, "abs2" squares one's. */
export type Kernel = "dot" | "abs2" | "abs";

/**
 * Makes this process's chunk of `dstKey` (held for `holder`) from `fn` applied elementwise to the
 * chunks of `srcKeys`. The result keeps the first source's typed array class unless `type` names
 * another; a function returning non-numbers makes a plain array. Returns the kind made.
 */
export function mapChunks(
  dstKey: string,
  holder: number,
  srcKeys: string[],
  fn: (...xs: unknown[]) => unknown,
  type: ElementKind | null,
): ElementKind {
  if (typeof fn !== "function") throw new TypeError("DArray map: fn must be a function");
  const srcs = srcKeys.map(chunkOf);
  const first = srcs[0]!;
  const n = first.data.length;
  const a = first.data as ArrayLike<unknown>;
  let kind = type ?? kindOf(first.data);
  let out = allocate(kind, n);
  let i = 0;
  if (n > 0) {
    const v0 = srcs.length === 1 ? fn(a[0]) : fn(...srcs.map((s) => s.data[0]));
    if (typeof v0 !== "number" && kind !== "object") {
      kind = "object";
      out = allocate(kind, n);
    }
    out[0] = v0 as never;
    i = 1;
  }
  if (srcs.length === 1) {
    loopsOf(fn).one(fn, a, out, i);
  } else if (srcs.length === 2) {
    loopsOf(fn).two(fn, a, srcs[1]!.data as ArrayLike<unknown>, out, i);
  } else {
    const datas = srcs.map((s) => s.data as ArrayLike<unknown>);
    const args = new Array<unknown>(datas.length);
    for (; i < n; i++) {
      for (let j = 0; j < datas.length; j++) args[j] = datas[j]![i];
      out[i] = fn(...args) as never;
    }
  }
  return storeChunk(dstKey, holder, first.dims, out);
}

type Loop1 = (fn: Function, a: ArrayLike<unknown>, out: unknown, from: number) => void;
type Loop2 = (fn: Function, a: ArrayLike<unknown>, b: ArrayLike<unknown>, out: unknown, from: number) => void;
const loops = new WeakMap<Function, { one: Loop1; two: Loop2 }>();

/**
 * The elementwise loops for `fn`, compiled for it alone: one shared loop called with many
 * functions and array types becomes megamorphic in V8 and runs the same function about twice as
 * slowly as a loop that only ever saw it (measured here: 2.9 s against 0.9 s for 1e7 calls).
 */
function loopsOf(fn: Function): { one: Loop1; two: Loop2 } {
  let entry = loops.get(fn);
  if (entry === undefined) {
    entry = {
      one: new Function("fn", "a", "out", "from", "for (let i = from; i < a.length; i++) out[i] = fn(a[i]);") as Loop1,
      two: new Function("fn", "a", "b", "out", "from", "for (let i = from; i < a.length; i++) out[i] = fn(a[i], b[i]);") as Loop2,
    };
    loops.set(fn, entry);
  }
  return entry;
}

/** A named reduction of a non-empty typed array, a loop per reducer with no call per element. */
function namedOf(a: ArrayLike<number>, op: "+" | "*" | "max" | "min"): number {
  let s = a[0]!;
  if (op === "+") { for (let i = 1; i < a.length; i++) s += a[i]!; }
  else if (op === "*") { for (let i = 1; i < a.length; i++) s *= a[i]!; }
  else if (op === "max") { for (let i = 1; i < a.length; i++) s = Math.max(s, a[i]!); }
  else for (let i = 1; i < a.length; i++) s = Math.min(s, a[i]!);
  return s;
}

/**
 * Reduces this process's chunks of `srcKeys` with `op`, after `fn` (null: the elements
 * themselves; a Kernel; or a function of one element from each chunk). Resolves with
 * [hasValue, value]: an empty chunk contributes nothing.
 */
export function reduceChunks(
  srcKeys: string[],
  fn: ((...xs: unknown[]) => unknown) | Kernel | null,
  op: Reduction<unknown>,
): [boolean, unknown] {
  const datas = srcKeys.map((k) => chunkOf(k).data as ArrayLike<number>);
  const a = datas[0]!;
  const n = a.length;
  if (n === 0) return [false, undefined];
  if (fn === "dot" || fn === "abs2") {
    const b = fn === "dot" ? datas[1]! : a;
    let s = 0;
    for (let i = 0; i < n; i++) s += a[i]! * b[i]!;
    return [true, s];
  }
  if (fn === null && ArrayBuffer.isView(a) && typeof op === "string") return [true, namedOf(a, op)];
  const f = (fn === "abs" ? Math.abs : fn) as ((...xs: unknown[]) => unknown) | null;
  const at = (i: number): unknown => f === null ? a[i] : datas.length === 1 ? f(a[i]) : f(...datas.map((d) => d[i]));
  let acc = at(0);
  if (op === "+" || op === "*" || op === "max" || op === "min") {
    let s = acc as number;
    if (op === "+") { for (let i = 1; i < n; i++) s += at(i) as number; }
    else if (op === "*") { for (let i = 1; i < n; i++) s *= at(i) as number; }
    else if (op === "max") { for (let i = 1; i < n; i++) s = Math.max(s, at(i) as number); }
    else for (let i = 1; i < n; i++) s = Math.min(s, at(i) as number);
    return [true, s];
  }
  if (typeof op !== "function") {
    throw new TypeError(`DArray reduce: op must be "+", "*", "max", "min" or a function, got ${JSON.stringify(op)}`);
  }
  for (let i = 1; i < n; i++) acc = op(acc, at(i));
  return [true, acc];
}

// Math's functions are native: they have no source to ship, so they travel by name, e.g.
// mapreduce(Math.abs, "max", D) or D.map(Math.sqrt).
for (
  const name of [
    "abs",
    "sqrt",
    "exp",
    "log",
    "sin",
    "cos",
    "tan",
    "floor",
    "ceil",
    "round",
    "sign",
    "trunc",
    "cbrt",
    "log2",
    "log10",
  ] as const
) {
  registerSystemFunction(`Math.${name}`, Math[name]);
}
registerSystemFunction("darray.map", mapChunks);
registerSystemFunction("darray.reduce", reduceChunks);
