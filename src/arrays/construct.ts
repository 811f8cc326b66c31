/**
 * Making a DArray: `distribute` cuts an array of this process into chunks and sends each to its
 * owner (a typed array's block travels as one binary segment, no per-element work);
 * `DArray.create`, `dzeros`, `dones`, `dfill` and `drand` have each owner make its chunk where it
 * lives, so the data never passes through this process.
 *
 * @example
 * ```ts
 * import { addprocs, dfill, distribute, drand, dzeros, rmprocs } from "distributed";
 * const pids = await addprocs(2);
 * const A = await distribute(new Float64Array(1000).fill(1)); // 500 elements on each worker
 * const Z = await dzeros([100, 100], { dist: [2, 1] });        // row blocks
 * const R = await drand(1000);                                 // made on the workers
 * const S = await dfill(7, [10], { type: Int32Array });
 * await S.reduce("+");                                         // 70
 * await rmprocs(pids);
 * ```
 * @module
 */
import { workers } from "../cluster/queries.ts";
import { state } from "../cluster/state.ts";
import type { Range } from "../parallel/range.ts";
import { makeChunk, type MakeSpec, storeChunk } from "./chunk-store.ts";
import type { DArray, DArrayOptions } from "./darray.ts";
import { chunkDims, chunkIndices, copyBlock, type Elements, makeLayout, volume } from "./distribution.ts";
import { allocate, kindOf, kindOfType, type TypedArray, type TypedArrayConstructor } from "./kinds.ts";
import { methods } from "./methods.ts";
import { build, callOwner } from "./owners.ts";

/** Options of distribute: the shape to read the array as, and where its chunks go. */
export interface DistributeOptions extends DArrayOptions {
  /** The shape (column-major); default: [array.length]. */
  dims?: readonly number[];
}

/** Options of dzeros, dones, dfill and drand: where the chunks go and the element type. */
export interface DFillOptions extends DArrayOptions {
  /** The typed array class of the elements. Default: Float64Array. */
  type?: TypedArrayConstructor;
}

function shapeOf(dims: number | readonly number[]): number[] {
  return typeof dims === "number" ? [dims] : [...dims];
}

/**
 * Cuts `array` (a typed array or a plain array, column-major for `dims` of more than one
 * dimension) into blocks and sends each to its owner (Julia's `distribute`).
 *
 * @example
 * ```ts
 * import { addprocs, distribute, rmprocs } from "distributed";
 * const pids = await addprocs(2);
 * const M = Float64Array.from({ length: 12 }, (_, i) => i);
 * const D = await distribute(M, { dims: [4, 3], dist: [2, 1] }); // rows 0-1 on one worker, 2-3 on the other
 * D.indices.map((r) => r.map(String)); // [["range(0, 2)", "range(0, 3)"], ["range(2, 4)", "range(0, 3)"]]
 * await rmprocs(pids);
 * ```
 */
export async function distribute<T = number>(array: TypedArray | readonly T[], options: DistributeOptions = {}): Promise<DArray<T>> {
  kindOf(Array.isArray(array) ? [] : array, "distribute(array)");
  const dims = shapeOf(options.dims ?? [array.length]);
  const layout = makeLayout(dims, options.pids ?? workers(), options.dist, "distribute");
  if (volume(dims) !== array.length) {
    throw new RangeError(`distribute: dims [${dims.join(", ")}] hold ${volume(dims)} elements, but the array has ${array.length}`);
  }
  const kind = Array.isArray(array) ? "object" : kindOf(array);
  return build<T>(layout, "distribute", (k, key) => {
    const size = chunkDims(layout, k);
    const lo = chunkIndices(layout, k).map((r) => r.start);
    let block: TypedArray | unknown[];
    if (dims.length === 1 && ArrayBuffer.isView(array) && layout.pids[k] !== state.myid) {
      // Sent as one segment straight from the caller's memory (the codec copies it into the frame).
      block = (array as TypedArray).subarray(lo[0]!, lo[0]! + size[0]!);
    } else {
      block = allocate(kind, volume(size));
      copyBlock(array as unknown as Elements, dims, lo, block as Elements, size, size.map(() => 0), size);
    }
    return callOwner(layout, k, storeChunk, key, state.myid, size, block);
  });
}

