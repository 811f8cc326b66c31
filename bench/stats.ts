/**
 * Timing and summary helpers shared by the benches.
 *
 * Results are medians of several samples, and the samples of "ours" and of the raw limit are
 * taken alternately (`interleave`), so that a burst of load from another tenant of this shared
 * machine lands on both sides instead of skewing one of them.
 *
 * @example
 * ```ts
 * const { a, b } = await interleave(5, () => timeOurs(), () => timeBare());
 * median(a) / median(b);
 * ```
 * @module
 */

/** Milliseconds from an arbitrary origin, sub-millisecond resolution. */
export function now(): number {
  return performance.now();
}

/** The median of a non-empty list. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new RangeError("median of an empty list");
  const s = [...xs].sort((x, y) => x - y);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Runs `a` and `b` alternately `rounds` times (which goes first alternates too) and collects their samples. */
export async function interleave(
  rounds: number,
  a: () => Promise<number>,
  b: () => Promise<number>,
): Promise<{ a: number[]; b: number[] }> {
  const out = { a: [] as number[], b: [] as number[] };
  for (let i = 0; i < rounds; i++) {
    if (i % 2 === 0) {
      out.a.push(await a());
      out.b.push(await b());
    } else {
      out.b.push(await b());
      out.a.push(await a());
    }
  }
  return out;
}

/** Rounds for display and JSON: 3 significant digits. */
export function round3(x: number): number {
  return Number(x.toPrecision(3));
}
