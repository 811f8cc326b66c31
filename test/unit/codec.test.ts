// Unit tests of src/protocol/codec.ts. Values go through the whole pure path a message takes:
// encode -> encodeFrame -> FrameReader -> decode(frame.body, frame), so large binary values are
// resolved against the frame they arrived in, as on a real connection.
import t from "tap";
import { ProtocolError } from "../../src/errors.ts";
import { decode, encode, SEGMENT_MIN_BYTES } from "../../src/protocol/codec.ts";
import { registerClass } from "../../src/protocol/class-registry.ts";
import type { Encoded } from "../../src/protocol/codec.ts";
import { encodeFrame, FrameReader } from "../../src/protocol/frame.ts";
import type { Frame } from "../../src/protocol/frame.ts";
import { caught, concat } from "../helpers/unit.ts";

interface Trip {
  value: unknown;
  frame: Frame;
  encoded: Encoded;
}

function toFrame(encoded: Encoded): Frame {
  const frames = new FrameReader(1 << 30).push(concat(encodeFrame(11, 1, encoded.body, encoded.segments)));
  if (frames.length !== 1) throw new Error(`expected one frame, got ${frames.length}`);
  return frames[0]!;
}

function trip(value: unknown): Trip {
  const encoded = encode(value);
  const frame = toFrame(encoded);
  return { value: decode(frame.body, frame), frame, encoded };
}

function roundTrip(value: unknown): unknown {
  return trip(value).value;
}

type AnyTyped =
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

interface TypedCase {
  name: string;
  make: (n: number) => AnyTyped;
  size: number;
}

// Values chosen to exercise sign, fractions and the full range of each type.
const TYPED: TypedCase[] = [
  { name: "Int8Array", size: 1, make: (n) => Int8Array.from({ length: n }, (_, i) => ((i * 37) % 256) - 128) },
  { name: "Uint8Array", size: 1, make: (n) => Uint8Array.from({ length: n }, (_, i) => (i * 37) % 256) },
  { name: "Uint8ClampedArray", size: 1, make: (n) => Uint8ClampedArray.from({ length: n }, (_, i) => (i * 53) % 256) },
  { name: "Int16Array", size: 2, make: (n) => Int16Array.from({ length: n }, (_, i) => ((i * 7919) % 65536) - 32768) },
  { name: "Uint16Array", size: 2, make: (n) => Uint16Array.from({ length: n }, (_, i) => (i * 7919) % 65536) },
  { name: "Int32Array", size: 4, make: (n) => Int32Array.from({ length: n }, (_, i) => (i * 2654435761) | 0) },
  { name: "Uint32Array", size: 4, make: (n) => Uint32Array.from({ length: n }, (_, i) => (i * 2654435761) >>> 0) },
  { name: "Float32Array", size: 4, make: (n) => Float32Array.from({ length: n }, (_, i) => i * 0.25 - 1000.5) },
  { name: "Float64Array", size: 8, make: (n) => Float64Array.from({ length: n }, (_, i) => i * Math.PI - 1e6) },
  { name: "BigInt64Array", size: 8, make: (n) => BigInt64Array.from({ length: n }, (_, i) => BigInt(i) * -1234567890123n) },
  { name: "BigUint64Array", size: 8, make: (n) => BigUint64Array.from({ length: n }, (_, i) => 2n ** 63n + BigInt(i) * 98765432109n) },
];

function sameContents(a: ArrayBufferView, b: ArrayBufferView): boolean {
  if (a.byteLength !== b.byteLength) return false;
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
}

t.test("small typed arrays travel inline and keep their type and values", (t) => {
  for (const c of TYPED) {
    const original = c.make(7);
    const { value, encoded } = trip(original);
    t.equal(encoded.segments.length, 0, `${c.name}: no segment`);
    t.equal((value as object).constructor.name, c.name, `${c.name}: type kept`);
    t.equal((value as AnyTyped).length, 7, `${c.name}: length kept`);
    t.ok(sameContents(value as AnyTyped, original), `${c.name}: values kept`);
    t.same(Array.from(value as ArrayLike<unknown>), Array.from(original as ArrayLike<unknown>), `${c.name}: same elements`);
  }
  t.end();
});

t.test("empty typed arrays keep their type", (t) => {
  for (const c of TYPED) {
    const value = roundTrip(c.make(0)) as AnyTyped;
    t.equal(value.constructor.name, c.name);
    t.equal(value.length, 0);
  }
  t.end();
});

