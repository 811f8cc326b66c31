// Unit tests of src/code/function-spec.ts and src/code/capture.ts: how a function travels, the
// free-name check at the call site, and what the receiving side resolves. The shared Main is
// used as a worker's would be (this process plays both ends); only names made up here are added.
import t from "tap";
import { capture, capturedOf } from "../../src/code/capture.ts";
import { checkFreeNames, noteRemoteNames, registerSystemFunction, resolveSpec, toSpec } from "../../src/code/function-spec.ts";
import type { FnSpec } from "../../src/code/function-spec.ts";
import { Main } from "../../src/code/main-scope.ts";
import { DistributedError, SerializationError, UndefinedNameError } from "../../src/errors.ts";
import { decode, encode } from "../../src/protocol/codec.ts";
import { encodeFrame, FrameReader } from "../../src/protocol/frame.ts";
import { caught } from "../helpers/unit.ts";

async function resolved(spec: FnSpec): Promise<(...args: never[]) => unknown> {
  return (await resolveSpec(spec)) as (...args: never[]) => unknown;
}

/** Sends a spec through the codec and a frame, as a CALL message body would go. */
function overTheWire(spec: FnSpec): FnSpec {
  const { body, segments } = encode(spec);
  const chunks = encodeFrame(11, 1, body, segments);
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.byteLength;
  }
  const frame = new FrameReader(1 << 24).push(all)[0]!;
  return decode(frame.body, frame) as FnSpec;
}

t.test("a source function travels as ['s', source] and resolves to a working function", async (t) => {
  const add = (a: number, b: number): number => a + b;
  const spec = toSpec(add, "remotecall");
  t.same(spec, ["s", add.toString()]);
  const f = await resolved(overTheWire(spec));
  t.not(f, add, "a new function compiled on the receiving side");
  t.equal((f as (a: number, b: number) => number)(2, 3), 5);
  t.equal(await resolved(spec), f, "compiled once, then cached");
  t.end();
});

t.test("other kinds of functions round trip", async (t) => {
  const o = {
    scaled(x: number): number {
      return x * 4;
    },
  };
  const mSpec = toSpec(o.scaled, "pmap");
  t.equal(mSpec[0], "s");
  t.equal(((await resolved(overTheWire(mSpec))) as (x: number) => number)(2), 8, "method shorthand");
  async function later(x: number): Promise<number> {
    return x + Math.max(1, 0);
  }
  const aSpec = toSpec(later, "remotecall");
  t.equal(await ((await resolved(overTheWire(aSpec))) as (x: number) => Promise<number>)(1), 2, "async function using a JS global");
  t.end();
});

t.test("JavaScript globals are allowed in shipped source", (t) => {
  const fn = (xs: number[]): string =>
    JSON.stringify(xs.map((x) => Math.sqrt(x))) + String(new Date(0).getTime()) + typeof setTimeout + typeof globalThis;
  t.doesNotThrow(() => toSpec(fn, "remotecall"));
  t.doesNotThrow(() =>
    checkFreeNames("() => [Array, Object, Promise, BigInt, Symbol, Reflect, console, structuredClone, TextEncoder, URL]", "remotecall")
  );
  t.doesNotThrow(() => checkFreeNames("function () { return arguments.length; }", "remotecall"));
  t.doesNotThrow(() => checkFreeNames("() => arguments", "remotecall"), "arguments is always allowed");
  t.doesNotThrow(
    () => checkFreeNames('(x) => { const g = __name((y) => y, "g"); return g(x); }', "remotecall"),
    "the tsx __name helper is allowed",
  );
  t.end();
});

t.test("a function using undefined names throws UndefinedNameError at the call site", (t) => {
  const total = 5;
  const other = 1;
  const fn = (x: number): number => x + total + other;
  const err = caught(() => toSpec(fn, "remotecall"));
  t.ok(err instanceof UndefinedNameError, "UndefinedNameError");
  t.ok(err instanceof DistributedError, "a DistributedError");
  const e = err as UndefinedNameError;
  t.equal(e.name, "UndefinedNameError");
  t.equal(e.code, "ERR_UNDEFINED_NAME");
  t.same(e.names, ["total", "other"], "names every missing identifier, in order of use");
  t.match(e.message, /^remotecall: /, "names the API called");
  t.match(e.message, /`total`, `other`/, "names the identifiers");
  t.match(e.message, /are not defined on the workers/);
  t.match(e.message, /For a value: pass it as an argument/, "fix 1: argument");
  t.match(e.message, /capture\(\{ total, other \}, fn\)/, "fix 2: capture");
  t.match(e.message, /everywhere\(\{ total \}\)/, "fix 3: everywhere");
  t.end();
});

