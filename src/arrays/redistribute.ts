/**
 * Moving a DArray's elements to another layout: `redistribute(D, like)` makes a new DArray with
 * D's elements laid out as `like` (or as `{ pids, dist }` says), and `copyto(dest, src)` writes
 * src's elements into dest's chunks in place (Julia's `copyto!`). Each owner of the target works
 * out which blocks of the source it needs and fetches them from their owners itself, worker to
 * worker, so nothing passes through the caller.
 *
 * @example
 * ```ts
 * import { addprocs, distribute, dmap, redistribute, rmprocs } from "distributed";
 * const pids = await addprocs(2);
 * const a = await distribute(new Float64Array([1, 2, 3, 4]));
 * const b = await distribute(new Float64Array([1, 1, 1, 1]), { pids: [pids[1]!, pids[0]!] });
 * const c = await redistribute(b, a);                                   // b's elements, laid out as a
 * await (await dmap((x: number, y: number) => x + y, a, c)).collect();  // Float64Array [2, 3, 4, 5]
 * await rmprocs(pids);
 * ```
 * @module
 */
import { registerSystemFunction } from "../code/function-spec.ts";
import { state } from "../cluster/state.ts";
import { remotecallFetch } from "../remote/calls.ts";
import { chunkBlock, chunkOf, maybeChunk, storeChunk } from "./chunk-store.ts";
import { DArray, type DArrayOptions } from "./darray.ts";
import { chunkIndices, copyBlock, describeLayout, type Elements, makeLayout, volume } from "./distribution.ts";
import { allocate, type ElementKind } from "./kinds.ts";
import { build, callOwner } from "./owners.ts";

/** @internal Fills `out` (shape = the block [lo, hi) of src's global indices) from src's chunks, fetching what is elsewhere (halo.ts uses it too). */
export async function fill(src: DArray<unknown>, lo: number[], hi: number[], out: Elements): Promise<void> {
  const size = lo.map((l, d) => hi[d]! - l);
  const layout = src.layout;
  await Promise.all(layout.pids.map(async (pid, k) => {
    const idx = chunkIndices(layout, k);
    const from = idx.map((r, d) => Math.max(r.start, lo[d]!));
    const to = idx.map((r, d) => Math.min(r.stop, hi[d]!));
    if (from.some((f, d) => f >= to[d]!)) return;
    const part = to.map((t, d) => t - from[d]!);
    const local = from.map((f, d) => f - idx[d]!.start);
    const own = pid === state.myid ? maybeChunk(src.key) : undefined;
    const block = own !== undefined ? chunkBlock(src.key, local, part) : await remotecallFetch(chunkBlock, pid, src.key, local, part);
    copyBlock(block as Elements, part, part.map(() => 0), out, size, from.map((f, d) => f - lo[d]!), part);
  }));
}

/** On a target owner: its block [lo, hi) of src, as a new chunk of `dstKey` held for `holder`. */
export async function assembleChunk(
  dstKey: string,
  holder: number,
  src: DArray<unknown>,
  lo: number[],
  hi: number[],
): Promise<ElementKind> {
  const out = allocate(src.kind, volume(lo.map((l, d) => hi[d]! - l)));
  await fill(src, lo, hi, out as Elements);
  if (holder !== state.myid) src.release();
  return storeChunk(dstKey, holder, lo.map((l, d) => hi[d]! - l), out);
}

/** On a target owner: its block of src written into its chunk of `dstKey` in place. */
export async function copyIntoChunk(dstKey: string, holder: number, src: DArray<unknown>, lo: number[], hi: number[]): Promise<null> {
  await fill(src, lo, hi, chunkOf(dstKey).data as Elements);
  if (holder !== state.myid) src.release();
  return null;
}
registerSystemFunction("darray.assemble", assembleChunk);
registerSystemFunction("darray.copyinto", copyIntoChunk);

/**
 * A new DArray with D's elements laid out as `like` (another DArray of the same dims) or as
 * `{ pids, dist }`; the owners fetch what they need from each other.
 *
 * @example
 * ```ts
 * import { addprocs, dones, redistribute, rmprocs } from "distributed";
 * const pids = await addprocs(2);
 * const D = await dones([4, 4], { dist: [2, 1] });
 * const E = await redistribute(D, { dist: [1, 2] }); // column blocks now
 * E.indices.map(([, cols]) => String(cols));         // ["range(0, 2)", "range(2, 4)"]
 * await rmprocs(pids);
 * ```
 */
// deno-lint-ignore no-explicit-any
export async function redistribute<T>(D: DArray<T>, like: DArray<any> | DArrayOptions): Promise<DArray<T>> {
  if (!(D instanceof DArray)) throw new TypeError("redistribute(D, like): D must be a DArray");
  D.check("redistribute");
  const target = like instanceof DArray
    ? like.layout
    : makeLayout(D.dims, like.pids ?? D.pids, like.dist ?? (like.pids === undefined ? D.dist : undefined), "redistribute");
  if (target.dims.length !== D.dims.length || target.dims.some((n, d) => n !== D.dims[d])) {
    throw new RangeError(`redistribute: D has dims [${D.dims.join(", ")}] but the target layout is ${describeLayout(target)}`);
  }
  return build<T>(target, "redistribute", (k, key) => {
    const idx = chunkIndices(target, k);
    return callOwner(target, k, assembleChunk, key, state.myid, D as DArray<unknown>, idx.map((r) => r.start), idx.map((r) => r.stop));
  });
}

/**
 * Copies src's elements into dest, which keeps its layout (Julia's `copyto!`); both have the same dims.
 *
 * @example
 * ```ts
 * import { addprocs, copyto, distribute, dzeros, rmprocs } from "distributed";
 * const pids = await addprocs(2);
 * const dest = await dzeros(4);
 * await copyto(dest, await distribute(new Float64Array([1, 2, 3, 4]), { pids: [pids[1]!] }));
 * await dest.collect(); // Float64Array [1, 2, 3, 4]
 * await rmprocs(pids);
 * ```
 */
export async function copyto<T>(dest: DArray<T>, src: DArray<T>): Promise<DArray<T>> {
  if (!(dest instanceof DArray) || !(src instanceof DArray)) throw new TypeError("copyto(dest, src): both must be DArrays");
  dest.check("copyto");
  src.check("copyto");
  if (dest.dims.length !== src.dims.length || dest.dims.some((n, d) => n !== src.dims[d])) {
    throw new RangeError(`copyto(dest, src): dest has dims [${dest.dims.join(", ")}], src has [${src.dims.join(", ")}]`);
  }
  if (dest.kind !== src.kind) throw new TypeError(`copyto(dest, src): dest holds ${dest.kind}, src holds ${src.kind}`);
  const layout = dest.layout;
  await Promise.all(layout.pids.map((_, k) => {
    const idx = chunkIndices(layout, k);
    return callOwner(
      layout,
      k,
      copyIntoChunk,
      dest.key,
      state.myid,
      src as DArray<unknown>,
      idx.map((r) => r.start),
      idx.map((r) => r.stop),
    );
  }));
  return dest;
}
