// Unit tests of src/code/free-identifiers.ts: the names a function's source takes from its
// surroundings, resolved with real scope analysis.
import t from "tap";
import { freeIdentifiers, parseExpression } from "../../src/code/free-identifiers.ts";

const cases: Array<[string, string, string[]]> = [
  ["the documented example", "(a) => a + b + Math.PI", ["b", "Math"]],
  ["parameters are not free", "(a, b, ...rest) => a + b + rest.length", []],
  ["default values may use free names", "(a, b = c) => a + b", ["c"]],
  ["default values may use earlier parameters", "(a, b = a * 2) => b", []],
  ["object and array destructuring in parameters", "({ x, y: [z, ...rest] }, [p, , q] = []) => x + z + rest.length + p + q", []],
  ["defaults inside destructuring", "({ w = fallback } = {}, [v = other] = []) => w + v", ["fallback", "other"]],
  ["destructuring declarations in the body", "() => { const { a = d, ...r } = src; let [m, n] = pair; return [a, r, m, n]; }", [
    "d",
    "src",
    "pair",
  ]],
  ["locals shadow outer names", "(x) => { const y = 1; { let y = x; use(y); } return y; }", ["use"]],
  ["a local may shadow a global", "() => { const Math = { PI: 3 }; return Math.PI; }", []],
  ["a parameter may shadow a global", "(JSON) => JSON.parse", []],
  ["var is hoisted", "() => { x = 1; var x; return x; }", []],
  ["function declarations are hoisted", "() => { return helper(); function helper() { return k; } }", ["k"]],
  ["closures see enclosing parameters", "(a) => (b) => (c) => a + b + c + d", ["d"]],
  ["a named function expression sees its own name", "function fact(n) { return n <= 1 ? 1 : n * fact(n - 1); }", []],
  [
    "a class sees its own name; extends and field values are free",
    "class Foo extends Base { constructor() { super(); this.v = dep; } m() { return Foo; } }",
    ["Base", "dep"],
  ],
  [
    "class fields, static fields, private fields and static blocks",
    "class A { x = y; static z = w; #p = 1; static { init(); } get() { return this.#p; } }",
    ["y", "w", "init"],
  ],
  ["classes declared inside", "() => { class K { m() { return K; } } return new K(); }", []],
  ["labels are not identifiers", "() => { outer: for (;;) { inner: while (true) { if (a) break outer; continue inner; } } }", ["a"]],
  ["a label named like a free variable", "() => { foo: { break foo; } return foo; }", ["foo"]],
  ["typeof of a declared name", "(x) => typeof x", []],
  ["typeof used together with a real read", "() => (typeof thing === 'undefined' ? 0 : thing)", ["thing"]],
  ["catch parameters", "() => { try { risky(); } catch (e) { return e; } }", ["risky"]],
  ["destructured catch parameters", "() => { try { risky(); } catch ({ message, code = dflt }) { return message + code; } }", [
    "risky",
    "dflt",
  ]],
  ["optional catch binding", "() => { try { risky(); } catch { return e; } }", ["risky", "e"]],
  [
    "for-of, for-in and for bindings",
    "(xs) => { for (const x of xs) use(x); for (let i = 0; i < 3; i++) use(i); for (const k in obj) use(k); }",
    ["use", "obj"],
  ],
  ["for-of with destructuring and var", "(m) => { for (const [k, v] of m) sink(k, v); for (var j of list) sink(j); return j; }", [
    "sink",
    "list",
  ]],
  ["for-await bindings", "async (u) => { for await (const p of u) await p; }", []],
  ["template literals", "(a) => `${a} and ${b}`", ["b"]],
  ["tagged templates", "(a) => tag`x${a}${y}`", ["tag", "y"]],
  ["member access is not a free name", "(o) => o.x + o.y.z + o?.w + o.constructor", []],
  ["computed member access is", "(o) => o[key] + o?.[other]", ["key", "other"]],
  ["object shorthand reads the name", "() => ({ a })", ["a"]],
  [
    "object keys and method names are not free, computed keys are",
    "() => ({ a: 1, 'b': 2, [k]: 3, m() { return 1; }, get g() { return 2; } })",
    ["k"],
  ],
  ["object spread", "() => ({ ...base, extra })", ["base", "extra"]],
  ["assignment to an undeclared name", "() => { counter += 1; }", ["counter"]],
  ["logical assignment", "(x) => x ?? (y ||= 3)", ["y"]],
  ["order of first use, no duplicates", "() => b + a + b + a + c", ["b", "a", "c"]],
  ["function arguments object", "function () { return arguments[0]; }", []],
  ["arguments in an arrow is free", "() => arguments", ["arguments"]],
  ["this, super and new.target are not identifiers", "function () { return [this, new.target]; }", []],
  ["dynamic import is not an identifier", "() => import('./m.js')", []],
  ["a trailing line comment does not swallow the wrapper", "(a) => a + z // trailing comment", ["z"]],
  ["async functions and await", "async (u) => (await fetch(u)).json()", ["fetch"]],
  ["generators", "function* g(n) { for (let i = 0; i < n; i++) yield step(i); }", ["step"]],
  [
    "the tsx __name(...) form: only __name is free",
    '(x) => { const inner = /* @__PURE__ */ __name((y) => y + x, "inner"); return inner(1); }',
    ["__name"],
  ],
  [
    "a tsx-wrapped function declaration",
    'function outer(n) { function rec(k) { return k <= 0 ? 0 : rec(k - 1) + step; } __name(rec, "rec"); return rec(n); }',
    ["step", "__name"],
  ],
];

t.test("freeIdentifiers", (t) => {
  for (const [name, source, expected] of cases) {
    t.same(freeIdentifiers(source), expected, `${name}: ${source}`);
  }
  t.end();
});

t.test("typeof of an undeclared name does not make it free (it cannot throw; linters allow it)", (t) => {
  // The module says `typeof x` is handled like a linter would; ESLint's no-undef ignores
  // `typeof x` by default. Runtime detection such as `typeof Bun !== "undefined"` must be shippable
  // from a master running another runtime.
  t.same(freeIdentifiers("() => typeof undeclaredThing"), []);
  t.same(freeIdentifiers('() => (typeof Bun !== "undefined" ? "bun" : typeof Deno !== "undefined" ? "deno" : "node")'), []);
  t.end();
});

t.test("the result is stable across calls (cached)", (t) => {
  const src = "(q) => q + r + s";
  t.same(freeIdentifiers(src), ["r", "s"]);
  t.same(freeIdentifiers(src), ["r", "s"]);
  t.end();
});

t.test("invalid source throws a SyntaxError", (t) => {
  t.throws(() => freeIdentifiers("(a) => {"), SyntaxError);
  t.throws(() => freeIdentifiers("}{"), SyntaxError);
  t.end();
});

t.test("parseExpression tells valid from invalid JavaScript", (t) => {
  t.equal(parseExpression("(a) => a + 1"), true);
  t.equal(parseExpression("(function f() {})"), true);
  t.equal(parseExpression("f(x) { return x; }"), false, "a bare method shorthand is not a statement");
  t.equal(parseExpression("((("), false);
  t.end();
});
