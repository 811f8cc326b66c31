/**
 * Seed 000's pi series: 4 * sum over i of (-1)^i / (2i + 1), over [lo, hi).
 * Loaded on every process with everywhere(url), so `partialPi` travels by reference.
 *
 * @example
 * ```ts
 * partialPi(0, 1000); // 3.140592653839794
 * ```
 * @module
 */

/** The partial sum of the series over terms lo (inclusive) to hi (exclusive), times 4. */
export function partialPi(lo: number, hi: number): number {
  let sum = 0;
  let sign = lo % 2 === 0 ? 1 : -1;
  for (let i = lo; i < hi; i++) {
    sum += sign / (2 * i + 1);
    sign = -sign;
  }
  return 4 * sum;
}
