/**
 * The functions of seed 002's lesson, loaded on every process with `everywhere(url)`:
 * `compute_pi(N)` (the Leibniz series, its example "function to distribute"), its terms and
 * partial sums, and `throw_darts(N)` (darts in the unit square that land in the quarter circle).
 * @module
 */
import type { Range } from "distributed";

/** Term i of the series 1 - 1/3 + 1/5 - ..., times 4. */
export function term(i: number): number {
  return (i % 2 === 1 ? -4 : 4) / (2 * i + 1);
}

/** The sum of the terms over a range of indices. */
export function partialPi(r: Range): number {
  const { start, length } = r;
  let s = 0;
  for (let i = start; i < start + length; i++) s += (i % 2 === 1 ? -4 : 4) / (2 * i + 1);
  return s;
}

/**
 * ```julia
 * @everywhere function compute_pi(N)
 *    series = 1.0
 *    for i in 1:N
 *       series += (isodd(i) ? -1 : 1) / (2i + 1)
 *    end
 *    return 4*series
 * end
 * ```
 */
export function computePi(N: number): number {
  let series = 1.0;
  for (let i = 1; i <= N; i++) series += (i % 2 === 1 ? -1 : 1) / (2 * i + 1);
  return 4 * series;
}

/**
 * ```julia
 * function throw_darts(N)
 *     n = 0
 *     for i in 1:N
 *         if rand()^2 + rand()^2 < 1
 *         n += 1
 *         end
 *     end
 *     return n
 * end
 * ```
 */
export function throwDarts(N: number): number {
  let n = 0;
  for (let i = 0; i < N; i++) if (Math.random() ** 2 + Math.random() ** 2 < 1) n++;
  return n;
}
