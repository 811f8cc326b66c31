// Atomic in one thread: the operations' return values, every kind, wrap-around, the exact
// TypeErrors for wrong kinds and wrong value types, and the codec (by reference to a target
// that shares memory, refused to a separate process). Atomics across threads are checked in
// test/cluster/threads.test.ts.
import t from "tap";
import { Atomic, SharedMemoryError } from "../../src/mod.ts";
import { decode, encode } from "../../src/protocol/codec.ts";
import { caught } from "../helpers/unit.ts";

function messageOf(fn: () => unknown): string {
  const err = caught(fn);
  return err instanceof Error ? `${err.constructor.name}: ${err.message}` : `no error (${String(err)})`;
}

t.test("Int32: load, store, add, sub, exchange return what Julia's do", (t) => {
  const x = new Atomic();
  t.equal(x.kind, Int32Array, "the default kind is Int32Array");
  t.equal(x.load(), 0, "starts at 0");
  t.type(x.buffer, SharedArrayBuffer);
  t.equal(x.buffer.byteLength, 8);
  t.equal(x.store(5), 5, "store returns the value stored");
  t.equal(x.add(3), 5, "add returns the value before");
  t.equal(x.load(), 8);
  t.equal(x.sub(10), 8, "sub returns the value before");
  t.equal(x.load(), -2);
  t.equal(x.exchange(40), -2, "exchange returns the value before");
  t.equal(x.load(), 40);
  t.equal(+x, 40, "valueOf is load()");
  t.equal(String(x), "Atomic<Int32Array>(40)");
  x.store(2 ** 31 - 1);
  t.equal(x.add(1), 2 ** 31 - 1);
  t.equal(x.load(), -(2 ** 31), "Int32 wraps around as the CPU does");
  t.equal(new Atomic(Int32Array, -7).load(), -7, "an initial value");
  t.end();
});

t.test("cas returns the old value and swaps only on a match", (t) => {
  const x = new Atomic(Int32Array, 5);
  t.equal(x.cas(4, 9), 5, "a miss returns the current value");
  t.equal(x.load(), 5, "a miss leaves the value");
  t.equal(x.cas(5, 9), 5, "a hit returns the old value");
  t.equal(x.load(), 9, "a hit swaps");
  t.equal(x.cas(5, 1), 9, "the expected value is compared with the current one, not the first");
  t.equal(x.load(), 9);

  const f = new Atomic(Float64Array, 1.25);
  t.equal(f.cas(1.5, 2), 1.25);
  t.equal(f.load(), 1.25);
  t.equal(f.cas(1.25, 2.75), 1.25);
  t.equal(f.load(), 2.75);

  const b = new Atomic(BigInt64Array, 10n);
  t.equal(b.cas(11n, 0n), 10n);
  t.equal(b.load(), 10n);
  t.equal(b.cas(10n, -1n), 10n);
  t.equal(b.load(), -1n);
  t.end();
});

t.test("Float64: exact adds of binary fractions, old values returned", (t) => {
  const f = new Atomic(Float64Array, 0.5);
  t.equal(f.add(0.25), 0.5);
  t.equal(f.load(), 0.75);
  t.equal(f.sub(1), 0.75);
  t.equal(f.load(), -0.25);
  for (let k = 0; k < 1000; k++) f.add(0.25);
  t.equal(f.load(), 249.75, "1000 adds of 0.25, exactly");
  t.equal(f.exchange(Math.PI), 249.75);
  t.equal(f.load(), Math.PI, "all 64 bits kept");
  f.store(Number.POSITIVE_INFINITY);
  t.equal(f.load(), Number.POSITIVE_INFINITY);
  f.store(-0);
  t.ok(Object.is(f.load(), -0), "-0 is kept");
  t.equal(String(new Atomic(Float64Array, 1.5)), "Atomic<Float64Array>(1.5)");
  t.end();
});

t.test("Uint32, BigInt64 and BigUint64", (t) => {
  const u = new Atomic(Uint32Array);
  t.equal(u.sub(1), 0);
  t.equal(u.load(), 4294967295, "Uint32 wraps below 0");
  t.equal(String(u), "Atomic<Uint32Array>(4294967295)");

  const b = new Atomic(BigInt64Array, 2n ** 40n);
  t.equal(b.add(3n), 2n ** 40n);
  t.equal(b.load(), 2n ** 40n + 3n);
  t.equal(b.sub(2n ** 41n), 2n ** 40n + 3n);
  t.equal(b.load(), -(2n ** 40n) + 3n);
  t.equal(String(b), `Atomic<BigInt64Array>(${-(2n ** 40n) + 3n})`);

  const ub = new Atomic(BigUint64Array);
  t.equal(ub.sub(1n), 0n);
  t.equal(ub.load(), 2n ** 64n - 1n, "BigUint64 wraps below 0");
  t.equal(ub.exchange(7n), 2n ** 64n - 1n);
  t.equal(ub.load(), 7n);
  t.end();
});

