/**
 * The arithmetic of a block distribution, as DistributedArrays.jl does it: how many chunks each
 * dimension is cut into (`defaultdist`: the largest prime factors of the number of processes go to
 * the largest dimensions), where the cuts fall (the first `n % chunks` chunks one longer), which
 * process holds which chunk (the chunk grid numbered column-major, as Julia's `reshape(pids, dist)`)
 * and the block copies between a chunk and a larger column-major array. Pure code: no I/O.
 *
 * Indices are 0-based and stop-exclusive: Julia's chunks 1:3, 4:6, 7:8, 9:10 of 10 elements on 4
 * processes are [0, 3), [3, 6), [6, 8), [8, 10) here.
 *
 * @example
 * ```ts
 * const layout = makeLayout([10], [2, 3, 4, 5]);
 * layout.cuts;                       // [[0, 3, 6, 8, 10]]
 * chunkIndices(layout, 2).map(String); // ["range(6, 8)"]
 * defaultdist([100, 50], 6);         // [3, 2]
 * ```
 * @module
 */
import { Range } from "../parallel/range.ts";

/** Where the chunks of a DArray are: its shape, the chunks per dimension, their bounds and owners. */
export interface Layout {
  /** The global shape. */
  readonly dims: readonly number[];
  /** How many chunks each dimension is cut into. */
  readonly dist: readonly number[];
  /** Per dimension, the dist[d] + 1 bounds of its chunks (0-based; the last is dims[d]). */
  readonly cuts: readonly (readonly number[])[];
  /** The owner of each chunk, chunks numbered column-major over the chunk grid. */
  readonly pids: readonly number[];
}

/** The prime factors of n, distinct, largest first. */
function primeFactors(n: number): number[] {
  const out: number[] = [];
  for (let p = 2; p * p <= n; p++) {
    if (n % p !== 0) continue;
    out.push(p);
    while (n % p === 0) n /= p;
  }
  if (n > 1) out.push(n);
  return out.sort((a, b) => b - a);
}

/**
 * How many chunks each dimension gets for `np` processes (DistributedArrays.jl's `defaultdist`):
 * each prime factor of np, largest first, goes to the dimension that is largest at that point.
 */
export function defaultdist(dims: readonly number[], np: number): number[] {
  const left = [...dims];
  const chunks = dims.map(() => 1);
  const factors = primeFactors(np);
  let k = 0;
  while (np > 1 && k < factors.length) {
    const p = factors[k]!;
    if (np % p !== 0) {
      k++;
      continue;
    }
    let at = 0;
    for (let d = 1; d < left.length; d++) if (left[d]! > left[at]!) at = d;
    left[at] = Math.floor(left[at]! / p);
    chunks[at]! *= p;
    np /= p;
  }
  return chunks;
}

/** The nc + 1 bounds that cut n elements into nc blocks, the first n % nc of them one longer. */
export function splitCuts(n: number, nc: number): number[] {
  const size = Math.floor(n / nc);
  const extra = n % nc;
  const cuts = [0];
  for (let i = 1; i <= nc; i++) cuts.push(i * size + Math.min(i, extra));
  return cuts;
}

/**
 * The layout of an array of shape `dims` over `pids`, cut `dist` (default: defaultdist). Throws
 * RangeError naming the argument when they do not fit together.
 */
export function makeLayout(dims: readonly number[], pids: readonly number[], dist?: readonly number[], where = "DArray"): Layout {
  if (!Array.isArray(dims) || dims.length === 0 || !dims.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new RangeError(`${where}: dims must be a non-empty list of non-negative integers, got ${JSON.stringify(dims)}`);
  }
  if (pids.length === 0) throw new RangeError(`${where}: there are no processes to hold the chunks; pass { pids } or add workers`);
  if (new Set(pids).size !== pids.length) throw new RangeError(`${where}: pids must not repeat, got [${pids.join(", ")}]`);
  const d = dist === undefined ? defaultdist(dims, pids.length) : [...dist];
  if (d.length !== dims.length || !d.every((c) => Number.isInteger(c) && c >= 1)) {
    throw new RangeError(
      `${where}: dist must give a positive number of chunks for each of the ${dims.length} dimensions, got ${JSON.stringify(dist)}`,
    );
  }
  const nchunks = d.reduce((a, b) => a * b, 1);
  if (nchunks !== pids.length) {
    throw new RangeError(`${where}: dist [${d.join(", ")}] makes ${nchunks} chunks, but there are ${pids.length} pids; they must be equal`);
  }
  return { dims: [...dims], dist: d, cuts: dims.map((n, i) => splitCuts(n, d[i]!)), pids: [...pids] };
}

/** The position of chunk k in the chunk grid (column-major numbering). */
export function chunkCoords(layout: Layout, k: number): number[] {
  const out: number[] = [];
  for (const c of layout.dist) {
    out.push(k % c);
    k = Math.floor(k / c);
  }
  return out;
}

/** The global index ranges of chunk k, one per dimension. */
export function chunkIndices(layout: Layout, k: number): Range[] {
  return chunkCoords(layout, k).map((c, d) => new Range(layout.cuts[d]![c]!, layout.cuts[d]![c + 1]!));
}

/** The shape of chunk k. */
export function chunkDims(layout: Layout, k: number): number[] {
  return chunkIndices(layout, k).map((r) => r.length);
}

/** The number of elements in a block of shape `dims`. */
export function volume(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/** Whether two layouts put the same indices on the same processes. */
export function sameLayout(a: Layout, b: Layout): boolean {
  const eq = (x: readonly number[], y: readonly number[]): boolean => x.length === y.length && x.every((v, i) => v === y[i]);
  return eq(a.dims, b.dims) && eq(a.dist, b.dist) && eq(a.pids, b.pids);
}

/** A layout in words, for error messages: "dims [10], dist [2] on pids [2, 3]". */
export function describeLayout(l: Layout): string {
  return `dims [${l.dims.join(", ")}], dist [${l.dist.join(", ")}] on pids [${l.pids.join(", ")}]`;
}

/** Any array a block copy works on: a typed array or a plain one. */
export type Elements = ArrayLike<unknown> & { [i: number]: unknown };

/**
 * Copies a block of shape `size` from `src` (shape srcDims, block starting at srcLo) into `dst`
 * (shape dstDims, at dstLo); both column-major. Runs along the first dimension are copied with
 * one `set` each when both are typed arrays.
 */
export function copyBlock(
  src: Elements,
  srcDims: readonly number[],
  srcLo: readonly number[],
  dst: Elements,
  dstDims: readonly number[],
  dstLo: readonly number[],
  size: readonly number[],
): void {
  if (size.some((s) => s <= 0)) return;
  const run = size[0]!;
  const typed = ArrayBuffer.isView(src) && ArrayBuffer.isView(dst) && run >= 16;
  const at = size.map(() => 0);
  for (;;) {
    let s = 0;
    let t = 0;
    for (let d = size.length - 1; d >= 0; d--) {
      s = s * srcDims[d]! + srcLo[d]! + at[d]!;
      t = t * dstDims[d]! + dstLo[d]! + at[d]!;
    }
    if (typed) {
      (dst as unknown as Float64Array).set((src as unknown as Float64Array).subarray(s, s + run), t);
    } else {
      for (let i = 0; i < run; i++) dst[t + i] = src[s + i];
    }
    let d = 1;
    for (; d < size.length; d++) {
      if (++at[d]! < size[d]!) break;
      at[d] = 0;
    }
    if (d === size.length) return;
  }
}
