/**
 * Computation where the data is: each owner maps or reduces its own chunk and only results
 * travel. `dmap` combines several DArrays elementwise when their chunks are laid out alike (the
 * same dims, dist and pids), and refuses otherwise with DArrayError naming both layouts;
 * `redistribute` makes one DArray laid out like another.
 *
 * @example
 * ```ts
 * import { addprocs, distribute, dmap, dot, mapreduce, norm, rmprocs } from "distributed";
 * const pids = await addprocs(2);
 * const dA = await distribute(new Float64Array([1, 2, 3, 4]));
 * const dB = await distribute(new Float64Array([2, 2, 2, 2]));
 * const dC = await dmap((a: number, b: number) => 2 * a / b, dA, dB); // seed 003's 2 .* dA ./ dB
 * await dC.collect();                                                // Float64Array [1, 2, 3, 4]
 * await mapreduce(Math.abs, "max", dA);                              // 4
 * await dot(dA, dB);                                                 // 20
 * await norm(dB);                                                    // 4
 * await rmprocs(pids);
 * ```
 * @module
 */
import { state } from "../cluster/state.ts";
import { DArrayError } from "../errors.ts";
import { DArray } from "./darray.ts";
import { describeLayout, sameLayout } from "./distribution.ts";
import { type Kernel, mapChunks, reduceChunks } from "./kernels.ts";
import { kindOfType } from "./kinds.ts";
import { methods, type Reduction } from "./methods.ts";
import { build, callOwner } from "./owners.ts";

function checkArrays(Ds: unknown[], where: string): DArray<unknown>[] {
  if (Ds.length === 0) throw new TypeError(`${where}: pass at least one DArray`);
  Ds.forEach((D, i) => {
    if (!(D instanceof DArray)) throw new TypeError(`${where}: argument ${i + 1} must be a DArray, got ${D === null ? "null" : typeof D}`);
    D.check(where);
  });
  const arrays = Ds as DArray<unknown>[];
  const first = arrays[0]!;
  arrays.forEach((D, i) => {
    if (i === 0 || sameLayout(first.layout, D.layout)) return;
    throw new DArrayError(
      `${where}: the DArrays are not laid out alike: argument 1 has ${describeLayout(first.layout)}, argument ${i + 1} has ${
        describeLayout(D.layout)
      }; make them alike first with redistribute(D, like)`,
      { code: "ERR_DARRAY_DISTRIBUTION" },
    );
  });
  return arrays;
}

async function mapArrays(fn: ((...xs: unknown[]) => unknown) | null, Ds: unknown[], options: { type?: unknown }): Promise<unknown> {
  const arrays = checkArrays(Ds, "map");
  if (typeof fn !== "function") throw new TypeError(`map: fn must be a function, got ${typeof fn}`);
  const type = options.type === undefined ? null : kindOfType(options.type, "map");
  const layout = arrays[0]!.layout;
  const keys = arrays.map((D) => D.key);
  return build(layout, "map", (k, key) => callOwner(layout, k, mapChunks, key, state.myid, keys, fn, type));
}

async function mapreduceArrays(
  fn: ((...xs: unknown[]) => unknown) | Kernel | null,
  op: Reduction<unknown>,
  Ds: unknown[],
): Promise<unknown> {
  const arrays = checkArrays(Ds, "mapreduce");
  const combine = reducer(op);
  const layout = arrays[0]!.layout;
  const keys = arrays.map((D) => D.key);
  const parts = await Promise.all(layout.pids.map((_, k) => callOwner(layout, k, reduceChunks, keys, fn, op)));
  let has = false;
  let acc: unknown;
  for (const [ok, v] of parts) {
    if (!ok) continue;
    acc = has ? combine(acc, v) : v;
    has = true;
  }
  if (!has) throw new RangeError("reduce: the DArray is empty and the reducer has no identity to return; check D.length first");
  return acc;
}

