/**
 * Timing as Julia's `@btime` does, roughly: the best of a few runs.
 *
 * @example
 * ```ts
 * const ms = await best(() => pmap(svdvals, M)); // the fastest of 3 runs, in ms
 * ```
 * @module
 */

/** The fastest of `rounds` runs of `f`, in milliseconds. */
export async function best(f: () => unknown, rounds = 3): Promise<number> {
  let ms = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t = performance.now();
    await f();
    ms = Math.min(ms, performance.now() - t);
  }
  return ms;
}