t.test("large typed arrays travel as segments and decode as views into the frame (no copy)", (t) => {
  for (const c of TYPED) {
    const n = SEGMENT_MIN_BYTES / c.size + 3;
    const original = c.make(n);
    const { value, frame, encoded } = trip(original);
    const v = value as AnyTyped;
    t.equal(encoded.segments.length, 1, `${c.name}: one segment`);
    t.equal(encoded.segments[0]!.byteLength, original.byteLength, `${c.name}: the segment holds the raw bytes`);
    t.ok(encoded.body.byteLength < 64, `${c.name}: the body does not contain the data`);
    t.equal(v.constructor.name, c.name, `${c.name}: type kept`);
    t.equal(v.length, n, `${c.name}: length kept`);
    t.ok(sameContents(v, original), `${c.name}: values kept`);
    t.equal(v.buffer, frame.bytes.buffer, `${c.name}: a view into the received frame`);
    t.equal(v.byteOffset % c.size, 0, `${c.name}: aligned for its element size`);
  }
  t.end();
});

t.test("a typed array exactly at the segment threshold travels as a segment, one byte less travels inline", (t) => {
  t.equal(trip(new Uint8Array(SEGMENT_MIN_BYTES)).encoded.segments.length, 1);
  t.equal(trip(new Uint8Array(SEGMENT_MIN_BYTES - 1)).encoded.segments.length, 0);
  t.end();
});

t.test("subarray views with offsets send only the viewed bytes", (t) => {
  const backing = new ArrayBuffer(64);
  const full = new Int32Array(backing);
  for (let i = 0; i < full.length; i++) full[i] = i * 10 - 3;
  const small = new Int32Array(backing, 8, 3);
  const s = roundTrip(small) as Int32Array;
  t.ok(s instanceof Int32Array);
  t.same([...s], [17, 27, 37]);
  t.equal(s.byteLength, 12, "only the view's bytes");

  const big = Float64Array.from({ length: 10000 }, (_, i) => i + 0.5);
  const view = big.subarray(100, 100 + 4000); // 32000 bytes: a segment
  const { value, encoded } = trip(view);
  const v = value as Float64Array;
  t.equal(encoded.segments[0]!.byteLength, 32000, "the segment holds the view, not the whole buffer");
  t.equal(v.length, 4000);
  t.equal(v[0], 100.5);
  t.equal(v[3999], 4099.5);

  const bytes = Uint8Array.from({ length: 40000 }, (_, i) => i % 251);
  const odd = bytes.subarray(3, 3 + 20001); // starts at an odd offset, odd length
  const o = roundTrip(odd) as Uint8Array;
  t.ok(o instanceof Uint8Array);
  t.ok(sameContents(o, odd));
  t.end();
});

t.test("several large arrays of odd sizes in one value each land aligned in the frame", (t) => {
  const a = Float64Array.from({ length: 3000 }, (_, i) => i / 3);
  const b = Int16Array.from({ length: 8195 }, (_, i) => i - 4000); // 16390 bytes: not a multiple of 8
  const c = Uint8Array.from({ length: 16385 }, (_, i) => i % 256);
  const d = BigInt64Array.from({ length: 2100 }, (_, i) => BigInt(i) - 50n);
  const e = Float32Array.from({ length: 4097 }, (_, i) => i / 4);
  const { value, frame, encoded } = trip({ a, list: [b, c], m: new Map([["d", d]]), e });
  const v = value as { a: Float64Array; list: [Int16Array, Uint8Array]; m: Map<string, BigInt64Array>; e: Float32Array };
  t.equal(encoded.segments.length, 5);
  const got = [v.a, v.list[0], v.list[1], v.m.get("d")!, v.e];
  const want = [a, b, c, d, e];
  for (let i = 0; i < want.length; i++) {
    t.equal(got[i]!.constructor, want[i]!.constructor, `value ${i}: type`);
    t.ok(sameContents(got[i]!, want[i]!), `value ${i}: contents`);
    t.equal(got[i]!.buffer, frame.bytes.buffer, `value ${i}: view into the frame`);
  }
  t.end();
});

t.test("the same large array twice in a value decodes twice correctly", (t) => {
  const a = Float64Array.from({ length: 3000 }, (_, i) => i * 2);
  const v = roundTrip([a, a]) as [Float64Array, Float64Array];
  t.ok(sameContents(v[0], a));
  t.ok(sameContents(v[1], a));
  t.end();
});

