// Small helpers shared by the unit tests.

/** The value `fn` throws, or undefined if it returns. */
export function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

/** The chunks joined into one buffer. */
export function concat(chunks: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const c of chunks) n += c.byteLength;
  const out = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** Deterministic PRNG (mulberry32) so a failure can be reproduced. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** The assertions throwsExactly needs (any tap Test has them). */
export interface EqualAsserts {
  equal(found: unknown, wanted: unknown, message: string): unknown;
}

/** Asserts that `fn` throws exactly this class (not a subclass) with exactly this message. */
export function throwsExactly(t: EqualAsserts, fn: () => unknown, Type: abstract new (...args: never[]) => Error, message: string): void {
  const err = caught(fn);
  t.equal((err as Error | undefined)?.constructor, Type, `${Type.name}: ${message}`);
  t.equal((err as Error | undefined)?.message, message, "the message");
}