function reducer(op: Reduction<unknown>): (a: unknown, b: unknown) => unknown {
  if (typeof op === "function") return op;
  if (op === "+") return (a, b) => (a as number) + (b as number);
  if (op === "*") return (a, b) => (a as number) * (b as number);
  if (op === "max") return (a, b) => Math.max(a as number, b as number);
  if (op === "min") return (a, b) => Math.min(a as number, b as number);
  throw new TypeError(`reduce: op must be "+", "*", "max", "min" or a function, got ${JSON.stringify(op)}`);
}

methods.map = mapArrays;
methods.mapreduce = mapreduceArrays as typeof methods.mapreduce;

/**
 * `fn` applied elementwise to DArrays laid out alike, on the owners (Julia's `map(f, dA, dB)` and
 * broadcasting): a new DArray with their layout.
 *
 * @example
 * ```ts
 * import { addprocs, distribute, dmap, rmprocs } from "distributed";
 * const pids = await addprocs(2);
 * const dA = await distribute(new Float64Array([1, 2, 3, 4]));
 * const dB = await dA.map((x) => x + 1);
 * await (await dmap((a: number, b: number) => a * b, dA, dB)).collect(); // Float64Array [2, 6, 12, 20]
 * await rmprocs(pids);
 * ```
 */
// deno-lint-ignore no-explicit-any
export async function dmap<R = number>(fn: (...xs: never[]) => R, ...Ds: DArray<any>[]): Promise<DArray<R>> {
  return mapArrays(fn as (...xs: unknown[]) => unknown, Ds, {}) as Promise<DArray<R>>;
}

/**
 * Reduces `fn(x)` over every element of D (or `fn(a, b, ...)` over DArrays laid out alike) with
 * `op`; each owner reduces its chunk (Julia's `mapreduce`).
 *
 * @example
 * ```ts
 * import { addprocs, distribute, mapreduce, rmprocs } from "distributed";
 * const pids = await addprocs(2);
 * const D = await distribute(new Float64Array([-5, 2, 3]));
 * await mapreduce(Math.abs, "max", D); // 5
 * await rmprocs(pids);
 * ```
 */
export async function mapreduce<T, R>(fn: (...xs: T[]) => R, op: Reduction<R>, ...Ds: DArray<T>[]): Promise<R> {
  return mapreduceArrays(fn as (...xs: unknown[]) => unknown, op as Reduction<unknown>, Ds) as Promise<R>;
}

/**
 * The dot product of two DArrays laid out alike, each owner summing its chunks' products.
 *
 * @example
 * ```ts
 * import { addprocs, distribute, dot, rmprocs } from "distributed";
 * const pids = await addprocs(2);
 * await dot(await distribute(new Float64Array([1, 2, 3])), await distribute(new Float64Array([4, 5, 6]))); // 32
 * await rmprocs(pids);
 * ```
 */
export async function dot(A: DArray<number>, B: DArray<number>): Promise<number> {
  return mapreduceArrays("dot", "+", [A, B]) as Promise<number>;
}

/**
 * The Euclidean norm of a DArray (p = 2), or its p-norm for p = 1 or Infinity.
 *
 * @example
 * ```ts
 * import { addprocs, distribute, norm, rmprocs } from "distributed";
 * const pids = await addprocs(2);
 * await norm(await distribute(new Float64Array([3, 4]))); // 5
 * await rmprocs(pids);
 * ```
 */
export async function norm(D: DArray<number>, p: 1 | 2 | typeof Infinity = 2): Promise<number> {
  if (p === 2) return Math.sqrt((await mapreduceArrays("abs2", "+", [D])) as number);
  if (p === 1) return mapreduceArrays("abs", "+", [D]) as Promise<number>;
  if (p === Infinity) return mapreduceArrays("abs", "max", [D]) as Promise<number>;
  throw new RangeError(`norm(D, p): p must be 1, 2 or Infinity, got ${String(p)}`);
}