t.test("ArrayBuffer keeps its type and bytes, small and large", (t) => {
  const small = Uint8Array.from([1, 2, 3, 250]).buffer;
  const s = roundTrip(small);
  t.ok(s instanceof ArrayBuffer, "small: ArrayBuffer");
  t.same([...new Uint8Array(s as ArrayBuffer)], [1, 2, 3, 250]);

  const large = Uint8Array.from({ length: 20000 }, (_, i) => (i * 7) % 256).buffer;
  const { value, encoded } = trip(large);
  t.equal(encoded.segments.length, 1, "large: a segment");
  t.ok(value instanceof ArrayBuffer, "large: ArrayBuffer");
  t.equal((value as ArrayBuffer).byteLength, 20000);
  t.ok(sameContents(new Uint8Array(value as ArrayBuffer), new Uint8Array(large)));

  const empty = roundTrip(new ArrayBuffer(0));
  t.ok(empty instanceof ArrayBuffer);
  t.equal((empty as ArrayBuffer).byteLength, 0);
  t.end();
});

t.test("DataView keeps its type, range and bytes, small and large", (t) => {
  const backing = new ArrayBuffer(16);
  new Uint8Array(backing).set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
  const small = new DataView(backing, 3, 6);
  const s = roundTrip(small) as DataView;
  t.ok(s instanceof DataView, "small: DataView");
  t.equal(s.byteLength, 6);
  t.equal(s.getUint8(0), 3);
  t.equal(s.getUint16(1), 0x0405);

  const bigBacking = new ArrayBuffer(30000);
  const bigView = new DataView(bigBacking, 5, 20000);
  for (let i = 0; i < 20000; i += 4) bigView.setUint32(i, i * 3);
  const { value, encoded } = trip(bigView);
  const v = value as DataView;
  t.equal(encoded.segments.length, 1, "large: a segment");
  t.ok(v instanceof DataView, "large: DataView");
  t.equal(v.byteLength, 20000);
  t.equal(v.getUint32(0), 0);
  t.equal(v.getUint32(19996), 19996 * 3);
  t.end();
});

t.test("Buffer (a Uint8Array subclass) arrives with its bytes", (t) => {
  const v = roundTrip(Buffer.from("héllo"));
  t.ok(v instanceof Uint8Array);
  t.equal(Buffer.from(v as Uint8Array).toString(), "héllo");
  t.end();
});

t.test("mutating a large array right after encode does not change what was encoded", (t) => {
  const a = Float64Array.from({ length: 5000 }, (_, i) => i);
  const buf = Uint8Array.from({ length: 20000 }, (_, i) => i % 256).buffer;
  const encoded = encode({ a, buf });
  a.fill(-1);
  new Uint8Array(buf).fill(0);
  const frame = toFrame(encoded);
  const v = decode(frame.body, frame) as { a: Float64Array; buf: ArrayBuffer };
  t.equal(v.a[0], 0);
  t.equal(v.a[4999], 4999);
  t.equal(new Uint8Array(v.buf)[1000], 1000 % 256);
  t.end();
});

t.test("a body stays valid after later encodes (encoder buffers are not reused under it)", (t) => {
  const sizes = [10, 3000, 5000, 9000, 15000, 70000, 200000];
  const kept: Array<{ encoded: Encoded; s: string }> = [];
  for (let round = 0; round < 3; round++) {
    for (const size of sizes) {
      const s = String.fromCharCode(97 + ((round * 7 + size) % 26)).repeat(size);
      kept.push({ encoded: encode({ s, small: new Uint8Array(size % 4000) }), s });
    }
  }
  const bad = kept.filter(({ encoded, s }) => (decode(encoded.body) as { s: string }).s !== s).length;
  t.equal(bad, 0, "every body still decodes to what was encoded");
  t.end();
});

t.test("a body that refers to a segment needs its frame", (t) => {
  const encoded = encode(new Float64Array(4000));
  const err = caught(() => decode(encoded.body));
  t.ok(err instanceof TypeError);
  t.match((err as Error).message, /without its frame segments/);
  const err2 = caught(() => decode(encoded.body, { bytes: new Uint8Array(64), segmentsStart: 8 }));
  t.ok(err2 instanceof RangeError, "a segment beyond the frame is refused");
  t.end();
});

