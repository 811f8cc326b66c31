/**
 * The reduction operators of reduce and allreduce, pure: a named operator (`"+"`, `"*"`,
 * `"min"`, `"max"`) or a function, applied to numbers, bigints, or typed arrays elementwise.
 * Named operators on typed arrays are tight loops over the elements (no call per element); a
 * function on typed arrays is called per element, as MPI applies a user operator to each
 * element; on any other value it is called once on the two whole values.
 *
 * The collectives combine contributions in rank order where the algorithm allows it
 * (recursive doubling, binomial trees rooted at 0), so a function must be associative, and
 * commutative too when the ring algorithm or a root other than 0 reorders them (as MPI's
 * `MPI_Op_create` with `commute = true`).
 *
 * @example
 * ```ts
 * import { spmd, workers } from "distributed";
 * await spmd((comm) => comm.allreduce(new Float64Array([comm.rank, -comm.rank]), "max"), { pids: workers() }); // elementwise, a tight loop
 * await spmd((comm) => comm.allreduce(String(comm.rank), (a: string, b: string) => a + b), { pids: workers() }); // "0123" on 4 ranks
 * ```
 * @module
 */

/** A reduction operator: a name, or a function of two values (of two elements, for typed arrays). */
export type SpmdOp<T = unknown> = "+" | "*" | "min" | "max" | ((a: T, b: T) => T);

/** An operator as the algorithms take it: any function of two values (its types were checked at the call). */
export type OpArg = "+" | "*" | "min" | "max" | ((a: never, b: never) => unknown);

/** Any typed array (not DataView). */
export type TypedArray =
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

const NAMES = new Set(["+", "*", "min", "max"]);

/** Whether `x` is a typed array (not a DataView). */
export function isTypedArray(x: unknown): x is TypedArray {
  return ArrayBuffer.isView(x) && !(x instanceof DataView);
}

/** Throws a TypeError naming `where` unless `op` is a reduction operator. */
export function checkOp(op: unknown, where: string): void {
  if (typeof op === "function" || (typeof op === "string" && NAMES.has(op))) return;
  throw new TypeError(`${where}: the operator must be "+", "*", "min", "max" or a function of two values, got ${describe(op)}`);
}

function describe(x: unknown): string {
  return typeof x === "string" ? JSON.stringify(x) : typeof x === "function" ? "a function" : String(x);
}

/**
 * Folds `x` into the accumulator `acc`, which the caller owns: typed arrays in place (no
 * allocation per step), other values by `combine`. `xFirst`: x comes from lower ranks.
 */
export function absorb<T>(acc: T, x: T, op: OpArg, xFirst: boolean): T {
  if (isTypedArray(acc)) {
    sameLength(acc, x);
    combineInto(acc, x as unknown as TypedArray, op, 0, acc.length, 0, xFirst);
    return acc;
  }
  return xFirst ? combine(x, acc, op) : combine(acc, x, op);
}

/** A copy the collectives may fold into in place (typed arrays), or the value itself. */
export function own<T>(value: T): T {
  return isTypedArray(value) ? (value.slice() as unknown as T) : value;
}

/**
 * a op b. Typed arrays: a new array of a's type, elementwise (lengths must match). The inputs
 * are not changed.
 */
export function combine<T>(a: T, b: T, op: OpArg): T {
  if (isTypedArray(a)) {
    sameLength(a, b);
    const out = a.slice() as TypedArray;
    combineInto(out, b as unknown as TypedArray, op, 0, out.length);
    return out as unknown as T;
  }
  if (typeof op === "function") return (op as unknown as (x: T, y: T) => T)(a, b);
  if (typeof a === "number" || typeof a === "bigint") return scalar(a as number, b as number, op) as T;
  throw new TypeError(
    `The operator ${JSON.stringify(op)} combines numbers, bigints and typed arrays, got ${
      typeName(a)
    }: pass a function to combine other values`,
  );
}

function sameLength(a: TypedArray, b: unknown): void {
  if (!isTypedArray(b) || b.length !== a.length || b.constructor !== a.constructor) {
    throw new RangeError(
      `Cannot combine a ${a.constructor.name} of ${a.length} elements with ${
        isTypedArray(b) ? `a ${b.constructor.name} of ${b.length}` : typeName(b)
      }: every rank must pass the same type and length`,
    );
  }
}

function typeName(x: unknown): string {
  return x === null ? "null" : Array.isArray(x) ? "an array" : typeof x === "object" ? (x.constructor?.name ?? "an object") : typeof x;
}

function scalar(a: number, b: number, op: "+" | "*" | "min" | "max"): number {
  switch (op) {
    case "+":
      return a + b;
    case "*":
      return a * b;
    case "min":
      return b < a ? b : a;
    default:
      return b > a ? b : a;
  }
}

/**
 * out[i] = out[i] op b[i - from + bFrom] for i in [from, to): the elementwise step of every
 * collective, on a slice (the ring algorithm reduces one chunk at a time). `b` holds the slice
 * starting at `bFrom` (default: the same indices as `out`). With `bFirst`, a function is called
 * as f(b[i], out[i]): b came from a lower rank, and rank order is kept.
 */
export function combineInto(
  out: TypedArray,
  b: TypedArray,
  op: OpArg,
  from: number,
  to: number,
  bFrom = from,
  bFirst = false,
): void {
  if (b.length - bFrom < to - from || out.constructor !== b.constructor) {
    throw new RangeError(
      `Cannot combine a ${out.constructor.name} of ${out.length} elements with a ${b.constructor.name} of ${b.length}: every rank must pass the same type and length`,
    );
  }
  // Indexed through `number` views of the same arrays: BigInt arrays take bigints, and the
  // operators below work on both alike.
  const o = out as unknown as number[];
  const v = b as unknown as number[];
  const d = bFrom - from;
  if (typeof op === "function") {
    const f = op as unknown as (x: number, y: number) => number;
    if (bFirst) { for (let i = from; i < to; i++) o[i] = f(v[i + d]!, o[i]!); }
    else for (let i = from; i < to; i++) o[i] = f(o[i]!, v[i + d]!);
    return;
  }
  switch (op) {
    case "+":
      for (let i = from; i < to; i++) o[i] = o[i]! + v[i + d]!;
      return;
    case "*":
      for (let i = from; i < to; i++) o[i] = o[i]! * v[i + d]!;
      return;
    case "min":
      for (let i = from; i < to; i++) if (v[i + d]! < o[i]!) o[i] = v[i + d]!;
      return;
    default:
      for (let i = from; i < to; i++) if (v[i + d]! > o[i]!) o[i] = v[i + d]!;
  }
}
