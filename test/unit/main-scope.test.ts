// Unit tests of src/code/main-scope.ts, on fresh MainScope instances (never the shared Main):
// bindings, source-defined functions that see each other and the newest values, compile
// caching, captures, name checks, and recovery from a failing definition.
import t from "tap";
import { isBindableName, MainScope } from "../../src/code/main-scope.ts";
import { caught } from "../helpers/unit.ts";

function call(scope: MainScope, name: string, ...args: unknown[]): unknown {
  const f = scope.get(name);
  if (typeof f !== "function") throw new TypeError(`${name} is ${typeof f} in this scope`);
  return (f as (...a: unknown[]) => unknown)(...args);
}

t.test("isBindableName", (t) => {
  for (const name of ["foo", "_x", "$", "a1", "camelCase", "__name", "Math", "myid", "$$_9"]) {
    t.equal(isBindableName(name), true, `${name} is bindable`);
  }
  for (
    const name of [
      "",
      "1a",
      "a-b",
      "a b",
      "a.b",
      "é",
      "class",
      "await",
      "yield",
      "let",
      "static",
      "enum",
      "eval",
      "arguments",
      "undefined",
      "NaN",
      "Infinity",
      "this",
      "default",
      "import",
    ]
  ) {
    t.equal(isBindableName(name), false, `${JSON.stringify(name)} is not bindable`);
  }
  t.end();
});

t.test("defineValues binds values as they are", (t) => {
  const scope = new MainScope();
  const fn = (x: number): number => x + 1;
  const obj = { a: 1 };
  scope.defineValues({ fn, obj, n: 3, nothing: undefined });
  t.equal(scope.has("fn"), true);
  t.equal(scope.get("fn"), fn, "a function keeps its identity");
  t.equal(scope.get("obj"), obj, "an object keeps its identity");
  t.equal(scope.get("n"), 3);
  t.equal(scope.has("nothing"), true, "undefined is a binding too");
  t.equal(scope.has("missing"), false);
  t.same(scope.names().sort(), ["fn", "n", "nothing", "obj"]);
  t.equal(scope.nameOf(fn), "fn", "nameOf finds a bound function");
  t.equal(scope.nameOf(obj), "obj");
  t.equal(scope.nameOf(() => 1), undefined);
  t.end();
});

t.test("defineValues skips names that cannot be bindings (e.g. a module's default export)", (t) => {
  const scope = new MainScope();
  t.doesNotThrow(() => scope.defineValues({ default: 1, "a-b": 2, ok: 3 }));
  t.equal(scope.has("default"), false);
  t.equal(scope.has("a-b"), false);
  t.equal(scope.get("ok"), 3);
  t.end();
});

t.test("compiled code sees Main values", (t) => {
  const scope = new MainScope();
  scope.defineValues({ base: 10, helper: (x: number) => x * 2 });
  const c = scope.compile("(x) => helper(x) + base");
  t.equal(typeof c.fn, "function");
  t.equal(c.factory, undefined);
  t.equal((c.fn as (x: number) => number)(1), 12);
  t.end();
});

t.test("defineSources: functions can call each other and themselves", (t) => {
  const scope = new MainScope();
  scope.defineSources({
    isEven: "(n) => n === 0 ? true : isOdd(n - 1)",
    isOdd: "(n) => n === 0 ? false : isEven(n - 1)",
    fact: "function (n) { return n <= 1 ? 1 : n * fact(n - 1); }",
  });
  t.equal(call(scope, "isEven", 10), true);
  t.equal(call(scope, "isOdd", 7), true);
  t.equal(call(scope, "isEven", 7), false);
  t.equal(call(scope, "fact", 5), 120);
  t.equal(scope.nameOf(scope.get("isEven") as object), "isEven", "nameOf knows source-defined functions");
  t.end();
});

