/**
 * DArray, the handle: where the chunks of a distributed array are (its layout) and one hold on
 * each chunk's owner. The data stays on the owners; the handle travels (as an argument or in
 * `capture`) as its layout and id, and each process that receives one holds every chunk until it
 * drops the handle, as with a Future (remote/handles.ts). The operations (map, reduce, mul,
 * collect, ...) are set by ops.ts, linalg.ts and collect.ts, which sit on the handle.
 *
 * Why one file: the handle's fields, its holds, its wire form and the methods a user calls on it
 * are one class; the methods are one line each, handing over to the files that do the work.
 *
 * @example
 * ```ts
 * import { addprocs, distribute, rmprocs } from "distributed";
 * const pids = await addprocs(2);
 * const D = await distribute(Float64Array.from({ length: 10 }, (_, i) => i));
 * D.pids;                       // the workers, one chunk each
 * D.indices.map(String);        // ["range(0, 5)", "range(5, 10)"]
 * await D.reduce("+");          // 45, summed where the data is
 * D.release();
 * await rmprocs(pids);
 * ```
 * @module
 */
import { state } from "../cluster/state.ts";
import { ReleasedHandleError } from "../errors.ts";
import type { Range } from "../parallel/range.ts";
import { noteSentHandle } from "../protocol/codec.ts";
import { registerClass } from "../protocol/class-registry.ts";
import { releaseHandle, trackHandle } from "../remote/handles.ts";
import { refKey } from "../remote/refs.ts";
import { chunkIndices, type Layout, splitCuts, volume } from "./distribution.ts";
import type { ElementKind, TypedArray, TypedArrayConstructor } from "./kinds.ts";
import { methods, type Reduction } from "./methods.ts";

/**
 * A distributed array: one block (chunk) on each of `pids`, kept there; work sent to it runs
 * where the data is. Make one with `distribute`, `DArray.create`, `dzeros`, `dones`, `drand` or
 * `dfill`. Indices are 0-based; multi-dimensional arrays are column-major, as in Julia.
 *
 * @example
 * ```ts
 * import { addprocs, capture, distribute, fetchfrom, localpart, rmprocs } from "distributed";
 * const pids = await addprocs(2);
 * const D = await distribute(new Float64Array([1, 2, 3, 4]));
 * const E = await D.map((x) => 2 * x);                                  // computed on the owners
 * await fetchfrom(E.pids[1]!, capture({ E }, () => Array.from(localpart(E)))); // [6, 8]
 * await E.collect();                                                    // Float64Array [2, 4, 6, 8]
 * await rmprocs(pids);
 * ```
 */
export class DArray<T = number> {
  /** The global shape. */
  readonly dims: readonly number[];
  /** How many chunks each dimension is cut into. */
  readonly dist: readonly number[];
  /** The owner of each chunk (chunks numbered column-major over the chunk grid). */
  readonly pids: readonly number[];
  /** Per dimension, the bounds of its chunks (0-based; the last is the dimension's length). */
  readonly cuts: readonly (readonly number[])[];
  /** The element kind: a typed array class name such as "Float64Array", or "object". */
  readonly kind: ElementKind;
  /** The process that created the DArray. */
  readonly whence: number;
  /** Identifies the DArray together with `whence`. */
  readonly id: number;
  #holds: object[] | null = null;
  declare readonly __elements?: T;

  /** @internal Use distribute, DArray.create, dzeros, ...: a DArray is made by its owners. */
  constructor(layout: Layout, kind: ElementKind, whence: number, id: number) {
    this.dims = layout.dims;
    this.dist = layout.dist;
    this.pids = layout.pids;
    this.cuts = layout.cuts;
    this.kind = kind;
    this.whence = whence;
    this.id = id;
  }