t.test("wrong kinds and wrong value types: TypeErrors with exact messages", (t) => {
  const kinds =
    "Int8Array, Uint8Array, Int16Array, Uint16Array, Int32Array, Uint32Array, BigInt64Array, BigUint64Array, Float32Array or Float64Array";
  t.equal(messageOf(() => new Atomic(Uint8ClampedArray as never)), `TypeError: Atomic: the kind must be ${kinds}, got Uint8ClampedArray`);
  t.equal(messageOf(() => new Atomic(Array as never)), `TypeError: Atomic: the kind must be ${kinds}, got Array`);
  t.equal(messageOf(() => new Atomic(null as never)), `TypeError: Atomic: the kind must be ${kinds}, got null`);
  t.equal(messageOf(() => new Atomic("Int32Array" as never)), `TypeError: Atomic: the kind must be ${kinds}, got string`);
  t.equal(
    messageOf(() => new Atomic(Int32Array, 0, new SharedArrayBuffer(4))),
    "TypeError: Atomic: buffer must be a SharedArrayBuffer (or another Atomic's buffer) of at least 8 bytes",
  );
  t.equal(
    messageOf(() => new Atomic(Int32Array, 0, new ArrayBuffer(8) as never)),
    "TypeError: Atomic: buffer must be a SharedArrayBuffer (or another Atomic's buffer) of at least 8 bytes",
  );

  const i = new Atomic(Int32Array, 3);
  t.equal(messageOf(() => i.add(1n as never)), "TypeError: Atomic<Int32Array>: values are numbers, got bigint");
  t.equal(messageOf(() => i.store("4" as never)), "TypeError: Atomic<Int32Array>: values are numbers, got string");
  t.equal(messageOf(() => i.cas(3, undefined as never)), "TypeError: Atomic<Int32Array>: values are numbers, got undefined");
  t.equal(messageOf(() => i.cas(3n as never, 4)), "TypeError: Atomic<Int32Array>: values are numbers, got bigint");
  t.equal(messageOf(() => i.exchange(null as never)), "TypeError: Atomic<Int32Array>: values are numbers, got object");
  t.equal(
    messageOf(() => new Atomic(Int32Array, 1n as never)),
    "TypeError: Atomic<Int32Array>: values are numbers, got bigint",
    "the initial value too",
  );
  t.equal(i.load(), 3, "nothing was changed by the refused calls");

  const f = new Atomic(Float64Array);
  t.equal(messageOf(() => f.sub(true as never)), "TypeError: Atomic<Float64Array>: values are numbers, got boolean");
  const b = new Atomic(BigInt64Array);
  t.equal(messageOf(() => b.add(1 as never)), "TypeError: Atomic<BigInt64Array>: values are bigints, got number");
  t.equal(messageOf(() => b.store(1.5 as never)), "TypeError: Atomic<BigInt64Array>: values are bigints, got number");
  const ub = new Atomic(BigUint64Array);
  t.equal(messageOf(() => ub.exchange("1" as never)), "TypeError: Atomic<BigUint64Array>: values are bigints, got string");
  const u = new Atomic(Uint32Array);
  t.equal(messageOf(() => u.add(2n as never)), "TypeError: Atomic<Uint32Array>: values are numbers, got bigint");
  t.end();
});

t.test("two Atomics on one buffer are one cell", (t) => {
  const a = new Atomic(Int32Array, 4);
  const b = new Atomic(Int32Array, undefined, a.buffer);
  t.equal(b.load(), 4, "no initial value: the buffer's value is kept");
  b.add(1);
  t.equal(a.load(), 5);
  t.end();
});

t.test("the codec: by reference to a target that shares memory, refused to a separate process", (t) => {
  const a = new Atomic(Float64Array, 0.5);
  const encoded = encode([a], { sharesMemory: true, describe: "a thread" }, true);
  t.equal(encoded.shared.length, 1);
  const [back] = decode(encoded.body) as [Atomic<Float64ArrayConstructor>];
  t.type(back, Atomic);
  t.not(back, a);
  t.equal(back.kind, Float64Array, "the kind travels");
  t.equal(back.buffer, a.buffer, "the same memory");
  back.add(0.25);
  t.equal(a.load(), 0.75, "an add through the decoded Atomic is seen in the original");

  const err = caught(() => encode({ a }, { sharesMemory: false, describe: "worker 9" }, true));
  t.type(err, SharedMemoryError);
  t.equal((err as SharedMemoryError).code, "ERR_SHARED_MEMORY_NOT_PARTICIPANT");
  t.match(
    (err as Error).message,
    /^An Atomic<Float64Array>\(0\.75\) cannot be sent to worker 9: it is a separate process, not one of the participants \(1\)/,
  );
  t.same(a.pids, [1], "alone, the participants are this process");
  t.equal(a.mapped, false, "among threads only: a SharedArrayBuffer");
  t.end();
});
