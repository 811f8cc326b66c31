// Atomic of every kind, every operation, in one thread: the value before (as Julia's atomic_*!
// return), the value after, wrap-around at each integer width, the float max/min rules Julia's
// max and min decide (NaN wins, -0 < 0), the TypeError for a bitwise operation on a float, the
// RangeError for an integer that does not fit, and every kind's name on the wire.
import t from "tap";
import { Atomic, type AtomicKind } from "../../src/mod.ts";
import { decode, encode } from "../../src/protocol/codec.ts";
import { caught } from "../helpers/unit.ts";

function messageOf(fn: () => unknown): string {
  const err = caught(fn);
  return err instanceof Error ? `${err.constructor.name}: ${err.message}` : `no error (${String(err)})`;
}

// [kind, bits, signed]: the small integer kinds, numbers.
const smallInts: Array<[AtomicKind, number, boolean]> = [
  [Int8Array, 8, true],
  [Uint8Array, 8, false],
  [Int16Array, 16, true],
  [Uint16Array, 16, false],
  [Int32Array, 32, true],
  [Uint32Array, 32, false],
];

for (const [kind, bits, signed] of smallInts) {
  const name = kind.name;
  const max = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
  const min = signed ? -(2 ** (bits - 1)) : 0;
  t.test(`${name}: every operation returns the value before; wrap-around at ${bits} bits`, (t) => {
    const a = new Atomic(kind as Int32ArrayConstructor, max);
    t.equal(a.add(1), max, "add: the value before");
    t.equal(a.load(), min, "max + 1 wraps to the minimum");
    t.equal(a.sub(1), min);
    t.equal(a.load(), max, "min - 1 wraps to the maximum");
    t.equal(a.store(6), 6);
    t.equal(a.max(9), 6);
    t.equal(a.load(), 9);
    t.equal(a.max(3), 9);
    t.equal(a.load(), 9, "max keeps the larger");
    t.equal(a.min(4), 9);
    t.equal(a.load(), 4);
    t.equal(a.min(5), 4);
    t.equal(a.load(), 4, "min keeps the smaller");
    t.equal(a.min(-1), 4);
    t.equal(a.load(), signed ? -1 : 4, signed ? "-1 is smaller" : "-1 is the maximum on an unsigned kind, so 4 stays");
    a.store(0b1100);
    t.equal(a.and(0b1010), 0b1100);
    t.equal(a.load(), 0b1000);
    t.equal(a.or(0b0011), 0b1000);
    t.equal(a.load(), 0b1011);
    t.equal(a.xor(0b0110), 0b1011);
    t.equal(a.load(), 0b1101);
    t.equal(a.nand(0b0101), 0b1101);
    const nanded = signed ? ~0b0101 : 2 ** bits - 1 - 0b0101;
    t.equal(a.load(), nanded, "nand: ~(x & mask) at the width");
    t.equal(a.exchange(2), nanded);
    t.equal(a.cas(3, 7), 2, "cas miss: the value before");
    t.equal(a.load(), 2);
    t.equal(a.cas(2, 7), 2, "cas hit: the value before");
    t.equal(a.load(), 7);
    t.equal(a.store(-1), -1, "-1 is accepted: all bits set");
    t.equal(a.load(), signed ? -1 : 2 ** bits - 1);
    t.equal(messageOf(() => a.add(2 ** bits)), `RangeError: Atomic<${name}>: ${2 ** bits} does not fit in ${bits} bits`);
    t.equal(
      messageOf(() => a.max(-(2 ** (bits - 1)) - 1)),
      `RangeError: Atomic<${name}>: ${-(2 ** (bits - 1)) - 1} does not fit in ${bits} bits`,
    );
    t.equal(messageOf(() => a.or(0.5)), `RangeError: Atomic<${name}>: values are integers, got 0.5`);
    t.equal(messageOf(() => a.and(1n as never)), `TypeError: Atomic<${name}>: values are numbers, got bigint`);
    t.equal(String(new Atomic(kind as Int32ArrayConstructor, 5)), `Atomic<${name}>(5)`);
    t.end();
  });
}

