/**
 * The owner's side of a DArray: each chunk is a reference this process owns (kind "chunk" in
 * remote/refs.ts), keyed by the DArray's id, so the distributed reference counting that frees a
 * Future's value frees a chunk too: the creator's DArray handle is the first holder, a handle sent
 * on is counted before it leaves, and the chunk goes when the last holder lets go or dies.
 *
 * The functions here are system functions (called by name from other processes, never shipped as
 * source): make a chunk, store one that arrived, hand one out whole or a block of it.
 *
 * @example
 * ```ts
 * // on the owner, from the creator's call:
 * storeChunk("1:7", 1, [4], new Float64Array(4)); // held for pid 1
 * chunkOf("1:7").data;                            // the Float64Array itself, no copy
 * ```
 * @module
 */
import { registerSystemFunction } from "../code/function-spec.ts";
import { state } from "../cluster/state.ts";
import { Range } from "../parallel/range.ts";
import { refs } from "../remote/refs.ts";
import { copyBlock, type Elements, volume } from "./distribution.ts";
import { allocate, type ElementKind, kindOf, type TypedArray } from "./kinds.ts";

/** A chunk as its owner keeps it: the elements (column-major) and its shape. */
export interface Chunk {
  data: TypedArray | unknown[];
  dims: number[];
}

/** The chunk this process holds under `key`; throws when there is none. */
export function chunkOf(key: string): Chunk {
  const entry = refs.get(key);
  if (entry === undefined || entry.kind !== "chunk" || entry.state !== 1) {
    throw new Error(`DArray ${key}: process ${state.myid} holds no chunk of it (the DArray was released, or its chunk is elsewhere)`);
  }
  return entry.value as Chunk;
}

/** The chunk under `key` if this process holds one. */
export function maybeChunk(key: string): Chunk | undefined {
  const entry = refs.get(key);
  return entry !== undefined && entry.kind === "chunk" && entry.state === 1 ? (entry.value as Chunk) : undefined;
}

/** Keeps `data` as this process's chunk of `key`, held for `holder` (the DArray's creator). Returns its kind. */
export function storeChunk(key: string, holder: number, dims: number[], data: TypedArray | unknown[]): ElementKind {
  const kind = kindOf(data);
  if (data.length !== volume(dims)) {
    throw new RangeError(`DArray: a chunk of shape [${dims.join(", ")}] needs ${volume(dims)} elements, got ${data.length}`);
  }
  const entry = refs.create(key, { kind: "chunk" });
  entry.clients.set(holder, (entry.clients.get(holder) ?? 0) + 1);
  refs.settle(key, true, { data, dims } satisfies Chunk);
  return kind;
}

/** How a chunk is made where it lives. */
export interface MakeSpec {
  how: "fill" | "rand" | "init";
  kind: ElementKind;
  /** The chunk's global index ranges, [start, stop) per dimension. */
  ranges: Array<[number, number]>;
  value?: unknown;
}

/** Makes this process's chunk of `key` (zeros, a fill, random numbers or `init(indices)`), held for `holder`. */
export async function makeChunk(key: string, holder: number, spec: MakeSpec, init?: (indices: Range[]) => unknown): Promise<ElementKind> {
  const dims = spec.ranges.map(([a, b]) => b - a);
  const n = volume(dims);
  if (spec.how === "init") {
    if (typeof init !== "function") throw new TypeError("DArray.create(init, dims): init must be a function of the chunk's index ranges");
    let data = init(spec.ranges.map(([a, b]) => new Range(a, b)));
    if (data instanceof Promise) data = await data;
    return storeChunk(key, holder, dims, data as TypedArray | unknown[]);
  }
  const data = allocate(spec.kind, n);
  if (spec.how === "rand") {
    for (let i = 0; i < n; i++) data[i] = Math.random();
  } else if (spec.value !== 0 || !ArrayBuffer.isView(data)) {
    data.fill(spec.value as never);
  }
  return storeChunk(key, holder, dims, data);
}

/** The chunk of `key` whole (what collect and localpart from afar fetch). */
export function chunkData(key: string): TypedArray | unknown[] {
  return chunkOf(key).data;
}

/** A copy of the block of the chunk of `key` starting at `lo` (chunk-local) with shape `size`, column-major. */
export function chunkBlock(key: string, lo: number[], size: number[]): TypedArray | unknown[] {
  const chunk = chunkOf(key);
  const out = allocate(kindOf(chunk.data), volume(size));
  copyBlock(chunk.data as Elements, chunk.dims, lo, out as Elements, size, size.map(() => 0), size);
  return out;
}

registerSystemFunction("darray.store", storeChunk);
registerSystemFunction("darray.make", makeChunk);
registerSystemFunction("darray.data", chunkData);
registerSystemFunction("darray.block", chunkBlock);
