/**
 * The kinds an Atomic can hold, their wire names, and the values each accepts (atomic-cell.ts
 * runs the operations on them).
 *
 * @example
 * ```ts
 * import { Atomic, type AtomicKind } from "distributed";
 * const kind: AtomicKind = Int8Array;     // travels on the wire as "Int8Array"
 * new Atomic(kind, 127).add(1);           // 127; it is -128 now: wrap-around at 8 bits
 * new Atomic(Int8Array, 300);             // RangeError: Atomic<Int8Array>: 300 does not fit in 8 bits
 * ```
 * @module
 */

/** The typed-array kinds an Atomic can hold: every integer width, and Float32 and Float64. */
export type AtomicKind =
  | Int8ArrayConstructor
  | Uint8ArrayConstructor
  | Int16ArrayConstructor
  | Uint16ArrayConstructor
  | Int32ArrayConstructor
  | Uint32ArrayConstructor
  | BigInt64ArrayConstructor
  | BigUint64ArrayConstructor
  | Float32ArrayConstructor
  | Float64ArrayConstructor;

/** The value type of a kind: bigint for the 64-bit integer kinds, number for the others. */
export type AtomicValue<K extends AtomicKind> = K extends BigInt64ArrayConstructor | BigUint64ArrayConstructor ? bigint : number;

/** The kinds by wire name, in the order the error messages list them. */
const KINDS = new Map<unknown, string>([
  [Int8Array, "Int8Array"],
  [Uint8Array, "Uint8Array"],
  [Int16Array, "Int16Array"],
  [Uint16Array, "Uint16Array"],
  [Int32Array, "Int32Array"],
  [Uint32Array, "Uint32Array"],
  [BigInt64Array, "BigInt64Array"],
  [BigUint64Array, "BigUint64Array"],
  [Float32Array, "Float32Array"],
  [Float64Array, "Float64Array"],
]);

/** The kinds' names as an error message lists them: "Int8Array, ..., Float32Array or Float64Array". */
export const KIND_LIST = [...KINDS.values()].slice(0, -1).join(", ") + " or " + [...KINDS.values()].at(-1)!;

/** Whether `kind` is one an Atomic can hold. */
export function isAtomicKind(kind: unknown): kind is AtomicKind {
  return KINDS.has(kind);
}

/** The name of an Atomic's kind (for the codec and messages). */
export function atomicKindName(kind: AtomicKind): string {
  return KINDS.get(kind)!;
}

/** The kind for a name (for the codec). */
export function atomicKindOf(name: string): AtomicKind | undefined {
  for (const [k, n] of KINDS) if (n === name) return k as AtomicKind;
  return undefined;
}

/** Whether the kind holds bigints (the 64-bit integer kinds). */
export function isBigKind(kind: AtomicKind): boolean {
  return kind === BigInt64Array || kind === BigUint64Array;
}

/** Whether the kind is a floating-point one (no and/or/xor/nand, as in Julia). */
export function isFloatKind(kind: AtomicKind): boolean {
  return kind === Float32Array || kind === Float64Array;
}

/**
 * The check of the values an Atomic of this kind takes: it returns the value, or throws (a
 * TypeError for the wrong type, a RangeError for an integer that does not fit), with `what` (e.g.
 * "Atomic<Int8Array>") leading the message. Integer kinds take integers that fit the width read
 * either way, signed or unsigned (so `-1` and `0xffffffff` both mean all bits set on an Int32
 * or a Uint32 Atomic); floating-point kinds take any number. Made once per Atomic: it is on
 * every operation's path, so the bounds are computed here.
 */
export function valueCheck(kind: AtomicKind, what: string): <V>(value: V) => V {
  const big = isBigKind(kind);
  const type = big ? "bigint" : "number";
  const bits = (kind as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT * 8;
  const fail = (value: unknown): never => {
    if (typeof value !== type) throw new TypeError(`${what}: values are ${type}s, got ${typeof value}`);
    if (!big && !Number.isInteger(value)) throw new RangeError(`${what}: values are integers, got ${String(value)}`);
    throw new RangeError(`${what}: ${String(value)} does not fit in ${bits} bits`);
  };
  if (isFloatKind(kind)) return (value) => (typeof value === "number" ? value : fail(value));
  if (big) {
    const lo = -(1n << BigInt(bits - 1));
    const hi = (1n << BigInt(bits)) - 1n;
    return (value) => (typeof value === "bigint" && value >= lo && value <= hi ? value : fail(value));
  }
  const lo = -(2 ** (bits - 1));
  const hi = 2 ** bits - 1;
  return (value) => (typeof value === "number" && value >= lo && value <= hi && Number.isInteger(value) ? value : fail(value));
}

/** A kind, or anything else, named for a message. */
export function describeKind(kind: unknown): string {
  return typeof kind === "function" ? kind.name || "an anonymous function" : kind === null ? "null" : typeof kind;
}