for (const [kind, signed] of [[BigInt64Array, true], [BigUint64Array, false]] as const) {
  t.test(`${kind.name}: every operation on bigints, wrap-around at 64 bits`, (t) => {
    const top = signed ? 2n ** 63n - 1n : 2n ** 64n - 1n;
    const bottom = signed ? -(2n ** 63n) : 0n;
    const a = new Atomic(kind as BigInt64ArrayConstructor, top);
    t.equal(a.add(1n), top);
    t.equal(a.load(), bottom, "wraps to the minimum");
    t.equal(a.sub(1n), bottom);
    t.equal(a.load(), top);
    a.store(10n);
    t.equal(a.max(20n), 10n);
    t.equal(a.min(-1n), 20n);
    t.equal(a.load(), signed ? -1n : 20n, "-1n is all bits set: the largest unsigned");
    a.store(0b1100n);
    t.equal(a.and(0b1010n), 0b1100n);
    t.equal(a.or(0b0011n), 0b1000n);
    t.equal(a.xor(0b0110n), 0b1011n);
    t.equal(a.nand(0b0101n), 0b1101n);
    t.equal(a.load(), signed ? ~0b0101n : 2n ** 64n - 1n - 0b0101n);
    t.equal(messageOf(() => a.add(2n ** 64n)), `RangeError: Atomic<${kind.name}>: ${2n ** 64n} does not fit in 64 bits`);
    t.equal(messageOf(() => a.add(1 as never)), `TypeError: Atomic<${kind.name}>: values are bigints, got number`);
    t.end();
  });
}

for (const kind of [Float32Array, Float64Array] as const) {
  const name = kind.name;
  t.test(`${name}: add, sub, max, min by compare-and-swap; Julia's NaN and -0 rules; no bitwise operations`, (t) => {
    const a = new Atomic(kind as Float64ArrayConstructor, 1.5);
    t.equal(a.add(0.25), 1.5);
    t.equal(a.sub(0.5), 1.75);
    t.equal(a.load(), 1.25);
    t.equal(a.max(2), 1.25);
    t.equal(a.load(), 2);
    t.equal(a.min(-3), 2);
    t.equal(a.load(), -3);
    t.equal(a.max(-0), -3);
    t.ok(Object.is(a.load(), -0), "max(-3, -0) is -0");
    t.ok(Object.is(a.max(0), -0) && Object.is(a.load(), 0), "max(-0, 0) is 0: 0 is larger, as in Julia");
    t.equal(a.min(-0), 0);
    t.ok(Object.is(a.load(), -0), "min(0, -0) is -0");
    t.ok(Object.is(a.max(NaN), -0) && Number.isNaN(a.load()), "max with NaN is NaN, as Julia's max");
    t.ok(Number.isNaN(a.min(1)) && Number.isNaN(a.load()), "NaN stays through min");
    t.ok(Number.isNaN(a.cas(a.load(), 4)) && a.load() === 4, "cas compares bits: the NaN loaded matches");
    a.store(NaN);
    t.ok(Number.isNaN(a.cas(NaN, 4)) && a.load() === 4, "a stored NaN literal matches the NaN literal");
    t.equal(a.cas(4, -0), 4);
    t.equal(a.cas(0, 9), -0, "cas: 0 does not match -0");
    t.ok(Object.is(a.load(), -0));
    for (const op of ["and", "or", "xor", "nand"] as const) {
      t.equal(
        messageOf(() => a[op](1 as never)),
        `TypeError: Atomic<${name}>: ${op} is for integer kinds; a float has no bitwise ${op} (Julia has no atomic_${op}! for floats)`,
      );
    }
    t.end();
  });
}

t.test("Float32 rounds to single precision, as Julia's Atomic{Float32}", (t) => {
  const a = new Atomic(Float32Array, 0.1);
  t.equal(a.load(), Math.fround(0.1));
  t.equal(a.add(0.2), Math.fround(0.1));
  t.equal(a.load(), Math.fround(Math.fround(0.1) + 0.2));
  t.equal(a.exchange(16777217), Math.fround(Math.fround(0.1) + 0.2));
  t.equal(a.load(), 16777216, "2^24 + 1 is not a Float32");
  t.end();
});

t.test("every kind travels by name and is the same memory", (t) => {
  const kinds: AtomicKind[] = [
    Int8Array,
    Uint8Array,
    Int16Array,
    Uint16Array,
    Int32Array,
    Uint32Array,
    BigInt64Array,
    BigUint64Array,
    Float32Array,
    Float64Array,
  ];
  for (const kind of kinds) {
    const one = (kind === BigInt64Array || kind === BigUint64Array ? 1n : 1) as never;
    const a = new Atomic(kind, one);
    const [back] = decode(encode([a], { sharesMemory: true, describe: "a thread" }, true).body) as [Atomic<AtomicKind>];
    t.equal(back.kind, kind, `${kind.name} travels`);
    back.add(one);
    t.equal(String(a), `Atomic<${kind.name}>(2)`, `${kind.name}: the same cell`);
  }
  t.end();
});
