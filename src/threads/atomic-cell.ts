/**
 * The atomic operations on one cell of shared memory, for an Atomic of any kind. Integer kinds
 * run on a typed array of their own width: `Atomics` does add, sub, and, or, xor, exchange and
 * compare-and-swap in one instruction, and max, min and nand are a compare-and-swap loop (as
 * LLVM lowers them where the CPU has no such instruction). Float kinds run on their bits, an
 * integer cell of their width (Int32 for Float32, BigInt64 for Float64): every update is a
 * compare-and-swap loop on the bits, as Julia's `Atomic{Float64}` is, and and/or/xor/nand are a
 * TypeError naming the kind, as Julia has no such methods for floats. Values are checked by the
 * caller (atomic.ts); every update returns the value before.
 *
 * @example
 * ```ts
 * const ops = cellFor(Uint8Array, new SharedArrayBuffer(8));
 * ops.store(250);
 * ops.add(10);   // 250; the cell wrapped to 4
 * ops.max(-1);   // 4; -1 is 255 on a Uint8, so it is 255 now
 * ```
 * @module
 */
import { type AtomicKind, atomicKindName, isFloatKind } from "./atomic-kinds.ts";

/** A value of any kind: the operations are generic, the Atomic types them. */
type V = number | bigint;
// Atomics' overloads do not take a union of typed arrays: every cell is typed as this one.
type Cell = Int32Array;
type Ctor = new (b: ArrayBufferLike, offset: number, length: number) => Cell;

/** The operations on one cell. */
export interface CellOps {
  load(): V;
  store(v: V): void;
  add(v: V): V;
  sub(v: V): V;
  cas(expected: V, replacement: V): V;
  exchange(v: V): V;
  max(v: V): V;
  min(v: V): V;
  and(v: V): V;
  or(v: V): V;
  xor(v: V): V;
  nand(v: V): V;
}

/** The operations for a kind on the first 8 bytes of `buffer`. */
export function cellFor(kind: AtomicKind, buffer: SharedArrayBuffer | ArrayBuffer): CellOps {
  return isFloatKind(kind) ? floatOps(kind, buffer) : integerOps(kind, buffer);
}

function integerOps(kind: AtomicKind, buffer: SharedArrayBuffer | ArrayBuffer): CellOps {
  const cell = new (kind as unknown as Ctor)(buffer, 0, 1);
  const scratch = new (kind as unknown as Ctor)(new ArrayBuffer(8), 0, 1);
  // The value as the cell holds it (-1 is 255 on a Uint8), for comparisons.
  const stored = (v: V): V => ((scratch[0] = v as number), scratch[0]!);
  const update = (f: (x: V) => V): V => {
    for (;;) {
      const old = Atomics.load(cell, 0);
      if (Atomics.compareExchange(cell, 0, old, f(old) as number) === old) return old;
    }
  };
  return {
    load: () => Atomics.load(cell, 0),
    store: (v) => void Atomics.store(cell, 0, v as number),
    add: (v) => Atomics.add(cell, 0, v as number),
    sub: (v) => Atomics.sub(cell, 0, v as number),
    cas: (e, r) => Atomics.compareExchange(cell, 0, e as number, r as number),
    exchange: (v) => Atomics.exchange(cell, 0, v as number),
    max: (v) => ((v = stored(v)), update((x) => (x > v ? x : v))),
    min: (v) => ((v = stored(v)), update((x) => (x < v ? x : v))),
    and: (v) => Atomics.and(cell, 0, v as number),
    or: (v) => Atomics.or(cell, 0, v as number),
    xor: (v) => Atomics.xor(cell, 0, v as number),
    // ~ and & work on numbers and bigints alike; the cell wraps the result to its width.
    nand: (v) => update((x) => ~((x as number) & (v as number))),
  };
}

const view = new DataView(new ArrayBuffer(8));

function floatOps(kind: AtomicKind, buffer: SharedArrayBuffer | ArrayBuffer): CellOps {
  const single = kind === Float32Array;
  const cell = (single ? new Int32Array(buffer, 0, 1) : new BigInt64Array(buffer, 0, 1)) as Cell;
  // The bits of x at the kind's width (a Float32 rounds first), and back.
  const toBits = single
    ? (x: V): number => (view.setFloat32(0, x as number, true), view.getInt32(0, true))
    : (x: V): number => (view.setFloat64(0, x as number, true), view.getBigInt64(0, true) as unknown as number);
  const fromBits = single
    ? (b: number): number => (view.setInt32(0, b, true), view.getFloat32(0, true))
    : (b: number): number => (view.setBigInt64(0, b as unknown as bigint, true), view.getFloat64(0, true));
  const update = (f: (x: number) => number): number => {
    for (;;) {
      const bits = Atomics.load(cell, 0);
      const old = fromBits(bits);
      if (Atomics.compareExchange(cell, 0, bits, toBits(f(old))) === bits) return old;
    }
  };
  const noBits = (op: string) => (): never => {
    throw new TypeError(
      `Atomic<${atomicKindName(kind)}>: ${op} is for integer kinds; a float has no bitwise ${op} (Julia has no atomic_${op}! for floats)`,
    );
  };
  return {
    load: () => fromBits(Atomics.load(cell, 0)),
    store: (v) => void Atomics.store(cell, 0, toBits(v)),
    add: (v) => update((x) => x + (v as number)),
    sub: (v) => update((x) => x - (v as number)),
    // By the bits, as Julia's atomic_cas! on a float: NaN matches the same NaN, 0 does not match -0.
    cas: (e, r) => fromBits(Atomics.compareExchange(cell, 0, toBits(e), toBits(r))),
    exchange: (v) => fromBits(Atomics.exchange(cell, 0, toBits(v))),
    // Julia's max and min: NaN on either side gives NaN, -0 < 0 (Math.max and Math.min agree).
    max: (v) => update((x) => Math.max(x, v as number)),
    min: (v) => update((x) => Math.min(x, v as number)),
    and: noBits("and"),
    or: noBits("or"),
    xor: noBits("xor"),
    nand: noBits("nand"),
  };
}