t.test("defineSources in separate calls still see each other", (t) => {
  const scope = new MainScope();
  scope.defineSources({ square: "(x) => x * x" });
  scope.defineSources({ sumSq: "(xs) => xs.reduce((a, x) => a + square(x), 0)" });
  t.equal(call(scope, "sumSq", [1, 2, 3]), 14);
  t.end();
});

t.test("a redefinition is seen by previously defined source functions", (t) => {
  const scope = new MainScope();
  scope.defineSources({ g: "() => 1", f: "() => g() * 10" });
  t.equal(call(scope, "f"), 10);
  scope.defineSources({ g: "() => 2" });
  t.equal(call(scope, "f"), 20, "source redefinition of g");
  scope.defineValues({ g: () => 3 });
  t.equal(call(scope, "f"), 30, "a value replacing a source-defined g");
  scope.defineSources({ g: "() => 4" });
  t.equal(call(scope, "f"), 40, "a source replacing a value g");
  t.end();
});

t.test("source functions see the newest Main values", (t) => {
  const scope = new MainScope();
  scope.defineValues({ k: 1 });
  scope.defineSources({ useK: "() => k" });
  t.equal(call(scope, "useK"), 1);
  scope.defineValues({ k: 2 });
  t.equal(call(scope, "useK"), 2);
  scope.defineValues({ extra: 5 });
  scope.defineSources({ both: "() => k + extra" });
  t.equal(call(scope, "both"), 7);
  t.end();
});

t.test("compile caches until Main changes", (t) => {
  const scope = new MainScope();
  scope.defineValues({ base: 1 });
  const expr = "(x) => x + base";
  const a = scope.compile(expr);
  t.equal(scope.compile(expr), a, "same source, same compiled function");
  t.equal((a.fn as (x: number) => number)(1), 2);
  scope.defineValues({ base: 100 });
  const b = scope.compile(expr);
  t.not(b, a, "recompiled after defineValues");
  t.equal((b.fn as (x: number) => number)(1), 101, "sees the new value");
  t.equal(scope.compile(expr), b, "cached again");
  scope.defineSources({ unrelated: "() => 0" });
  t.not(scope.compile(expr), b, "recompiled after defineSources");
  const withCapture = scope.compile(expr, ["x2"]);
  t.not(withCapture, scope.compile(expr), "captures are part of the cache key");
  t.end();
});

t.test("captured values are bound by name, per call of the factory", (t) => {
  const scope = new MainScope();
  scope.defineValues({ offset: 1000 });
  const c = scope.compile("(x) => x * scale + offset", ["scale"]);
  t.equal(c.fn, undefined);
  t.equal(typeof c.factory, "function");
  const times2 = c.factory!(2) as (x: number) => number;
  const times3 = c.factory!(3) as (x: number) => number;
  t.equal(times2(5), 1010);
  t.equal(times3(5), 1015, "each factory call binds its own values");
  const two = scope.compile("() => [a, b]", ["a", "b"]).factory!("A", { b: 1 }) as () => unknown[];
  t.same(two(), ["A", { b: 1 }], "several captures in order");
  t.end();
});

t.test("capture names shadow Main names", (t) => {
  const scope = new MainScope();
  scope.defineValues({ scale: 100, other: 1 });
  const f = scope.compile("() => scale + other", ["scale"]).factory!(5) as () => number;
  t.equal(f(), 6, "the captured scale wins, other Main names stay visible");
  t.equal((scope.compile("() => scale").fn as () => number)(), 100, "without the capture Main's value is seen");
  scope.defineSources({ viaMain: "() => scale" });
  const g = scope.compile("() => scale + viaMain()", ["scale"]).factory!(1) as () => number;
  t.equal(g(), 101, "source functions keep seeing Main's value, only the shipped code sees the capture");
  t.end();
});

