// Shared suite: code movement (DESIGN.md "Code movement"), against workers of one runtime.
import type tap from "tap";
import {
  capture,
  everywhere,
  fetchfrom,
  myid,
  remotecall,
  remotecallFetch,
  SerializationError,
  spawnat,
  UndefinedNameError,
  workers,
} from "../../src/mod.ts";
import { Main } from "../../src/code/main-scope.ts";
import { partialPi, Point, SCALE, whereAmI } from "../fixtures/pimod.ts";

type TAP = typeof tap;

const fixture = new URL("../fixtures/pimod.js", import.meta.url);

export function codeSuite(t: TAP, runtime: string, pids: number[]): void {
  t.test("everywhere(url) loads a module everywhere; its exports travel by reference", async (t) => {
    await everywhere(fixture);
    // partialPi calls a non-exported helper: shipped as source it could not run there.
    const parts = await Promise.all(pids.map((p, i) => remotecallFetch(partialPi, p, i * 500_000, (i + 1) * 500_000)));
    t.ok(Math.abs(parts[0]! + parts[1]! - Math.PI) < 1e-5, "pi from two workers");
    t.same(await Promise.all(pids.map((p) => remotecallFetch(whereAmI, p))), [runtime, runtime]);
    // Exports are in Main on the workers, so shipped source can use them by name.
    t.equal(await remotecallFetch(() => SCALE * 2, pids[0]!), 6);
  });

  t.test("a registered class keeps its prototype across the wire", async (t) => {
    const norm = await remotecallFetch((p: Point) => p.norm(), pids[1]!, new Point(3, 4));
    t.equal(norm, 5);
    const back = await remotecallFetch(() => new Point(6, 8), pids[0]!);
    t.type(back, Point);
    t.equal(back.norm(), 10);
  });

  t.test("everywhere({ fns }) defines functions that can call each other", async (t) => {
    const squareLocal = (x: number) => x * x;
    const sumSquaresLocal = (xs: number[]) => xs.reduce((a, x) => a + square(x), 0);
    await everywhere({ square: squareLocal, sumSquares: sumSquaresLocal, LIMIT: 10 });
    t.equal(await remotecallFetch(sumSquaresLocal, pids[0]!, [1, 2, 3]), 14, "sent by Main name");
    t.equal(await remotecallFetch((n: number) => square(n) + LIMIT, pids[1]!, 3), 19, "source using Main names");
    t.equal((Main.get("square") as (x: number) => number)(4), 16, "defined in the master's Main too");
  });

  t.test("everywhere(fn) runs on every process, master included", async (t) => {
    await everywhere(() => {
      (globalThis as { ranOn?: number }).ranOn = myid();
    });
    t.equal((globalThis as { ranOn?: number }).ranOn, 1);
    for (const p of pids) t.equal(await remotecallFetch(() => (globalThis as { ranOn?: number }).ranOn, p), p);
  });

  t.test("everywhere({ procs }) limits where it runs", async (t) => {
    await everywhere(() => {
      (globalThis as { onlyHere?: boolean }).onlyHere = true;
    }, { procs: [pids[0]!] });
    t.equal(await remotecallFetch(() => (globalThis as { onlyHere?: boolean }).onlyHere ?? false, pids[0]!), true);
    t.equal(await remotecallFetch(() => (globalThis as { onlyHere?: boolean }).onlyHere ?? false, pids[1]!), false);
  });

  t.test("capture ships values with the function", async (t) => {
    const scale = 7;
    const offsets = new Float64Array([1, 2]);
    const f = capture({ scale, offsets }, (x: number) => x * scale + offsets[1]!);
    t.equal(f(1), 9, "works locally");
    t.equal(await remotecallFetch(f, pids[0]!, 2), 16);
    t.equal(await remotecallFetch(capture({ scale: 10 }, (x: number) => x * scale), pids[1]!, 2), 20, "each capture has its own values");
  });

  t.test("a free variable throws at the call site, naming it and the fixes", async (t) => {
    const secret = 42;
    let thrown: unknown;
    try {
      remotecall(() => secret + 1, pids[0]!);
    } catch (err) {
      thrown = err;
    }
    t.type(thrown, UndefinedNameError);
    t.same((thrown as UndefinedNameError).names, ["secret"]);
    t.match((thrown as Error).message, /`secret`/);
    t.match((thrown as Error).message, /capture\(\{ secret \}/);
    t.match((thrown as Error).message, /everywhere/);
    await t.rejects(remotecallFetch((x: number) => x + secret + notDefinedAnywhere, pids[0]!, 1), {
      name: "UndefinedNameError",
      names: ["secret", "notDefinedAnywhere"],
    });
    // Each API names itself, not the call it is built on.
    t.match((thrown as Error).message, /^remotecall: /);
    t.throws(() => spawnat(pids[0]!, () => secret), /^spawnat: the shipped function uses `secret`/);
    await t.rejects(fetchfrom(pids[0]!, () => secret), /^fetchfrom: the shipped function uses `secret`/);
    await t.rejects(remotecallFetch(() => secret, pids[0]!), /^remotecallFetch: the shipped function uses `secret`/);
    t.equal(await remotecallFetch(() => "still fine", pids[0]!), "still fine", "the connection is still usable");
  });

  t.test("method shorthand, async, generator and class sources all ship", async (t) => {
    const obj = {
      add(a: number, b: number) {
        return a + b;
      },
      async later(x: number) {
        return x * 2;
      },
      *gen() {
        yield 1;
        yield 2;
      },
    };
    t.equal(await remotecallFetch(obj.add, pids[0]!, 2, 3), 5);
    t.equal(await remotecallFetch(obj.later, pids[1]!, 4), 8);
    t.same(await remotecallFetch((g: () => Generator<number>) => [...g()], pids[0]!, obj.gen), [1, 2], "a function passed as an argument");
    class Acc {
      total = 0;
      add(n: number): this {
        this.total += n;
        return this;
      }
    }
    t.equal(await remotecallFetch((C: typeof Acc) => new C().add(2).add(3).total, pids[1]!, Acc), 5);
  });

  t.test("unsendable values are refused at the call site, naming where they are", async (t) => {
    class Unregistered {
      v = 1;
    }
    t.throws(() => remotecall((o: unknown) => o, pids[0]!, { cfg: { cb: () => 1 } }), {
      name: "SerializationError",
      path: "remotecall: argument 1.cfg.cb",
    });
    t.throws(() => remotecall((o: unknown) => o, pids[0]!, [1, Symbol("s")]), SerializationError);
    await t.rejects(remotecallFetch((_n: number, o: unknown) => o, pids[0]!, 0, new Unregistered()), {
      name: "SerializationError",
      message: /class Unregistered.*registerClass/s,
    });
    const err = await remotecallFetch(() => ({ f: () => 1 }), pids[1]!).catch((e: unknown) => e);
    t.match(String((err as Error).message), /the return value\.f/, "an unsendable result is an error, not a silent undefined");
    t.equal(await remotecallFetch(() => 1, pids[1]!), 1, "the connection is still usable");
  });

  t.test("code differs per runtime but evaluates everywhere", async (t) => {
    // Named inner functions and closures are what tsx wraps in __name(); Bun reprints them.
    const f = (n: number) => {
      function fact(k: number): number {
        return k <= 1 ? 1 : k * fact(k - 1);
      }
      const twice = (x: number) => 2 * x;
      return twice(fact(n));
    };
    for (const p of workers()) t.equal(await remotecallFetch(f, p, 5), 240);
  });
}

declare function square(x: number): number;
declare const LIMIT: number;
declare const notDefinedAnywhere: number;