  /** @internal A handle holding every chunk: the owners made theirs for this process, or it arrived here. */
  static adopt<T>(layout: Layout, kind: ElementKind, whence: number, id: number): DArray<T> {
    const D = new DArray<T>(layout, kind, whence, id);
    D.#holds = layout.pids.map((owner) => {
      const hold = {};
      trackHandle(hold, owner, [whence, id]);
      return hold;
    });
    return D;
  }

  /**
   * Julia's `DArray(init, dims, pids, dist)`: runs `init(indices)` on each owner with its chunk's index ranges; it returns the chunk's elements
   * (column-major), a typed array or a plain array.
   *
   * @example
   * ```ts
   * import { addprocs, DArray, rmprocs } from "distributed";
   * const pids = await addprocs(2);
   * const D = await DArray.create(([r]) => Float64Array.from(r!, (i) => i * i), [6]);
   * await D.collect(); // Float64Array [0, 1, 4, 9, 16, 25]
   * await rmprocs(pids);
   * ```
   */
  static create<T = number>(
    init: (indices: Range[]) => TypedArray | T[] | Promise<TypedArray | T[]>,
    dims: number | readonly number[],
    options: DArrayOptions = {},
  ): Promise<DArray<T>> {
    return methods.create(init, dims, options) as Promise<DArray<T>>;
  }

  /** The layout: dims, dist, cuts, pids. */
  get layout(): Layout {
    return { dims: this.dims, dist: this.dist, cuts: this.cuts, pids: this.pids };
  }

  /** The number of elements. */
  get length(): number {
    return volume(this.dims);
  }

  /** The global index ranges of each chunk, in the order of `pids`. */
  get indices(): Range[][] {
    return this.pids.map((_, k) => chunkIndices(this.layout, k));
  }

  /** @internal The key of the chunks in their owners' reference stores. */
  get key(): string {
    return refKey(this.whence, this.id);
  }

  /** Whether release() was called. */
  get released(): boolean {
    return this.#holds === null;
  }

  /** @internal Throws ReleasedHandleError if released. */
  check(operation: string): void {
    if (this.#holds === null) throw new ReleasedHandleError("DArray", operation);
  }

  /** A new DArray of `fn(x)` for each element, computed on the owners, with the same layout. */
  map<R = T>(fn: (x: T) => R, options: { type?: TypedArrayConstructor } = {}): Promise<DArray<R>> {
    return methods.map(fn as (...xs: unknown[]) => unknown, [this], options) as Promise<DArray<R>>;
  }

  /** Reduces every element with `op` ("+", "*", "max", "min" or a function); each owner reduces its chunk. */
  reduce(op: Reduction<T>): Promise<T> {
    return methods.mapreduce(null, op as Reduction<unknown>, [this]) as Promise<T>;
  }

  /** The matrix-vector product of a 2-D DArray cut in row blocks (dist [k, 1]) with `v`: a DArray over the same pids. */
  mul(v: Float64Array | DArray<number>): Promise<DArray<number>> {
    return methods.mul(this, v);
  }

  /** Every element, brought here in one array (a typed array, or a plain array for "object"), column-major. */
  collect(): Promise<T extends number ? TypedArray : T[]> {
    return methods.collect(this) as Promise<T extends number ? TypedArray : T[]>;
  }

  /** Drops this handle's holds now; the owners free the chunks when no process holds a handle. */
  release(): void {
    if (this.#holds === null) return;
    for (const hold of this.#holds) releaseHandle(hold);
    this.#holds = null;
  }

  /** `using D = await distribute(...)` releases the handle at the end of the block. */
  [Symbol.dispose](): void {
    this.release();
  }

  /** A short description: `DArray(Float64Array, dims [10], dist [2] on pids [2, 3])`. */
  toString(): string {
    return `DArray(${this.kind}, dims [${this.dims.join(", ")}], dist [${this.dist.join(", ")}] on pids [${this.pids.join(", ")}])`;
  }
}

/** Where a new DArray's chunks go. */
export interface DArrayOptions {
  /** The processes that hold the chunks, one each. Default: workers(). */
  pids?: readonly number[];
  /** How many chunks each dimension is cut into (their product is pids.length). Default: Julia's defaultdist. */
  dist?: readonly number[];
}

/** @internal The layout of a handle that arrived: its cuts follow from dims and dist. */
function layoutOf(dims: number[], dist: number[], pids: number[]): Layout {
  return { dims, dist, pids, cuts: dims.map((n, i) => splitCuts(n, dist[i]!)) };
}

registerClass(DArray, {
  name: "distributed.DArray",
  encode: (D: DArray<unknown>) => {
    D.check("send");
    for (const owner of D.pids) noteSentHandle({ owner, ref: [D.whence, D.id] });
    return [D.dims, D.dist, D.pids, D.kind, D.whence, D.id];
  },
  decode: (data) => {
    const [dims, dist, pids, kind, whence, id] = data as [number[], number[], number[], string, number, number];
    return DArray.adopt(layoutOf(dims, dist, pids), kind, whence, id);
  },
});

/** Whether this process owns a chunk of D, and which. */
export function chunkHere(D: DArray<unknown>): number {
  return D.pids.indexOf(state.myid);
}
