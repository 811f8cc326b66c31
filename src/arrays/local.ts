/**
 * A DArray seen from one process: `localpart` is this process's chunk (the owner's own typed
 * array, no copy: writes to it change the DArray), `localindices` its global index ranges, and
 * `collect` brings every chunk here in one array. Julia's names; `localindices` also answers for
 * a SharedArray, as in Julia.
 *
 * @example
 * ```ts
 * import { addprocs, capture, distribute, fetchfrom, localindices, localpart, rmprocs } from "distributed";
 * const pids = await addprocs(2);
 * const D = await distribute(Float64Array.from({ length: 10 }, (_, i) => i));
 * await fetchfrom(D.pids[1]!, capture({ D }, () => localindices(D).map(String))); // ["range(5, 10)"]
 * await fetchfrom(D.pids[1]!, capture({ D }, () => localpart(D)[0]));             // 5
 * localpart(D).length;                                                           // 0: the master holds no chunk
 * await rmprocs(pids);
 * ```
 * @module
 */
import { Range } from "../parallel/range.ts";
import { localindices as sharedLocalindices, type SharedArray, type SharedKind } from "../threads/shared-array.ts";
import { chunkData, chunkOf } from "./chunk-store.ts";
import { chunkHere, DArray } from "./darray.ts";
import { chunkDims, chunkIndices, copyBlock, type Elements } from "./distribution.ts";
import { allocate, type TypedArray } from "./kinds.ts";
import { methods } from "./methods.ts";
import { callOwner } from "./owners.ts";

/**
 * This process's chunk of D (Julia's `localpart`): on an owner, the chunk itself (no copy; writes
 * change the DArray), column-major; elsewhere an empty array.
 *
 * @example
 * ```ts
 * import { addprocs, capture, dones, fetchfrom, localpart, rmprocs } from "distributed";
 * const pids = await addprocs(2);
 * const D = await dones(6);
 * await fetchfrom(D.pids[0]!, capture({ D }, () => { localpart(D)[0] = 5; }));
 * await D.reduce("+"); // 10: the owner changed its chunk in place
 * await rmprocs(pids);
 * ```
 */
export function localpart<T = number>(D: DArray<T>): T extends number ? TypedArray : T[] {
  if (!(D instanceof DArray)) throw new TypeError(`localpart(D): D must be a DArray, got ${D === null ? "null" : typeof D}`);
  D.check("localpart");
  return (chunkHere(D as DArray<unknown>) >= 0 ? chunkOf(D.key).data : allocate(D.kind, 0)) as T extends number ? TypedArray : T[];
}

/**
 * The global index ranges this process holds (Julia's `localindices`): for a DArray, one Range per
 * dimension (empty ones where it holds no chunk); for a SharedArray, the one Range of its share.
 *
 * @example
 * ```ts
 * import { addprocs, capture, dzeros, fetchfrom, localindices, rmprocs } from "distributed";
 * const pids = await addprocs(2);
 * const D = await dzeros([4, 6], { dist: [1, 2] });
 * await fetchfrom(D.pids[1]!, capture({ D }, () => localindices(D).map(String))); // ["range(0, 4)", "range(3, 6)"]
 * await rmprocs(pids);
 * ```
 */
// deno-lint-ignore no-explicit-any
export function localindices(D: DArray<any>): Range[];
export function localindices(S: SharedArray<SharedKind>): Range;
// deno-lint-ignore no-explicit-any
export function localindices(D: DArray<any> | SharedArray<SharedKind>): Range[] | Range {
  if (!(D instanceof DArray)) return sharedLocalindices(D);
  const k = chunkHere(D);
  return k >= 0 ? chunkIndices(D.layout, k) : D.dims.map(() => new Range(0, 0));
}

async function collect(X: unknown): Promise<unknown> {
  if (!(X instanceof DArray)) throw new TypeError("collect: expects a DArray");
  const D = X as DArray<unknown>;
  D.check("collect");
  const layout = D.layout;
  const out = allocate(D.kind, D.length);
  await Promise.all(layout.pids.map(async (_, k) => {
    const data = await callOwner(layout, k, chunkData, D.key);
    const size = chunkDims(layout, k);
    const lo = chunkIndices(layout, k).map((r) => r.start);
    copyBlock(data as Elements, size, size.map(() => 0), out as Elements, layout.dims, lo, size);
  }));
  return out;
}
methods.collect = collect;