t.test("bad names are TypeErrors", (t) => {
  const scope = new MainScope();
  for (const bad of ["class", "a-b", "1x", "", "eval"]) {
    const err = caught(() => scope.defineSources({ [bad]: "() => 1" }));
    t.ok(err instanceof TypeError, `defineSources ${JSON.stringify(bad)}`);
    t.match((err as Error).message, /not a plain identifier/);
  }
  t.equal(scope.names().length, 0, "nothing was defined");
  const mixed = caught(() => scope.defineSources({ good: "() => 1", "not-good": "() => 2" }));
  t.ok(mixed instanceof TypeError);
  t.equal(scope.has("good"), false, "names are checked before anything is defined");
  const cap = caught(() => scope.compile("() => 1", ["ok", "for"]));
  t.ok(cap instanceof TypeError, "a capture name that is a reserved word");
  t.match((cap as Error).message, /Cannot capture "for"/);
  t.end();
});

t.test("a failing defineSources leaves the previous definitions intact", (t) => {
  const scope = new MainScope();
  scope.defineValues({ v: 1 });
  scope.defineSources({ a: "() => 1", b: "() => a() + v" });
  const syntax = caught(() => scope.defineSources({ a: "() => 2", c: "(((" }));
  t.ok(syntax instanceof SyntaxError, "a syntax error is reported");
  t.equal(call(scope, "a"), 1, "a keeps its old definition");
  t.equal(call(scope, "b"), 2, "b still works");
  t.equal(scope.has("c"), false, "c was not defined");

  const runtime = caught(() => scope.defineSources({ d: "(() => { throw new RangeError('at definition'); })()" }));
  t.ok(runtime instanceof RangeError, "an error while evaluating a source is reported");
  t.equal(scope.has("d"), false);
  t.equal(call(scope, "b"), 2, "the others still work");
  scope.defineSources({ e: "() => b() + 1" });
  t.equal(call(scope, "e"), 3, "later definitions work");
  t.end();
});

t.test("a failing defineSources keeps a value previously bound to the same name", (t) => {
  const scope = new MainScope();
  scope.defineValues({ limit: 5 });
  scope.defineSources({ useLimit: "() => limit" });
  const err = caught(() => scope.defineSources({ limit: "(((" }));
  t.ok(err instanceof SyntaxError);
  t.equal(scope.has("limit"), true, "limit is still defined");
  t.equal(scope.get("limit"), 5, "with its value");
  t.equal(call(scope, "useLimit"), 5, "and source functions still see it");
  t.end();
});

t.test("compiled code is strict mode", (t) => {
  const scope = new MainScope();
  const thisOf = scope.compile("function () { return this; }").fn as () => unknown;
  t.equal(thisOf(), undefined, "this is undefined in a plain call");
  const leak = scope.compile("() => { undeclaredGlobalForStrictTest = 1; }").fn as () => void;
  t.throws(() => leak(), ReferenceError, "assigning an undeclared name throws");
  t.equal("undeclaredGlobalForStrictTest" in globalThis, false, "no global was created");
  const captured = scope.compile("function () { return [this, k]; }", ["k"]).factory!(1) as () => unknown[];
  t.same(captured(), [undefined, 1], "strict with captures too");
  scope.defineSources({ s: "function () { return this; }" });
  t.equal(call(scope, "s"), undefined, "source-defined functions are strict");
  t.end();
});

t.test("compile reports syntax errors in shipped source", (t) => {
  const scope = new MainScope();
  t.throws(() => scope.compile("(x) => {"), SyntaxError);
  t.end();
});

t.test("scopes are independent", (t) => {
  const a = new MainScope();
  const b = new MainScope();
  a.defineValues({ only: 1 });
  b.defineSources({ only: "() => 2" });
  t.equal(a.get("only"), 1);
  t.equal(call(b, "only"), 2);
  t.equal((a.compile("() => only").fn as () => number)(), 1);
  t.end();
});

t.test("many Main names do not break compilation", (t) => {
  const scope = new MainScope();
  const values: Record<string, unknown> = {};
  for (let i = 0; i < 500; i++) values[`name${i}`] = i;
  scope.defineValues(values);
  t.equal((scope.compile("() => name0 + name499").fn as () => number)(), 499);
  t.end();
});
