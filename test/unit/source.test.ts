// Unit tests of src/code/source.ts: every kind of JavaScript function turns into an expression
// that evaluates back to a working function; functions without source are refused.
import t from "tap";
import { functionExpression } from "../../src/code/source.ts";
import { SerializationError } from "../../src/errors.ts";
import { caught } from "../helpers/unit.ts";

/** Evaluates an expression the way a worker does (strict mode, as an expression). */
function evaluate(expression: string): unknown {
  return new Function(`"use strict";\nreturn (${expression}\n);`)();
}

function revive(fn: Function): Function {
  const value = evaluate(functionExpression(fn, "test"));
  if (typeof value !== "function") throw new TypeError(`evaluated to ${typeof value}, not a function`);
  return value;
}

async function collect(iterable: AsyncIterable<unknown>): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const v of iterable) out.push(v);
  return out;
}

t.test("arrow functions are returned as they print", (t) => {
  const add = (a: number, b: number): number => a + b;
  t.equal(functionExpression(add, "test"), add.toString());
  t.equal(revive(add)(2, 3), 5);
  const block = (xs: number[]): number => {
    let s = 0;
    for (const x of xs) s += x;
    return s;
  };
  t.equal(revive(block)([1, 2, 3]), 6);
  // deno-fmt-ignore -- the test is about this exact source text
  const noParens: (x: number) => number = x => x + 1;
  t.equal(functionExpression(noParens, "test"), "x => x + 1", "a single parameter without parentheses");
  t.equal(revive(noParens)(1), 2);
  const returnsObject = (): { a: number } => ({ a: 1 });
  t.same(revive(returnsObject)(), { a: 1 });
  t.end();
});

t.test("async arrows", async (t) => {
  const f = async (x: number): Promise<number> => (await Promise.resolve(x)) * 2;
  const g = revive(f);
  const result = g(21) as Promise<number>;
  t.ok(result instanceof Promise, "still async");
  t.equal(await result, 42);
});

t.test("function, async function, generator and async generator expressions and declarations", async (t) => {
  function named(x: number): number {
    return x + 1;
  }
  const anonymous = function (x: number): number {
    return x * 3;
  };
  async function asyncNamed(x: number): Promise<number> {
    return x - 1;
  }
  function* gen(n: number): Generator<number> {
    for (let i = 0; i < n; i++) yield i * i;
  }
  async function* agen(n: number): AsyncGenerator<number> {
    for (let i = 0; i < n; i++) yield i + 10;
  }
  t.equal(revive(named)(1), 2);
  t.equal(revive(named).name, "named", "a declaration becomes a named function expression");
  t.equal(revive(anonymous)(2), 6);
  t.equal(await (revive(asyncNamed)(5) as Promise<number>), 4);
  t.same([...(revive(gen)(4) as Generator<number>)], [0, 1, 4, 9]);
  t.same(await collect(revive(agen)(3) as AsyncGenerator<number>), [10, 11, 12]);
  t.end();
});

t.test("a recursive named function keeps working", (t) => {
  function fib(n: number): number {
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
  }
  t.equal(revive(fib)(15), 610);
  t.end();
});

t.test("classes", (t) => {
  class Counter {
    n: number;
    constructor(start: number) {
      this.n = start;
    }
    inc(): number {
      return ++this.n;
    }
    static make(): Counter {
      return new Counter(100);
    }
  }
  const C = revive(Counter) as typeof Counter;
  const c = new C(1);
  t.equal(c.inc(), 2);
  t.equal(C.make().n, 100);
  t.equal(C.name, "Counter");
  const Anonymous = (() =>
    class {
      v = 7;
    })();
  const A = revive(Anonymous) as typeof Anonymous;
  t.equal(new A().v, 7);
  t.end();
});