t.test("checkFreeNames names exactly the missing identifiers", (t) => {
  const err = caught(() => checkFreeNames("(a) => a + b + Math.PI + c + b", "pmap")) as UndefinedNameError;
  t.ok(err instanceof UndefinedNameError);
  t.same(err.names, ["b", "c"]);
  t.match(err.message, /^pmap: /);
  const one = caught(() => checkFreeNames("() => lonely", "fetchfrom")) as UndefinedNameError;
  t.same(one.names, ["lonely"]);
  t.match(one.message, /`lonely`, which is not defined/, "singular wording for one name");
  t.doesNotThrow(() => checkFreeNames("(a) => a + b", "pmap", ["b"]), "an allowed (captured) name");
  t.doesNotThrow(() => checkFreeNames("(a) => { const b = 1; return a + b; }", "pmap"), "own locals");
  t.end();
});

t.test("runtime detection with typeof of another runtime's global can be shipped", (t) => {
  // `typeof Bun` never throws, and the same script must run on node, bun and deno: a master on
  // node shipping this to a bun worker must not be told that `Bun` is undefined.
  const err = caught(() =>
    checkFreeNames('() => (typeof Bun !== "undefined" ? "bun" : typeof Deno !== "undefined" ? "deno" : "node")', "remotecall")
  );
  t.equal(err, undefined, `no error (got ${String(err)})`);
  t.end();
});

t.test("Main names are accepted, and a function bound in Main travels by name", async (t) => {
  const specTestHelper = (x: number): number => x * 100;
  Main.defineValues({ specTestHelper, specTestConstant: 7 });
  t.doesNotThrow(() => checkFreeNames("(x) => specTestHelper(x) + specTestConstant", "remotecall"));
  const user = (x: number): number => specTestHelper(x) + 1;
  const userSpec = toSpec(user, "remotecall");
  t.equal(userSpec[0], "s");
  t.equal(((await resolved(userSpec)) as (x: number) => number)(2), 201, "shipped source calls the Main function");

  const spec = toSpec(specTestHelper, "remotecall");
  t.same(spec, ["m", "specTestHelper"]);
  t.equal(await resolved(overTheWire(spec)), specTestHelper, "resolves to the Main binding");

  const missing = caught(() => resolveSpec(["m", "specTestNotDefinedAnywhere"]));
  t.ok(missing instanceof ReferenceError);
  t.match((missing as Error).message, /everywhere\(\{ specTestNotDefinedAnywhere \}\)/);
  const notFn = caught(() => resolveSpec(["m", "specTestConstant"]));
  t.ok(notFn instanceof ReferenceError);
  t.match((notFn as Error).message, /is not a function/);
  t.end();
});

t.test("names defined remotely by everywhere() are accepted", (t) => {
  t.ok(caught(() => checkFreeNames("() => specTestRemoteOnly()", "remotecall")) instanceof UndefinedNameError, "unknown before");
  noteRemoteNames(["specTestRemoteOnly"]);
  t.doesNotThrow(() => checkFreeNames("() => specTestRemoteOnly()", "remotecall"), "known after");
  t.end();
});

t.test("a system function travels as ['x', name]", async (t) => {
  const sys = (): string => "system";
  registerSystemFunction("specTestSystem", sys);
  const spec = toSpec(sys, "internal");
  t.same(spec, ["x", "specTestSystem"]);
  t.equal(await resolved(overTheWire(spec)), sys);
  const err = caught(() => resolveSpec(["x", "specTestNoSuchSystem"]));
  t.ok(err instanceof ReferenceError);
  t.match((err as Error).message, /different versions/);
  t.end();
});

t.test("toSpec of a non-function is a TypeError naming the API and the type", (t) => {
  for (
    const [value, type] of [
      [42, "number"],
      ["(x) => x", "string"],
      [null, "null"],
      [undefined, "undefined"],
      [{ call: 1 }, "object"],
    ] as Array<[unknown, string]>
  ) {
    const err = caught(() => toSpec(value, "remotecall"));
    t.ok(err instanceof TypeError, `${type}: TypeError`);
    t.equal((err as Error).message, `remotecall: the function to call must be a function, got ${type}`);
  }
  t.end();
});

