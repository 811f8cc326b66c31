// Shared suite: remote calls, futures, values and errors, against workers of one runtime.
import type tap from "tap";
import {
  fetchfrom,
  Future,
  myid,
  nprocs,
  nworkers,
  procs,
  remotecall,
  remotecallFetch,
  remotecallWait,
  remoteDo,
  RemoteError,
  spawnat,
  workers,
} from "../../src/mod.ts";

type TAP = typeof tap;

/** `pids`: two workers of `runtime`, already added. */
export function callsSuite(t: TAP, runtime: string, pids: number[]): void {
  t.test("workers are listed, each knows its own pid and runtime", async (t) => {
    t.same(workers(), pids);
    t.same(procs(), [1, ...pids]);
    t.equal(nprocs(), 3);
    t.equal(nworkers(), 2);
    t.equal(myid(), 1);
    for (const p of pids) {
      t.equal(await remotecallFetch(() => myid(), p), p, `worker ${p} says myid() = ${p}`);
      const rt = await remotecallFetch(
        () => ((globalThis as { Bun?: unknown }).Bun ? "bun" : (globalThis as { Deno?: unknown }).Deno ? "deno" : "node"),
        p,
      );
      t.equal(rt, runtime);
    }
  });

  t.test("remotecallFetch returns the value; arguments arrive", async (t) => {
    t.equal(await remotecallFetch((a: number, b: number) => a + b, pids[0]!, 1, 2), 3);
    t.equal(await remotecallFetch(async (s: string) => s.toUpperCase(), pids[1]!, "abc"), "ABC");
    t.equal(await fetchfrom(pids[1]!, (x: number) => x * 2, 21), 42);
  });

  t.test("a Future caches its value", async (t) => {
    const f = remotecall(() => Math.random(), pids[1]!);
    t.type(f, Future);
    t.equal(f.where, pids[1]);
    const a = await f.fetch();
    t.equal(await f.fetch(), a);
    t.equal(await f.isready(), true);
  });

  t.test("remotecallWait waits for completion; the value stays until fetched", async (t) => {
    const started = Date.now();
    const f = await remotecallWait(() => new Promise((r) => setTimeout(() => r("done"), 100)), pids[0]!);
    t.ok(Date.now() - started >= 90, "waited for the call");
    t.equal(await f.isready(), true);
    t.equal(await f.fetch(), "done");
  });

  t.test("waiting surfaces a remote failure: remotecallWait and Future.wait reject with the RemoteError", async (t) => {
    const boom = (): never => {
      throw new Error("boom in the call");
    };
    // A call on another process.
    const waited = await remotecallWait(boom, pids[0]!).catch((e: unknown) => e);
    t.type(waited, RemoteError, "remotecallWait to a worker");
    t.match((waited as RemoteError).message, /boom in the call/);
    t.equal((waited as RemoteError).pid, pids[0]);
    const f = remotecall(boom, pids[1]!);
    const fw = await f.wait().catch((e: unknown) => e);
    t.type(fw, RemoteError, "Future.wait on a worker's failed call");
    t.equal((fw as RemoteError).pid, pids[1]);
    await t.rejects(f.fetch(), RemoteError, "fetch still rejects after wait");
    // A call on the calling process itself: on the master, and on a worker of this runtime.
    await t.rejects(remotecallWait(boom, myid()), RemoteError, "remotecallWait to myid() on the master");
    await t.rejects(remotecall(boom, myid()).wait(), RemoteError, "Future.wait to myid() on the master");
    const onWorker = await remotecallFetch(async () => {
      const outcome = async (p: Promise<unknown>): Promise<string> =>
        p.then(() => "resolved", (e: Error) => `${e.name}: ${e.message.split("\n").pop()}`);
      const bad = (): never => {
        throw new Error("boom on self");
      };
      return [
        await outcome(remotecallWait(bad, myid())),
        await outcome(remotecall(bad, myid()).wait()),
        await outcome(remotecall(bad, 1).wait()),
      ];
    }, pids[0]!);
    t.same(
      onWorker,
      ["RemoteError: Error: boom on self", "RemoteError: Error: boom on self", "RemoteError: Error: boom on self"],
      "on a worker: self and master calls",
    );
    // A successful wait still resolves to the Future, and nothing is left unhandled.
    const ok = remotecall(() => 5, pids[0]!);
    t.equal(await ok.wait(), ok);
    t.equal(await ok.fetch(), 5);
  });

  t.test("Future.wait and isready on a pending call", async (t) => {
    const f = remotecall(() => new Promise((r) => setTimeout(() => r(7), 150)), pids[0]!);
    t.equal(await f.isready(), false);
    t.equal(await f.wait(), f);
    t.equal(await f.isready(), true);
    t.equal(await f.fetch(), 7);
  });

  t.test("remoteDo runs in order with later calls on the same worker", async (t) => {
    remoteDo(() => {
      (globalThis as { doneByRemoteDo?: number }).doneByRemoteDo = 41;
    }, pids[0]!);
    t.equal(await remotecallFetch(() => ((globalThis as { doneByRemoteDo?: number }).doneByRemoteDo ?? 0) + 1, pids[0]!), 42);
  });

  t.test("spawnat('any') goes round robin over the workers", async (t) => {
    const seen = new Set<number>();
    for (let i = 0; i < 4; i++) seen.add(await spawnat("any", () => myid()).fetch());
    t.same([...seen].sort((a, b) => a - b), pids);
    t.equal(await spawnat(pids[1]!, () => myid()).fetch(), pids[1]);
  });

  t.test("a call to one's own pid runs locally, without serialization", async (t) => {
    // A function inside data cannot be serialized, so this only works because nothing is.
    const data = { f: (x: number) => x + 1 };
    t.equal(await remotecallFetch((d: typeof data) => d.f(1), 1, data), 2);
    const f = remotecall(() => myid(), 1);
    t.equal(f.where, 1);
    t.equal(await f.fetch(), 1);
    const err = await remotecallFetch(() => {
      throw new TypeError("local boom");
    }, 1).catch((e: unknown) => e);
    t.type(err, RemoteError);
    t.equal((err as RemoteError).pid, 1);
  });

  t.test("values of every supported kind round-trip with their types", async (t) => {
    const echo = <T>(v: T): Promise<T> => remotecallFetch((x: T) => x, pids[0]!, v);
    const big = new Float64Array(1 << 20).map((_, i) => i * 0.5);
    const back = await echo(big);
    t.type(back, Float64Array);
    t.equal(back.length, big.length);
    t.equal(back[12345], 12345 * 0.5);
    for (
      const arr of [
        new Int8Array([-1, 2]),
        new Uint8Array([255]),
        new Uint8ClampedArray([7]),
        new Int16Array([-300]),
        new Uint16Array([65535]),
        new Int32Array([-5]),
        new Uint32Array([4e9]),
        new Float32Array([1.5]),
        new BigInt64Array([-9n]),
        new BigUint64Array([2n ** 63n]),
      ]
    ) {
      const r = await echo(arr);
      t.equal(r.constructor, arr.constructor, `${arr.constructor.name} keeps its type`);
      t.same([...(r as unknown as Iterable<unknown>)], [...(arr as unknown as Iterable<unknown>)]);
    }
    const ab = await echo(new Uint8Array([1, 2, 3]).buffer);
    t.type(ab, ArrayBuffer);
    t.same([...new Uint8Array(ab)], [1, 2, 3]);
    const m = await echo(new Map<unknown, unknown>([[1, "a"], ["k", new Set([1, 2])]]));
    t.type(m, Map);
    t.type(m.get("k"), Set);
    const d = await echo(new Date(1_000_000));
    t.type(d, Date);
    t.equal(d.getTime(), 1_000_000);
    t.equal(await echo(2n ** 100n), 2n ** 100n);
    t.equal(await echo(undefined), undefined);
    t.same(await echo({ a: undefined, b: [1, undefined] }), { a: undefined, b: [1, undefined] });
    const e = Object.assign(new RangeError("bad"), { code: "E_BAD" });
    const re = await echo(e);
    t.type(re, RangeError);
    t.equal(re.message, "bad");
    t.equal((re as unknown as { code: string }).code, "E_BAD");
  });

  t.test("concurrent large arrays arrive intact both ways (pooled send buffers are not reused early)", async (t) => {
    const n = 2 << 20; // 16 MiB each
    const arrays = Array.from({ length: 6 }, (_, k) => new Float64Array(n).fill(k + 0.5));
    const echoed = await Promise.all(arrays.map((a, k) => remotecallFetch((x: Float64Array) => x, pids[k % 2]!, a)));
    arrays[0]!.fill(-1); // changing an array after sending it must not change what was sent
    for (let k = 0; k < echoed.length; k++) {
      const e = echoed[k]!;
      t.equal(e.length, n);
      let bad = -1;
      for (let i = 0; i < n; i += 4099) if (e[i] !== k + 0.5) bad = i;
      t.equal(bad, -1, `array ${k} came back with its own values`);
    }
    const sums = await Promise.all(
      [0, 1, 2, 3].map((k) => remotecallFetch((len: number, v: number) => new Float64Array(len).fill(v), pids[k % 2]!, n, k)),
    );
    t.same(sums.map((a) => [a[0], a[n - 1]]), [[0, 0], [1, 1], [2, 2], [3, 3]]);
  });

  t.test("errors come back as RemoteError naming the worker, with the remote stack", async (t) => {
    const err = await remotecallFetch(function thrower() {
      throw Object.assign(new TypeError("it broke"), { code: "E_BROKE" });
    }, pids[1]!).catch((e: unknown) => e);
    t.type(err, RemoteError);
    const r = err as RemoteError;
    t.equal(r.pid, pids[1]);
    t.equal(r.code, "ERR_REMOTE");
    t.equal(r.remote.name, "TypeError");
    t.equal(r.remote.message, "it broke");
    t.equal(r.remote.code, "E_BROKE");
    t.match(r.message, new RegExp(`^On worker ${pids[1]}:\\nTypeError: it broke`));
    t.match(r.stack ?? "", /thrower/, "the remote stack names the function");
    const f = remotecall(() => Promise.reject(new Error("async broke")), pids[0]!);
    await t.rejects(f.fetch(), { name: "RemoteError", pid: pids[0] });
    await t.rejects(f.fetch(), { name: "RemoteError" }, "the error is cached too");
  });

  t.test("a local Future can be put once", async (t) => {
    const f = new Future<number>();
    t.equal(await f.isready(), false);
    await f.put(5);
    t.equal(await f.fetch(), 5);
    await t.rejects(f.put(6), /already has a value/);
  });

  t.test("a Future on a worker can be put from the master, once", async (t) => {
    const f = new Future<string>(pids[0]!);
    await f.put("hi");
    t.equal(await f.isready(), true);
    await t.rejects(f.put("again"), /already has a value/);
    t.equal(await f.fetch(), "hi");
  });

  t.test("many calls in flight complete, each with its own answer", async (t) => {
    const n = 2000;
    const results = await Promise.all(Array.from({ length: n }, (_, i) => remotecallFetch((x: number) => x * x, pids[i % 2]!, i)));
    t.equal(results.length, n);
    t.ok(results.every((r, i) => r === i * i));
  });
}