t.test("Map, Set, Date and RegExp round trip", (t) => {
  const key = { k: 1 };
  const m = roundTrip(new Map<unknown, unknown>([[1, "one"], ["two", 2], [key, [3]], [true, null]])) as Map<unknown, unknown>;
  t.ok(m instanceof Map);
  t.equal(m.size, 4);
  t.equal(m.get(1), "one", "number keys stay numbers");
  t.equal(m.get("two"), 2);
  t.equal(m.get(true), null);
  const objKey = [...m.keys()][2];
  t.same(objKey, { k: 1 }, "object keys survive");
  t.same(m.get(objKey), [3]);

  const s = roundTrip(new Set<unknown>([1, "1", 2n, null])) as Set<unknown>;
  t.ok(s instanceof Set);
  t.same([...s], [1, "1", 2n, null]);

  for (const ms of [0, 1700000000123, -1e12 + 123, 8.64e15]) {
    const d = roundTrip(new Date(ms));
    t.ok(d instanceof Date);
    t.equal((d as Date).getTime(), ms, `Date ${ms}`);
  }
  t.ok(Number.isNaN((roundTrip(new Date(NaN)) as Date).getTime()), "an invalid Date stays invalid");

  const r = roundTrip(/a(b+)c/gi) as RegExp;
  t.ok(r instanceof RegExp);
  t.equal(r.source, "a(b+)c");
  t.equal(r.flags, "gi");
  t.end();
});

t.test("BigInt of any size keeps its type and value", (t) => {
  const values = [
    0n,
    1n,
    -1n,
    -5n,
    255n,
    2n ** 31n,
    2n ** 53n + 1n,
    2n ** 63n - 1n,
    -(2n ** 63n),
    2n ** 63n,
    2n ** 64n - 1n,
    2n ** 64n,
    2n ** 100n + 7n,
    -(2n ** 70n) - 3n,
    10n ** 50n,
  ];
  for (const b of values) {
    const v = roundTrip(b);
    t.equal(typeof v, "bigint", `${b}: bigint`);
    t.equal(v, b, `${b}: value`);
  }
  t.same(roundTrip({ big: [2n ** 80n, -3n] }), { big: [2n ** 80n, -3n] }, "nested");
  t.end();
});

t.test("numbers stay numbers (large integers are not turned into BigInt)", (t) => {
  for (
    const n of [
      0,
      1,
      -1,
      255,
      2 ** 31,
      2 ** 32 + 1,
      2 ** 40,
      -(2 ** 40),
      Number.MAX_SAFE_INTEGER,
      Number.MIN_SAFE_INTEGER,
      2 ** 53,
      2 ** 64,
      0.1,
      -1e-300,
      1e308,
      Infinity,
      -Infinity,
    ]
  ) {
    const v = roundTrip(n);
    t.equal(typeof v, "number", `${n}: number`);
    t.equal(v, n, `${n}: value`);
  }
  t.ok(Number.isNaN(roundTrip(NaN)), "NaN");
  t.end();
});

t.test("strings, booleans and null round trip", (t) => {
  for (const v of ["", "a", "héllo wörld ✓ 𝄞", "x".repeat(100000), true, false, null]) {
    t.equal(roundTrip(v), v);
  }
  t.end();
});

t.test("undefined survives at top level and nested", (t) => {
  t.equal(roundTrip(undefined), undefined, "top level");
  const o = roundTrip({ a: undefined, b: 1 }) as Record<string, unknown>;
  t.ok("a" in o, "the key of an undefined property is kept");
  t.equal(o.a, undefined);
  t.equal(o.b, 1);
  const arr = roundTrip([undefined, 1, undefined]) as unknown[];
  t.equal(arr.length, 3);
  t.equal(arr[0], undefined);
  t.equal(arr[2], undefined);
  const m = roundTrip(new Map([["u", undefined]])) as Map<string, unknown>;
  t.ok(m.has("u"));
  t.equal(m.get("u"), undefined);
  t.end();
});