t.test("native and bound functions are refused by toSpec", (t) => {
  const native = caught(() => toSpec(Math.max, "remotecall"));
  t.ok(native instanceof SerializationError);
  t.match((native as Error).message, /^Cannot send remotecall: the function /);
  const bound = caught(() => toSpec(((x: number) => x).bind(null), "pmap"));
  t.ok(bound instanceof SerializationError);
  t.end();
});

t.test("an unknown spec form is refused", (t) => {
  const err = caught(() => resolveSpec(["z", "x"] as unknown as FnSpec));
  t.ok(err instanceof SerializationError);
  t.match((err as Error).message, /unknown function form "z"/);
  t.end();
});

t.test("capture() produces a ['c', ...] spec whose resolved function sees the captured values", async (t) => {
  const scale = 3;
  const table = new Map([["a", 10]]);
  const fn = capture({ scale, table }, (x: number): number => x * scale + table.get("a")!);
  t.equal(fn(2), 16, "behaves like the original locally");
  const spec = toSpec(fn, "remotecall");
  t.equal(spec[0], "c");
  const [, source, names, values] = spec as ["c", string, string[], unknown[]];
  t.match(source, /x \* scale/);
  t.same(names, ["scale", "table"]);
  t.same(values, [3, new Map([["a", 10]])]);
  const remote = (await resolved(overTheWire(spec))) as (x: number) => number;
  t.equal(remote(2), 16, "the resolved function sees the captured values");
  t.equal(remote(0), 10);
  t.end();
});

t.test("captured values shadow Main names of the same name", async (t) => {
  Main.defineValues({ specTestFactor: 1000 });
  const specTestFactor = 2;
  const fn = capture({ specTestFactor }, (x: number): number => x * specTestFactor);
  t.equal(((await resolved(overTheWire(toSpec(fn, "remotecall")))) as (x: number) => number)(5), 10);
  t.end();
});

t.test("each capture carries its own values (same source, different values)", async (t) => {
  const make = (k: number): (x: number) => number => capture({ k }, (x: number): number => x + k);
  const f1 = make(1);
  const f2 = make(2);
  const r1 = (await resolved(overTheWire(toSpec(f1, "remotecall")))) as (x: number) => number;
  const r2 = (await resolved(overTheWire(toSpec(f2, "remotecall")))) as (x: number) => number;
  t.equal(r1(10), 11);
  t.equal(r2(10), 12);
  t.end();
});

t.test("a captured function still may not use other undefined names", (t) => {
  const k = 1;
  const offset = 2;
  const fn = capture({ k }, (x: number): number => x + k + offset);
  const err = caught(() => toSpec(fn, "remotecall"));
  t.ok(err instanceof UndefinedNameError);
  t.same((err as UndefinedNameError).names, ["offset"], "only the name that was not captured");
  t.end();
});

t.test("captured values must be sendable", (t) => {
  const cb = (): number => 1;
  const fn = capture({ cb }, (): number => cb());
  const err = caught(() => toSpec(fn, "remotecall"));
  t.ok(err instanceof SerializationError);
  t.match((err as SerializationError).path, /captured value/);
  t.end();
});

t.test("capture() validates its arguments", (t) => {
  t.throws(() => capture([] as unknown as Record<string, unknown>, () => 1), TypeError, "values must be an object");
  t.throws(() => capture(null as unknown as Record<string, unknown>, () => 1), TypeError);
  t.throws(() => capture({}, 5 as unknown as () => number), TypeError, "fn must be a function");
  const bad = caught(() => capture({ class: 1 }, () => 1));
  t.ok(bad instanceof TypeError, "a reserved word cannot be captured");
  t.match((bad as Error).message, /"class" cannot be captured/);
  const named = function namedOne(): number {
    return 1;
  };
  const wrapped = capture({}, named);
  t.equal(wrapped.name, "namedOne", "the wrapper keeps the name");
  const info = capturedOf(wrapped);
  t.equal(info?.fn, named);
  t.same(info?.names, []);
  t.equal(capturedOf(named), undefined, "a plain function has no captures");
  t.end();
});
