/**
 * Ghost cells for stencils: on the owner of a chunk, `halo(D, width)` is its block widened by
 * `width` elements on each side of every dimension (as far as the array goes), the chunk's own
 * elements copied from its chunk and the ghost cells fetched from the neighbouring chunks' owners,
 * worker to worker. A stencil step reads the widened block of the previous field and writes the
 * owner's chunk of the next one; while every owner does so, no one writes the previous field, so
 * the ghost cells are those of the same step (seed 002's heat equation in examples/seed002).
 *
 * @example
 * ```ts
 * import { addprocs, capture, distribute, fetchfrom, halo, rmprocs } from "distributed";
 * const pids = await addprocs(2);
 * const D = await distribute(Float64Array.from({ length: 8 }, (_, i) => i));
 * const h = await fetchfrom(D.pids[1]!, capture({ D }, async () => {
 *   const { data, start } = await halo(D, 1);
 *   return [Array.from(data), start];
 * }));
 * h; // [[3, 4, 5, 6, 7], [3]]: the chunk [4, 8) and the ghost cell 3 from the other worker
 * await rmprocs(pids);
 * ```
 * @module
 */
import { chunkHere, DArray } from "./darray.ts";
import { chunkIndices, type Elements, volume } from "./distribution.ts";
import { allocate, type TypedArray } from "./kinds.ts";
import { fill } from "./redistribute.ts";

/** An owner's block widened by its ghost cells: the elements (column-major), their shape, and the global index of the first. */
export interface Halo<T = number> {
  data: T extends number ? TypedArray : T[];
  dims: number[];
  start: number[];
}

/**
 * This process's chunk of D widened by `width` ghost elements on each side of every dimension
 * (clipped at the array's edges), the ghosts fetched from their owners. Call it on an owner.
 *
 * @example
 * ```ts
 * import { addprocs, capture, dzeros, fetchfrom, halo, rmprocs } from "distributed";
 * const pids = await addprocs(2);
 * const G = await dzeros([6, 6], { dist: [1, 2] }); // column blocks
 * const dims = await fetchfrom(G.pids[0]!, capture({ G }, async () => (await halo(G, 1)).dims));
 * dims; // [6, 4]: its 3 columns and one ghost column from the right-hand neighbour
 * await rmprocs(pids);
 * ```
 */
export async function halo<T = number>(D: DArray<T>, width = 1): Promise<Halo<T>> {
  if (!(D instanceof DArray)) throw new TypeError("halo(D, width): D must be a DArray");
  D.check("halo");
  if (!(Number.isInteger(width) && width >= 0)) throw new RangeError(`halo(D, width): width must be a non-negative integer, got ${width}`);
  const k = chunkHere(D as DArray<unknown>);
  if (k < 0) throw new RangeError(`halo(D, width): this process holds no chunk of ${D.toString()}; call it on one of D.pids`);
  const idx = chunkIndices(D.layout, k);
  const lo = idx.map((r) => Math.max(0, r.start - width));
  const hi = idx.map((r, d) => Math.min(D.dims[d]!, r.stop + width));
  const dims = lo.map((l, d) => hi[d]! - l);
  const data = allocate(D.kind, volume(dims));
  await fill(D as DArray<unknown>, lo, hi, data as Elements);
  return { data: data as Halo<T>["data"], dims, start: lo };
}
