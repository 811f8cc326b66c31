/**
 * The matrix-vector product of a 2-D DArray cut in row blocks (dist [k, 1]): each owner multiplies
 * its rows by the vector and keeps its block of the result, so `y = M.mul(v)` is a DArray laid out
 * like a vector distributed over the same pids, and seed 003's power method (`v = M*v; v /= norm(v)`)
 * never brings M or v here. A DArray vector is fetched by each owner from the vector's owners,
 * worker to worker; a plain Float64Array is sent to each owner.
 *
 * @example
 * ```ts
 * import { addprocs, distribute, rmprocs } from "distributed";
 * const pids = await addprocs(2);
 * const M = await distribute(new Float64Array([2, 1, 1, 1]), { dims: [2, 2], dist: [2, 1] });
 * const y = await M.mul(new Float64Array([1, 1]));
 * await y.collect(); // Float64Array [3, 2]
 * await rmprocs(pids);
 * ```
 * @module
 */
import { registerSystemFunction } from "../code/function-spec.ts";
import { state } from "../cluster/state.ts";
import { remotecallFetch } from "../remote/calls.ts";
import { chunkData, chunkOf, maybeChunk, storeChunk } from "./chunk-store.ts";
import { DArray } from "./darray.ts";
import { makeLayout } from "./distribution.ts";
import { methods } from "./methods.ts";
import { build, callOwner } from "./owners.ts";

/** The whole of a 1-D DArray here, its chunks fetched from their owners (this process's own read in place). */
async function gather(V: DArray<number>): Promise<Float64Array> {
  const out = new Float64Array(V.length);
  await Promise.all(V.pids.map(async (pid, k) => {
    const at = V.cuts[0]![k]!;
    const own = pid === state.myid ? maybeChunk(V.key) : undefined;
    const data = own !== undefined ? own.data : await remotecallFetch(chunkData, pid, V.key);
    out.set(data as Float64Array, at);
  }));
  return out;
}

/** On an owner of M: its rows times v, kept as its chunk of `dstKey` for `holder`. */
export async function matvecChunk(dstKey: string, holder: number, mKey: string, v: Float64Array | DArray<number>): Promise<string> {
  const vec = v instanceof DArray ? await gather(v) : v;
  const { data, dims } = chunkOf(mKey);
  const [rows, cols] = dims as [number, number];
  const M = data as Float64Array;
  const y = new Float64Array(rows);
  for (let j = 0; j < cols; j++) {
    const vj = vec[j]!;
    if (vj === 0) continue;
    const col = j * rows;
    for (let i = 0; i < rows; i++) y[i]! += M[col + i]! * vj;
  }
  // A handle that arrived for this call is let go now rather than at this process's next
  // collection (the caller's own handle, when the caller is an owner, stays the caller's).
  if (v instanceof DArray && holder !== state.myid) v.release();
  return storeChunk(dstKey, holder, [rows], y);
}
registerSystemFunction("darray.matvec", matvecChunk);

methods.mul = async (M: DArray<number>, v: Float64Array | DArray<number>): Promise<DArray<number>> => {
  M.check("mul");
  if (M.dims.length !== 2 || M.dist[1] !== 1) {
    throw new RangeError(`M.mul(v): M must be a 2-D DArray cut in row blocks (dist [k, 1]), got ${M.toString()}; redistribute it first`);
  }
  if (M.kind !== "Float64Array") throw new TypeError(`M.mul(v): M must hold Float64Array elements, got ${M.kind}`);
  const isD = v instanceof DArray;
  if (!(isD || v instanceof Float64Array) || (isD && v.dims.length !== 1)) {
    throw new TypeError("M.mul(v): v must be a Float64Array or a 1-D DArray of Float64Array elements");
  }
  if (v.length !== M.dims[1]) throw new RangeError(`M.mul(v): M has ${M.dims[1]} columns but v has ${v.length} elements`);
  if (isD) v.check("mul");
  const mLayout = M.layout;
  const layout = makeLayout([M.dims[0]!], M.pids, [M.dist[0]!], "M.mul");
  return build<number>(layout, "M.mul", (k, key) => callOwner(mLayout, k, matvecChunk, key, state.myid, M.key, v));
};