t.test("method shorthand from object literals is wrapped so it evaluates", async (t) => {
  const o = {
    double(x: number): number {
      return x * 2;
    },
    async later(x: number): Promise<number> {
      return x + 1;
    },
    *count(n: number): Generator<number> {
      for (let i = 0; i < n; i++) yield i;
    },
    async *stream(n: number): AsyncGenerator<string> {
      for (let i = 0; i < n; i++) yield `s${i}`;
    },
    "spaced name"(): string {
      return "spaced";
    },
    ["com" + "puted"](x: number): number {
      return -x;
    },
  };
  const expr = functionExpression(o.double, "test");
  t.match(expr, /\(\{ double\(x\) \{/, "wrapped in an object literal");
  t.match(expr, /^\(\(o\) => o\[Reflect\.ownKeys\(o\)\[0\]\]\)/, "and picked by its own key");
  t.equal(revive(o.double)(4), 8);
  t.equal(await (revive(o.later)(1) as Promise<number>), 2, "async method");
  t.same([...(revive(o.count)(3) as Generator<number>)], [0, 1, 2], "generator method");
  t.same(await collect(revive(o.stream)(2) as AsyncGenerator<string>), ["s0", "s1"], "async generator method");
  t.equal(revive(o["spaced name"])(), "spaced", "string-named method");
  t.equal(revive((o as Record<string, Function>)["computed"]!)(5), -5, "computed-name method");
  t.end();
});

t.test("class methods (instance and static) are wrapped like method shorthand", (t) => {
  class Tools {
    twice(x: number): number {
      return 2 * x;
    }
    static thrice(x: number): number {
      return 3 * x;
    }
  }
  t.equal(revive(Tools.prototype.twice)(5), 10);
  t.equal(revive(Tools.thrice)(5), 15);
  t.end();
});

t.test("functions made with new Function", (t) => {
  const f = new Function("a", "b", "return a * b;");
  t.equal(revive(f)(6, 7), 42);
  t.end();
});

t.test("the same function gives the same expression every time", (t) => {
  const f = (x: number): number => x;
  t.equal(functionExpression(f, "a"), functionExpression(f, "b"));
  const o1 = {
    pick(x: number): number {
      return x;
    },
  };
  const o2 = {
    pick(x: number): number {
      return x + 1;
    },
  };
  t.not(functionExpression(o1.pick, "t"), functionExpression(o2.pick, "t"), "same name, different source");
  t.end();
});

t.test("native functions are refused with a SerializationError", (t) => {
  for (
    const [label, fn] of [
      ["Math.max", Math.max],
      ["Array.prototype.map", Array.prototype.map],
      ["parseInt", parseInt],
      ["Map (a native class)", Map],
    ] as Array<[string, Function]>
  ) {
    const err = caught(() => functionExpression(fn, "remotecall: the function"));
    t.ok(err instanceof SerializationError, `${label}: SerializationError`);
    const e = err as SerializationError;
    t.equal(e.code, "ERR_UNSERIALIZABLE");
    t.equal(e.path, "remotecall: the function", `${label}: path is the call site`);
    t.match(e.message, /native or bound function/);
    t.ok(e.message.includes(`(${fn.name})`), `${label}: names the function`);
  }
  t.end();
});

t.test("bound functions are refused with a SerializationError that suggests the original", (t) => {
  function scale(this: { k: number }, x: number): number {
    return this.k * x;
  }
  const bound = scale.bind({ k: 2 });
  const err = caught(() => functionExpression(bound, "pmap"));
  t.ok(err instanceof SerializationError);
  t.equal((err as SerializationError).code, "ERR_UNSERIALIZABLE");
  t.match((err as Error).message, /bound scale/);
  t.match((err as Error).message, /ship the original/);
  const boundArrow = ((x: number) => x).bind(null);
  t.ok(caught(() => functionExpression(boundArrow, "pmap")) instanceof SerializationError, "bound arrow");
  t.end();
});

t.test("accessors and symbol-named methods either evaluate back to the function or are refused", (t) => {
  // Both print as method shorthand whose name is not a plain key ("get total",
  // "[Symbol.iterator]"); wrapping them as `({ ... })[name]` evaluates to undefined.
  const o = {
    base: 2,
    get total(): number {
      return 40 + 2;
    },
    [Symbol.iterator](): Iterator<number> {
      return [1][Symbol.iterator]();
    },
  };
  const getter = Object.getOwnPropertyDescriptor(o, "total")!.get!;
  const iter = o[Symbol.iterator];
  for (
    const [label, fn] of [
      ["getter", getter],
      ["symbol-named method", iter],
    ] as Array<[string, Function]>
  ) {
    let outcome: string;
    try {
      const value = evaluate(functionExpression(fn, "test"));
      outcome = typeof value === "function" ? "function" : `evaluates to ${typeof value}`;
    } catch (err) {
      outcome = err instanceof SerializationError ? "refused" : `threw ${String(err)}`;
    }
    t.ok(outcome === "function" || outcome === "refused", `${label}: ${outcome}`);
  }
  t.end();
});
