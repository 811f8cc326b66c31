/**
 * Seed 000's pi series: 4 * sum of (-1)^i / (2i + 1) over the terms of a range.
 * Loaded on every process with everywhere(url), so `partialPi` travels by reference.
 *
 * @example
 * ```ts
 * partialPi(range(0, 1000)); // 3.140592653839794
 * ```
 * @module
 */
import type { Range } from "distributed";

/** The partial sum of the series over the terms `r` covers (a Range, or its three fields), times 4. */
export function partialPi(r: Pick<Range, "start" | "step" | "length">): number {
  const { start, step, length } = r;
  let sum = 0;
  for (let k = 0; k < length; k++) {
    const i = start + k * step;
    sum += (i % 2 === 0 ? 1 : -1) / (2 * i + 1);
  }
  return 4 * sum;
}
