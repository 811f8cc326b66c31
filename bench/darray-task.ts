/**
 * The work of the DArray bench (bench/darray.ts), loaded on every process with everywhere(url) so
 * that `heavy` travels to the workers by reference and the serial runs call the very same function:
 * the per-element function of the map (a square root, a sine and a log: tens of nanoseconds per
 * element, enough that a map over 1e8 elements measures the computation, not the call), the
 * serial loop shaped as the owners' loop (src/arrays/kernels.ts), the inputs, and the serial
 * matrix-vector product shaped as the owners' (src/arrays/linalg.ts).
 *
 * @module
 */
import type { Range } from "../src/mod.ts";

/** The per-element function of the map. */
export function heavy(x: number): number {
  return Math.sqrt(x) * Math.sin(x * 1e-3) + Math.log1p(x);
}

/** Element i of the map's input. */
export function inputAt(i: number): number {
  return (i % 1_000_003) * 0.5;
}

/** An owner's chunk of the input, for DArray.create: made on the owner, never sent. */
export function inputChunk([r]: Range[]): Float64Array {
  const out = new Float64Array(r!.length);
  for (let k = 0; k < out.length; k++) out[k] = inputAt(r!.start + k);
  return out;
}

/** The serial map: the same loop the owners run, over the whole array. */
export function serialMap(a: Float64Array, fn: (x: number) => number): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = fn(a[i]!);
  return out;
}

/** y = M v for a column-major n×m M, the loop the owners run on their rows. */
export function serialMatvec(M: Float64Array, rows: number, v: Float64Array): Float64Array {
  const y = new Float64Array(rows);
  for (let j = 0; j < v.length; j++) {
    const vj = v[j]!;
    if (vj === 0) continue;
    const col = j * rows;
    for (let i = 0; i < rows; i++) y[i]! += M[col + i]! * vj;
  }
  return y;
}
