/**
 * The benches' `--name=N` options: one parser, so every bench refuses a bad value the same way.
 *
 * @example
 * ```ts
 * const ROUNDS = positiveIntOption("rounds", 7); // --rounds=5 gives 5; --rounds=0 throws
 * ```
 * @module
 */

/** `--name=N` from this process's arguments, a positive integer, else `fallback`; anything else throws. */
export function positiveIntOption(name: string, fallback: number, argv: readonly string[] = process.argv.slice(2)): number {
  const raw = argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const n = raw === undefined ? fallback : Number(raw);
  if (!(Number.isInteger(n) && n > 0)) throw new RangeError(`--${name} must be a positive integer, got ${raw}`);
  return n;
}
