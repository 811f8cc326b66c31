// Unit tests of src/protocol/sendable.ts: what cannot cross a process boundary is refused
// before encoding, with a SerializationError naming the exact path; everything the codec
// supports is accepted.
import t from "tap";
import { DistributedError, SerializationError } from "../../src/errors.ts";
import { decode, encode } from "../../src/protocol/codec.ts";
import { registerClass } from "../../src/protocol/class-registry.ts";
import { assertSendable } from "../../src/protocol/sendable.ts";
import { caught } from "../helpers/unit.ts";

/** The assertions the helper below needs (any tap Test has them). */
interface Asserts {
  ok(value: unknown, message: string): unknown;
  equal(found: unknown, wanted: unknown, message: string): unknown;
  match(found: unknown, pattern: RegExp, message: string): unknown;
}

/** Asserts that `value` is refused at `path` with a message matching `what`. */
function refuses(t: Asserts, value: unknown, root: string, path: string, what: RegExp): void {
  const err = caught(() => assertSendable(value, root));
  t.ok(err instanceof SerializationError, `${path}: SerializationError`);
  const e = err as SerializationError;
  t.equal(e?.code, "ERR_UNSERIALIZABLE", `${path}: code`);
  t.equal(e?.path, path, `${path}: exact path`);
  t.match(String(e?.message), what, `${path}: message`);
  t.ok(String(e?.message).includes(`Cannot send ${path} `), `${path}: message names the path`);
}

t.test("SerializationError is a DistributedError with a stable code and name", (t) => {
  const err = caught(() => assertSendable(() => 1, "args[0]"));
  t.ok(err instanceof DistributedError);
  t.ok(err instanceof SerializationError);
  t.equal((err as SerializationError).name, "SerializationError");
  t.equal((err as SerializationError).code, "ERR_UNSERIALIZABLE");
  t.equal((err as SerializationError).path, "args[0]");
  t.end();
});

t.test("a function nested in objects and arrays is refused at its exact path", (t) => {
  function namedHelper(): number {
    return 1;
  }
  refuses(t, { a: { b: [1, "x", namedHelper] } }, "args[0]", "args[0].a.b[2]", /a function \(`namedHelper`\)/);
  refuses(t, [[0, [() => 1]]], "args", "args[0][1][0]", /a function \(anonymous\)/);
  refuses(t, { "my-key": { ok: 1, cb: (x: number) => x } }, "value", 'value["my-key"].cb', /a function/);
  refuses(t, { nested: { deeper: { fn: namedHelper } } }, "args[3]", "args[3].nested.deeper.fn", /everywhere/);
  refuses(t, namedHelper, "args[1]", "args[1]", /a function/);
  t.end();
});

t.test("a function inside a Map or Set is refused at its path", (t) => {
  refuses(t, { m: new Map<unknown, unknown>([["k", () => 1]]) }, "x", 'x.m.get("k")', /a function/);
  refuses(t, new Map<unknown, unknown>([[7, { f: () => 1 }]]), "x", "x.get(7).f", /a function/);
  refuses(t, new Map<unknown, unknown>([[() => 1, "v"]]), "x", "x.<key () => 1>", /a function/);
  refuses(t, new Set<unknown>([1, 2, () => 3]), "x", "x.<item 2>", /a function/);
  t.end();
});

t.test("symbols are refused, as values and as keys", (t) => {
  refuses(t, { tag: Symbol("mine") }, "x", "x.tag", /a symbol \(Symbol\(mine\)\)/);
  refuses(t, [Symbol.iterator], "x", "x[0]", /a symbol/);
  refuses(t, new Set([1, Symbol("q")]), "x", "x.<item 1>", /a symbol/);
  refuses(t, { ok: 1, [Symbol("k")]: 1 }, "x", "x[Symbol(k)]", /a symbol-keyed property/);
  refuses(t, { inner: { [Symbol.for("g")]: "v" } }, "args[0]", "args[0].inner[Symbol(g)]", /use a string key/);
  t.end();
});

t.test("an instance of an unregistered class is refused, naming the class and registerClass", (t) => {
  class Particle {
    mass = 1;
  }
  refuses(t, { p: new Particle() }, "args[0]", "args[0].p", /an instance of class Particle, which is not registered/);
  const err = caught(() => assertSendable([new Particle()], "args")) as Error;
  t.match(err.message, /registerClass\(Particle\)/, "tells how to fix it");
  refuses(t, new WeakMap(), "x", "x", /class WeakMap/);
  class Registered {
    v = 1;
  }
  registerClass(Registered);
  class UnregisteredChild extends Registered {}
  refuses(t, new UnregisteredChild(), "x", "x", /class UnregisteredChild/);
  t.end();
});