t.test("nested structures of every supported kind round trip", (t) => {
  const value = {
    name: "run",
    n: 3,
    list: [1, "two", [3, [4, { five: 5 }]], null, true],
    map: new Map<string, unknown>([
      ["set", new Set([1, 2, 3])],
      ["dates", [new Date(1000), new Date(2000)]],
      ["arr", new Float32Array([1.5, 2.5])],
    ]),
    deep: { a: { b: { c: { d: { e: [new Int16Array([-1, 1])] } } } } },
    big: 2n ** 70n,
    empty: { o: {}, a: [], m: new Map(), s: new Set() },
    "non-identifier key": 1,
  };
  t.same(roundTrip(value), value);
  const records = Array.from({ length: 100 }, (_, i) => ({ id: i, label: `item ${i}`, tags: ["a", "b"], score: i / 3 }));
  t.same(roundTrip(records), records, "many objects of the same shape");
  const nullProto = Object.assign(Object.create(null) as Record<string, unknown>, { x: 1 });
  t.same(roundTrip(nullProto), { x: 1 }, "a null-prototype object arrives as a plain object");
  t.end();
});

t.test("Errors keep name, message, stack, code and an Error cause", (t) => {
  const inner = new RangeError("inner problem");
  const err = new TypeError("outer problem", { cause: inner }) as TypeError & { code?: string };
  err.code = "E_OUTER";
  const v = roundTrip(err) as TypeError & { code?: string; cause?: unknown };
  t.ok(v instanceof TypeError, "class kept for builtin errors");
  t.equal(v.name, "TypeError");
  t.equal(v.message, "outer problem");
  t.equal(v.stack, err.stack, "stack kept verbatim");
  t.equal(v.code, "E_OUTER");
  t.ok(v.cause instanceof RangeError, "cause is an Error of the same class");
  t.equal((v.cause as Error).message, "inner problem");
  t.equal((v.cause as Error).stack, inner.stack);

  for (const Ctor of [Error, SyntaxError, ReferenceError, EvalError, URIError]) {
    const e = roundTrip(new Ctor("m"));
    t.ok(e instanceof Ctor, `${Ctor.name} kept`);
  }
  t.end();
});

t.test("custom error names and codes survive; cause chains survive", (t) => {
  class ParseFailure extends Error {
    constructor(message: string, options?: { cause?: unknown }) {
      super(message, options);
      this.name = "ParseFailure";
    }
  }
  const deepest = new Error("disk");
  const mid = new ParseFailure("bad token", { cause: deepest });
  const top = new Error("load failed", { cause: mid });
  const v = roundTrip({ error: top, list: [new ProtocolError("refused", "ERR_BAD_FRAME")] }) as { error: Error; list: Error[] };
  t.ok(v.error instanceof Error);
  t.equal(v.error.message, "load failed");
  const c1 = v.error.cause as Error;
  t.equal(c1.name, "ParseFailure", "custom name kept");
  t.equal(c1.message, "bad token");
  t.equal(c1.stack, mid.stack);
  t.equal((c1.cause as Error).message, "disk", "second-level cause kept");
  const pe = v.list[0] as Error & { code?: string };
  t.equal(pe.name, "ProtocolError");
  t.equal(pe.code, "ERR_BAD_FRAME");
  t.equal(pe.message, "refused");
  t.end();
});

t.test("registerClass with the default codec keeps the prototype and fields", (t) => {
  class Point {
    x: number;
    y: number;
    constructor(x = 0, y = 0) {
      this.x = x;
      this.y = y;
    }
    norm(): number {
      return Math.hypot(this.x, this.y);
    }
  }
  registerClass(Point);
  const p = roundTrip(new Point(3, 4)) as Point;
  t.ok(p instanceof Point, "prototype kept");
  t.equal(p.norm(), 5);
  t.same(Object.keys(p), ["x", "y"]);
  const nested = roundTrip({ list: [new Point(1, 1)], m: new Map([["p", new Point(6, 8)]]) }) as { list: Point[]; m: Map<string, Point> };
  t.ok(nested.list[0] instanceof Point, "inside an array");
  t.equal(nested.m.get("p")!.norm(), 10, "inside a Map");
  t.doesNotThrow(() => registerClass(Point), "registering the same class again is allowed");
  t.ok(roundTrip(new Point(1, 2)) instanceof Point, "still works after re-registering");
  t.end();
});

t.test("registered class fields may hold large arrays (segments)", (t) => {
  class Samples {
    data: Float64Array;
    constructor(data: Float64Array) {
      this.data = data;
    }
  }
  registerClass(Samples);
  const data = Float64Array.from({ length: 5000 }, (_, i) => i * 2);
  const { value, encoded, frame } = trip(new Samples(data));
  t.ok(value instanceof Samples);
  t.equal(encoded.segments.length, 1);
  t.ok(sameContents((value as Samples).data, data));
  t.equal((value as Samples).data.buffer, frame.bytes.buffer);
  t.end();
});