function made<T>(
  dims: number | readonly number[],
  options: DArrayOptions,
  where: string,
  spec: Omit<MakeSpec, "ranges">,
  init?: (indices: Range[]) => unknown,
): Promise<DArray<T>> {
  const layout = makeLayout(shapeOf(dims), options.pids ?? workers(), options.dist, where);
  return build<T>(layout, where, (k, key) => {
    const ranges = chunkIndices(layout, k).map((r): [number, number] => [r.start, r.stop]);
    return init === undefined
      ? callOwner(layout, k, makeChunk, key, state.myid, { ...spec, ranges })
      : callOwner(layout, k, makeChunk, key, state.myid, { ...spec, ranges }, init);
  });
}

/**
 * A DArray of `value` (Julia's `dfill`), made on the owners; a number fills a typed array
 * (options.type, default Float64Array), anything else a plain array.
 *
 * @example
 * ```ts
 * import { addprocs, dfill, rmprocs } from "distributed";
 * const pids = await addprocs(2);
 * const D = await dfill(7, [4, 4]);
 * await D.reduce("+"); // 112
 * await rmprocs(pids);
 * ```
 */
export async function dfill<T = number>(value: T, dims: number | readonly number[], options: DFillOptions = {}): Promise<DArray<T>> {
  const kind = typeof value === "number" ? kindOfType(options.type ?? Float64Array, "dfill") : "object";
  return made<T>(dims, options, "dfill", { how: "fill", kind, value });
}

/**
 * A DArray of zeros (Julia's `dzeros`), made on the owners.
 *
 * @example
 * ```ts
 * import { addprocs, dzeros, rmprocs } from "distributed";
 * const pids = await addprocs(2);
 * const Z = await dzeros([1000, 1000], { dist: [2, 1] });
 * Z.indices.map(([rows]) => String(rows)); // ["range(0, 500)", "range(500, 1000)"]
 * await rmprocs(pids);
 * ```
 */
export async function dzeros(dims: number | readonly number[], options: DFillOptions = {}): Promise<DArray<number>> {
  return made(dims, options, "dzeros", { how: "fill", kind: kindOfType(options.type ?? Float64Array, "dzeros"), value: 0 });
}

/**
 * A DArray of ones (Julia's `dones`), made on the owners.
 *
 * @example
 * ```ts
 * import { addprocs, dones, rmprocs } from "distributed";
 * const pids = await addprocs(2);
 * await (await dones(10)).reduce("+"); // 10
 * await rmprocs(pids);
 * ```
 */
export async function dones(dims: number | readonly number[], options: DFillOptions = {}): Promise<DArray<number>> {
  return made(dims, options, "dones", { how: "fill", kind: kindOfType(options.type ?? Float64Array, "dones"), value: 1 });
}

/**
 * A DArray of uniform random numbers in [0, 1) (Julia's `drand`), made on the owners.
 *
 * @example
 * ```ts
 * import { addprocs, drand, rmprocs } from "distributed";
 * const pids = await addprocs(2);
 * const R = await drand([1000]);
 * (await R.reduce("max")) < 1; // true
 * await rmprocs(pids);
 * ```
 */
export async function drand(dims: number | readonly number[], options: DFillOptions = {}): Promise<DArray<number>> {
  return made(dims, options, "drand", { how: "rand", kind: kindOfType(options.type ?? Float64Array, "drand") });
}

methods.create = async (init, dims, options) => {
  if (typeof init !== "function") {
    throw new TypeError(`DArray.create(init, dims): init must be a function of the chunk's index ranges, got ${typeof init}`);
  }
  return made(dims, options as DArrayOptions, "DArray.create", { how: "init", kind: "object" }, init as (indices: Range[]) => unknown);
};