t.test("a Promise and a SharedArrayBuffer are refused with their own advice", (t) => {
  refuses(t, { later: Promise.resolve(1) }, "x", "x.later", /a Promise/);
  t.match((caught(() => assertSendable(Promise.resolve(1), "x")) as Error).message, /Await it first/);
  refuses(t, [new SharedArrayBuffer(8)], "x", "x[0]", /a SharedArrayBuffer/);
  t.end();
});

t.test("a circular structure is refused where the cycle closes", (t) => {
  const a: Record<string, unknown> = { name: "a" };
  a.self = a;
  refuses(t, a, "x", "x.self", /circular/);
  const b: Record<string, unknown> = { inner: { list: [] as unknown[] } };
  (b.inner as { list: unknown[] }).list.push(b);
  refuses(t, b, "args[0]", "args[0].inner.list[0]", /circular/);
  const m = new Map<string, unknown>();
  m.set("me", m);
  refuses(t, m, "x", 'x.get("me")', /circular/);
  const arr: unknown[] = [];
  arr.push([arr]);
  refuses(t, arr, "x", "x[0][0]", /circular/);
  t.end();
});

t.test("the same object reached twice without a cycle is accepted", (t) => {
  const shared = { v: [1, 2] };
  t.doesNotThrow(() => assertSendable({ a: shared, b: shared, list: [shared, shared], m: new Map([["s", shared]]) }, "x"));
  t.end();
});

t.test("accepts everything the codec supports", (t) => {
  const values: Array<[string, unknown]> = [
    ["number", 1.5],
    ["NaN", NaN],
    ["string", "s"],
    ["boolean", false],
    ["bigint", 2n ** 100n],
    ["undefined", undefined],
    ["null", null],
    ["Date", new Date(5)],
    ["RegExp", /x/g],
    ["Map", new Map<unknown, unknown>([[1, { a: [1] }], [{ k: 1 }, new Set([1])]])],
    ["Set", new Set([1, "a", [2]])],
    ["ArrayBuffer", new ArrayBuffer(4)],
    ["DataView", new DataView(new ArrayBuffer(4))],
    ["Int8Array", new Int8Array(2)],
    ["Uint8Array", new Uint8Array(2)],
    ["Uint8ClampedArray", new Uint8ClampedArray(2)],
    ["Int16Array", new Int16Array(2)],
    ["Uint16Array", new Uint16Array(2)],
    ["Int32Array", new Int32Array(2)],
    ["Uint32Array", new Uint32Array(2)],
    ["Float32Array", new Float32Array(2)],
    ["Float64Array", new Float64Array(2)],
    ["BigInt64Array", new BigInt64Array(2)],
    ["BigUint64Array", new BigUint64Array(2)],
    ["Buffer", Buffer.from("x")],
    ["Error", new TypeError("t", { cause: new Error("c") })],
    ["null-prototype object", Object.assign(Object.create(null) as object, { a: 1 })],
    ["sparse array", [1, , 3]],
    ["nested", { a: [{ b: new Map([["c", [new Float64Array(3), { d: 1n }]]]) }] }],
  ];
  for (const [name, value] of values) {
    t.doesNotThrow(() => assertSendable(value, "x"), name);
  }
  t.end();
});

t.test("accepts a Map whose keys are null-prototype objects (the codec sends them)", (t) => {
  const key = Object.assign(Object.create(null) as object, { id: 1 });
  const m = new Map([[key, "v"]]);
  t.same([...(decode(encode(m).body) as Map<unknown, unknown>).values()], ["v"], "the codec round-trips it");
  t.doesNotThrow(() => assertSendable(m, "x"));
  t.end();
});

t.test("accepts instances of registered classes", (t) => {
  class Vec {
    x = 1;
    y = 2;
  }
  registerClass(Vec);
  t.doesNotThrow(() => assertSendable(new Vec(), "x"));
  t.doesNotThrow(() => assertSendable({ list: [new Vec(), new Vec()], m: new Map([["v", new Vec()]]) }, "x"));
  t.end();
});

t.test("fields of a registered class (default codec) are checked like any other data", (t) => {
  // The default codec sends the instance's own properties: a function there would arrive as
  // undefined and an unregistered instance as a plain object, which is what assertSendable is for.
  class Unlisted {
    q = 1;
  }
  class Holder {
    inner: unknown = null;
    callback: unknown = null;
  }
  registerClass(Holder);
  const withFn = new Holder();
  withFn.callback = () => 1;
  refuses(t, withFn, "x", "x.callback", /a function/);
  const withInstance = new Holder();
  withInstance.inner = new Unlisted();
  refuses(t, withInstance, "x", "x.inner", /class Unlisted/);
  t.end();
});