t.test("registerClass with a custom encode/decode", (t) => {
  class Temperature {
    #kelvin: number;
    constructor(kelvin: number) {
      this.#kelvin = kelvin;
    }
    get kelvin(): number {
      return this.#kelvin;
    }
  }
  const seen: unknown[] = [];
  registerClass(Temperature, {
    encode: (temp) => {
      seen.push(temp);
      return [temp.kelvin, "K"];
    },
    decode: (data) => new Temperature((data as [number, string])[0]),
  });
  const original = new Temperature(273.15);
  const v = roundTrip([original]) as Temperature[];
  t.equal(seen[0], original, "encode receives the instance");
  t.ok(v[0] instanceof Temperature);
  t.equal(v[0]!.kelvin, 273.15, "private state rebuilt by decode");
  t.end();
});

t.test("registerClass name collisions and bad arguments are TypeErrors", (t) => {
  const First = (() => {
    return class Twin {
      a = 1;
    };
  })();
  const Second = (() => {
    return class Twin {
      b = 2;
    };
  })();
  registerClass(First);
  const err = caught(() => registerClass(Second));
  t.ok(err instanceof TypeError, "same name, different class");
  t.match((err as Error).message, /"Twin"/);
  t.match((err as Error).message, /\{ name \}/, "tells to pass { name }");

  registerClass(Second, { name: "Twin2" });
  const a = roundTrip(new First());
  const b = roundTrip(new Second());
  t.ok(a instanceof First, "the first keeps its prototype");
  t.ok(b instanceof Second, "the renamed one keeps its own prototype");

  const anonymous = (() => class {})();
  t.equal(anonymous.name, "");
  const err2 = caught(() => registerClass(anonymous));
  t.ok(err2 instanceof TypeError, "anonymous class without { name }");
  t.match((err2 as Error).message, /name/);
  t.doesNotThrow(() => registerClass(anonymous, { name: "Anon1" }), "anonymous class with { name }");
  t.ok(roundTrip(new anonymous()) instanceof anonymous);

  const err3 = caught(() => registerClass(42 as never));
  t.ok(err3 instanceof TypeError, "not a class");
  t.match((err3 as Error).message, /expects a class/);
  t.end();
});

t.test("an instance of a class not registered on the receiving side is a clear TypeError", (t) => {
  class OnlyOnSender {
    v = 1;
  }
  registerClass(OnlyOnSender, { name: "SenderOnlyName" });
  const { body } = encode({ wrapped: [new OnlyOnSender()] });
  // Same length, so the msgpack string header stays valid: the receiver sees a name it never registered.
  const text = Buffer.from(body).toString("latin1");
  t.ok(text.includes("SenderOnlyName"), "the class name travels in the body");
  const renamed = new Uint8Array(Buffer.from(text.replace("SenderOnlyName", "NeverHeardOfIt"), "latin1"));
  const err = caught(() => decode(renamed));
  t.ok(err instanceof TypeError, "TypeError");
  t.match((err as Error).message, /NeverHeardOfIt/, "names the class");
  t.match((err as Error).message, /not registered/);
  t.match((err as Error).message, /registerClass\(NeverHeardOfIt\)/, "tells to call registerClass");
  t.end();
});

t.test("a registered subclass keeps its prototype when registered after its base", (t) => {
  class Shape {
    sides = 0;
  }
  class Square extends Shape {
    side = 2;
    area(): number {
      return this.side * this.side;
    }
  }
  registerClass(Shape);
  registerClass(Square);
  const v = roundTrip([new Square(), new Shape()]) as [Square, Shape];
  t.ok(v[0] instanceof Square, "subclass");
  t.equal(v[0].area(), 4);
  t.ok(v[1] instanceof Shape, "base");
  t.notOk(v[1] instanceof Square, "a base instance does not become a subclass");
  t.end();
});

t.test("a registered subclass keeps its prototype when registered before its base", (t) => {
  // Registration order is up to the user (e.g. two modules loaded with everywhere in any order).
  class Animal {
    legs = 4;
  }
  class Bird extends Animal {
    wings = 2;
    fly(): string {
      return "flap";
    }
  }
  registerClass(Bird);
  registerClass(Animal);
  const v = roundTrip(new Bird()) as Bird;
  t.ok(v instanceof Bird, "decoded as Bird, not Animal");
  t.equal(typeof v.fly, "function");
  t.equal(v.constructor, Bird);
  t.end();
});
