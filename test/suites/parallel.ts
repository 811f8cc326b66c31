// Shared suite: range, distributed, pmap, pools, against workers of one runtime.
// `pids`: two workers, already added.
import type tap from "tap";
import {
  addprocs,
  CachingPool,
  capture,
  Channel,
  clear,
  defaultWorkerPool,
  distributed,
  everywhere,
  localReferenceCounts,
  myid,
  pmap,
  type PmapProgress,
  ProcessExitedError,
  range,
  remote,
  remotecall,
  remotecallFetch,
  remotecallWait,
  RemoteChannel,
  remoteDo,
  RemoteError,
  rmprocs,
  type RuntimeName,
  WorkerPool,
} from "../../src/mod.ts";
import { peers } from "../../src/cluster/peers.ts";
import { partialPi } from "../fixtures/pimod.ts";

type TAP = typeof tap;

declare function countHeads(n: number): number;

export function parallelSuite(t: TAP, runtime: RuntimeName, pids: number[]): void {
  t.test("seed 000: pi with distributed over a 10^10-sized range, and with pmap", async (t) => {
    await everywhere(new URL("../fixtures/pimod.js", import.meta.url));
    // 10^6 offsets spanning 10^10: the range is never materialised (the body is kept cheap).
    const r = range(0, 10_000_000_000, 10_000);
    t.equal(r.length, 1_000_000);
    const sumOfOffsets = await distributed(r, (offset: number) => offset / 10_000, "+");
    t.equal(sumOfOffsets, (999_999 * 1_000_000) / 2, "every offset was visited once");
    const pi = await distributed(
      range(0, 20_000_000, 10_000),
      (offset: number) => partialPi(offset, offset + 10_000),
      (a: number, b: number) => a + b,
    );
    t.ok(Math.abs(pi! - Math.PI) < 1e-6, `distributed pi = ${pi}`);
    const parts = await pmap((k: number) => partialPi(k * 1_000_000, (k + 1) * 1_000_000), range(0, 20));
    t.ok(Math.abs(parts.reduce((a, b) => a + b) - Math.PI) < 1e-6, "pmap pi");
  });

  t.test("distributed: named and function reducers, arrays, no reducer", async (t) => {
    t.equal(await distributed([1, 2, 3, 4, 5], (x: number) => x * 10, "+"), 150);
    t.equal(await distributed(range(1, 6), (x: number) => x, "*"), 120);
    t.equal(await distributed(range(0, 100), (x: number) => (x * 37) % 101, Math.max), 100, "Math.max is accepted");
    t.equal(await distributed(range(0, 100), (x: number) => x - 50, "min"), -50);
    t.same(
      await distributed(["a", "b", "c"], (s: string) => s.toUpperCase(), (a: string, b: string) => a + b),
      "ABC",
      "partials are reduced in order",
    );
    t.equal(await distributed(range(0, 0), (x: number) => x, "+"), undefined, "nothing to reduce");
    await everywhere(() => {
      (globalThis as { visited?: number }).visited = 0;
    });
    const done = await distributed(range(0, 1000), () => {
      (globalThis as unknown as { visited: number }).visited++;
    });
    t.equal(done, undefined, "without a reducer it resolves when all ran");
    const visits = await Promise.all(pids.map((p) => remotecallFetch(() => (globalThis as unknown as { visited: number }).visited, p)));
    t.equal(visits[0]! + visits[1]!, 1000, "every iteration ran once");
    t.same(visits, [500, 500], "a static split into one chunk per worker");
    await t.rejects(distributed(range(0, 10), (x: number) => x, "avg" as never), { name: "TypeError", message: /Unknown reducer/ });
  });

  t.test("seed 001: coin tosses counted with a distributed reduction", async (t) => {
    await everywhere({
      countHeads: (n: number) => {
        let c = 0;
        for (let i = 0; i < n; i++) c += Math.random() < 0.5 ? 1 : 0;
        return c;
      },
    });
    const n = 2_000_000;
    const heads = await distributed(range(0, 4), capture({ n }, () => countHeads(n / 4)), "+");
    t.ok(Math.abs(heads! - n / 2) < n * 0.01, `${heads} heads of ${n}`);
    const perItem = await distributed(range(0, 200_000), () => (Math.random() < 0.5 ? 1 : 0), "+");
    t.ok(Math.abs(perItem! - 100_000) < 2000, "the per-item form of the same loop");
  });

  t.test("pmap keeps input order with uneven work, any iterable, any batch size", async (t) => {
    const slow = async (x: number) => {
      await new Promise((r) => setTimeout(r, (x * 7) % 13));
      return x * x;
    };
    const expected = Array.from({ length: 60 }, (_, i) => i * i);
    t.same(await pmap(slow, range(0, 60)), expected, "auto batching");
    t.same(await pmap(slow, range(0, 60), { batchSize: 1 }), expected, "batchSize 1");
    t.same(await pmap(slow, Array.from({ length: 60 }, (_, i) => i), { batchSize: 7 }), expected, "batchSize 7 over an array");
    function* gen(): Generator<number> {
      for (let i = 0; i < 60; i++) yield i;
    }
    t.same(await pmap(slow, gen()), expected, "a generator of unknown length");
    t.same(await pmap((s: string) => s.length, new Set(["a", "bb", "ccc"])), [1, 2, 3], "a Set");
    const tiny = await pmap((x: number) => x + 1, range(0, 1_000_000));
    t.equal(tiny.length, 1_000_000);
    t.ok(tiny[0] === 1 && tiny[500_000] === 500_001 && tiny[999_999] === 1_000_000, "a million tiny items, in order");
    t.same(await pmap((x: number) => x, []), [], "nothing to do");
    await t.rejects(pmap((x: number) => x, [1], { batchSize: 0 }), RangeError);
  });

  t.test("pmap spreads work over the workers (seed 001's pmap over matrix work)", async (t) => {
    const matrixWork = (seed: number) => {
      const n = 60;
      const a = new Float64Array(n * n).map((_, i) => Math.sin(seed + i));
      let norm = 0;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let k = 0; k < n; k++) s += a[i * n + k]! * a[k * n + j]!;
          norm += s * s;
        }
      }
      return [Math.sqrt(norm), myid()] as const;
    };
    const res = await pmap(matrixWork, range(0, 40));
    t.equal(res.length, 40);
    t.same(new Set(res.map((r) => r[1])), new Set(pids), "both workers did some");
    // Engines may differ in the last bits of Math.sin (JavaScriptCore vs V8).
    t.ok(Math.abs(res[7]![0] - matrixWork(7)[0]) <= 1e-12 * matrixWork(7)[0], "the same numbers as a local run");
  });

  t.test("onError runs on the worker and its value becomes the result", async (t) => {
    const res = await pmap(
      (x: number): number | string => {
        if (x % 3 === 0) throw new Error(`bad ${x}`);
        return x;
      },
      range(0, 7),
      { onError: (err: unknown) => `${myid()}:${(err as Error).message}` },
    );
    t.equal(res[1], 1);
    t.match(String(res[3]), /^\d+:bad 3$/);
    t.ok(pids.includes(Number(String(res[3]).split(":")[0])), "computed on a worker");
  });

  t.test("retryDelays and retryCheck retry failed items; without them the error is reported", async (t) => {
    await everywhere(() => {
      (globalThis as { seen?: Set<number> }).seen = new Set();
    });
    const flakyOnce = (x: number) => {
      const seen = (globalThis as unknown as { seen: Set<number> }).seen;
      if (!seen.has(x)) {
        seen.add(x);
        throw new Error(`first try of ${x}`);
      }
      return x * 2;
    };
    const checks: Array<[number, string]> = [];
    const res = await pmap(flakyOnce, range(0, 10), {
      batchSize: 1,
      retryDelays: [5, 5, 5],
      retryCheck: (attempt, err) => {
        checks.push([attempt.attempt, err.message]);
        return true;
      },
    });
    t.same(res, [0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
    t.ok(checks.length >= 10 && checks.every(([, m]) => /first try of/.test(m)), "retryCheck saw each failure");
    const err = await pmap((x: number) => {
      if (x === 4) throw new TypeError("four is bad");
      return x;
    }, range(0, 8)).catch((e: unknown) => e);
    t.type(err, RemoteError);
    t.equal((err as RemoteError).remote.message, "four is bad");
    const refused = await pmap(
      (x: number) => {
        throw new Error(`fatal ${x}`);
      },
      range(0, 3),
      { retryDelays: [1, 1], retryCheck: (_a, e) => !/fatal/.test(e.message) },
    ).catch((e: unknown) => e);
    t.match((refused as Error).message, /fatal/, "retryCheck can refuse");
  });

  t.test("a worker killed mid-pmap: its items go to the survivors, or the pmap fails when asked", async (t) => {
    const extra = (await addprocs(2, { runtime })) as number[];
    const pool = new WorkerPool([...pids, ...extra]);
    const victim = extra[0]!;
    const ospid = peers.get(victim)!.info!.ospid;
    const work = async (x: number) => {
      await new Promise((r) => setTimeout(r, 40));
      return [x, myid()] as const;
    };
    let killed = false;
    const res = await pmap(work, range(0, 40), {
      pool,
      batchSize: 2,
      progress: (p: PmapProgress) => {
        if (!killed && p.done >= 4) {
          killed = true;
          process.kill(ospid, "SIGKILL");
        }
      },
    });
    t.ok(killed, "the worker was killed during the pmap");
    t.same(res.map((r) => r[0]), Array.from({ length: 40 }, (_, i) => i), "every item has its result, in order");
    t.ok(res.filter((r) => r[1] === victim).length < 30, "the survivors did the rest");
    const [victim2] = extra.slice(1);
    const ospid2 = peers.get(victim2!)!.info!.ospid;
    let killed2 = false;
    const err = await pmap(work, range(0, 40), {
      pool: new WorkerPool([victim2!]),
      batchSize: 2,
      requeue: false,
      progress: (p: PmapProgress) => {
        if (!killed2 && p.done >= 2) {
          killed2 = true;
          process.kill(ospid2, "SIGKILL");
        }
      },
    }).catch((e: unknown) => e);
    t.type(err, ProcessExitedError, "requeue: false reports the death");
    t.equal((err as ProcessExitedError).pid, victim2);
  });

  t.test("progress: the callback sees the counts grow to the total", async (t) => {
    const seen: PmapProgress[] = [];
    await pmap(
      async (x: number) => {
        await new Promise((r) => setTimeout(r, 5));
        return x;
      },
      range(0, 50),
      { batchSize: 1, progress: (p) => seen.push(p) },
    );
    t.ok(seen.length >= 1);
    const last = seen[seen.length - 1]!;
    t.equal(last.done, 50);
    t.equal(last.total, 50);
    t.ok(last.rate > 0);
    t.ok(seen.every((p, i) => i === 0 || p.done >= seen[i - 1]!.done), "never goes back");
  });

  t.test("pools: WorkerPool, CachingPool, defaultWorkerPool, remote", async (t) => {
    const only = new WorkerPool([pids[1]!]);
    t.same(only.workers(), [pids[1]]);
    t.equal(await remotecallFetch(() => myid(), only), pids[1], "remotecallFetch on a pool");
    t.equal(await remotecall(() => myid(), only).fetch(), pids[1], "remotecall on a pool");
    const ran = await pmap(() => myid(), range(0, 6), { pool: only });
    t.same([...new Set(ran)], [pids[1]], "pmap on a pool uses only its workers");
    t.same(await pmap(() => myid(), range(0, 3), { pool: [1] }), [1, 1, 1], "a pool of the master alone runs locally");
    const w = await only.take();
    t.equal(w, pids[1]);
    t.equal(only.isready(), false, "taken");
    only.put(w);
    t.equal(only.isready(), true, "given back");
    t.ok(defaultWorkerPool().workers().includes(pids[0]!), "the default pool follows workers()");
    const square = remote((x: number) => x * x);
    t.equal(await square(12), 144);
    const caching = new CachingPool(pids);
    const big = new Float64Array(100_000).fill(1);
    const sumBig = capture({ big }, (k: number) => k + big.reduce((a, b) => a + b, 0));
    t.equal(await remotecallFetch(sumBig, caching, 1), 100_001, "shipped once");
    t.equal(await remotecallFetch(sumBig, caching, 2), 100_002, "then called by id");
    t.same(await pmap(sumBig, range(0, 4), { pool: caching }), [100_000, 100_001, 100_002, 100_003]);
    await clear(caching);
    t.equal(await remotecallFetch(sumBig, caching, 3), 100_003, "shipped again after clear");
  });

  t.test("inside a worker, pmap, remote and distributed spread over all the workers (the master's default pool)", async (t) => {
    const all = defaultWorkerPool().workers();
    t.ok(all.length >= 2, `the master's default pool: ${all.join(", ")}`);
    for (const w of pids) {
      const seen = await remotecallFetch(async () => {
        const pool = defaultWorkerPool();
        const viaPmap = await pmap(() => myid(), range(0, 20), { batchSize: 1 });
        const viaRemote = await Promise.all(Array.from({ length: 6 }, () => remote(() => myid())()));
        const viaDistributed = await distributed(range(0, 8), () => [myid()], (a: number[], b: number[]) => [...a, ...b]);
        const viaRemotecall = await Promise.all(Array.from({ length: 4 }, () => remotecall(() => myid(), pool).fetch()));
        return {
          where: pool.where,
          pmap: viaPmap,
          remote: viaRemote,
          distributed: viaDistributed!,
          remotecall: viaRemotecall,
          status: await pool.status(),
        };
      }, w);
      const set = (xs: number[]) => [...new Set(xs)].sort((x, y) => x - y);
      t.equal(seen.where, 1, `on worker ${w}, defaultWorkerPool() lives on the master`);
      t.same(seen.status.workers, all, "and has the master's workers");
      t.same(set(seen.pmap), all, `pmap inside worker ${w} ran on every worker, itself included`);
      t.same(set(seen.remote), all, "remote(f) too");
      t.same(set(seen.distributed), all, "distributed too");
      t.same(set(seen.remotecall), all, "remotecall(f, pool) too");
    }
  });

  t.test("a WorkerPool passed to a worker arrives as the same pool: take, put, wait and status go to the master", async (t) => {
    const [a, b] = pids as [number, number];
    const pool = new WorkerPool(pids);
    const onA = await remotecallFetch(
      async (p: WorkerPool) => {
        const taken = await p.take();
        return { taken, where: p.where, isPool: p instanceof WorkerPool, status: await p.status() };
      },
      a,
      pool,
    );
    t.equal(onA.isPool, true);
    t.equal(onA.where, 1, "a handle to the master's pool");
    t.same(onA.status.workers, pool.workers(), "workers() match");
    t.ok(pids.includes(onA.taken), "worker a took a worker of the pool");
    const other = pids.find((p) => p !== onA.taken)!;
    t.same(onA.status.idle, [other], "and the master's pool saw it: one idle left");
    t.same(await pool.status(), { workers: pids, idle: [other] });
    // remotecallWait and remoteDo through the handle take the master's idle worker too.
    const ch = new RemoteChannel<number>(() => new Channel(1));
    const viaWait = await remotecallFetch(
      async (p: WorkerPool, c: RemoteChannel<number>) => {
        const f = await remotecallWait(() => myid(), p);
        remoteDo((rc: RemoteChannel<number>) => rc.put(myid()), p, c);
        return f.fetch();
      },
      a,
      pool,
      ch,
    );
    t.equal(viaWait, other, "remotecallWait inside a worker ran on the pool's one idle worker");
    t.equal(await ch.take(), other, "and so did remoteDo");
    await pool.wait(); // remoteDo gives its worker back through the master once it is sent
    const mine = await pool.take();
    t.equal(mine, other, "the master takes the other one");
    t.equal(pool.isready(), false, "every worker of the pool is busy");
    // pool.wait() on the master resolves once worker b gives back what worker a took.
    const order: string[] = [];
    const waited = pool.wait().then(() => order.push("woken"));
    t.equal(await remotecallFetch(() => "nothing yet", a), "nothing yet");
    order.push("before the put");
    await remotecallFetch((p: WorkerPool, w: number) => p.put(w), b, pool, onA.taken);
    await waited;
    t.same(order, ["before the put", "woken"], "wait() resolved when the worker came back, not before");
    t.equal(pool.isready(), true);
    // wait() on a handle resolves once the master gives a worker back.
    const again = await pool.take();
    const waitingOnA = remotecallFetch(
      async (p: WorkerPool) => {
        await p.wait();
        return (await p.status()).idle;
      },
      a,
      pool,
    );
    // Worker a's status request follows its wait on the same connection: once answered, the wait is registered.
    t.same((await remotecallFetch((p: WorkerPool) => p.status(), a, pool)).idle, [], "none idle while a waits");
    pool.put(again);
    t.same(await waitingOnA, [again], "worker a's wait() resolved when the master put a worker back");
    pool.put(mine);
    t.same((await pool.status()).idle, pids);
    // The synchronous members answer only where the pool lives.
    const sync = await remotecallFetch(
      (p: WorkerPool) => {
        try {
          return String(p.workers());
        } catch (err) {
          return `${(err as { code?: string }).code}: ${(err as Error).message}`;
        }
      },
      a,
      pool,
    );
    t.match(
      sync,
      /^ERR_POOL_ELSEWHERE: WorkerPool.workers\(\) answers only on the process the pool lives on, and this pool lives on process 1 .*use \(await pool.status\(\)\).workers/,
    );
  });

  t.test("a CachingPool passed to a worker arrives as the same pool; each process keeps its own function cache", async (t) => {
    const a = pids[0]!;
    const cp = new CachingPool(pids);
    const addId = (x: number) => x * 10 + myid();
    t.same(
      await pmap(addId, range(0, 4), { pool: cp, batchSize: 1 }).then((r) => r.map((v) => Math.floor(v / 10))),
      [0, 1, 2, 3],
      "the master ships addId through the pool",
    );
    const onA = await remotecallFetch(
      async (p: CachingPool) => {
        (globalThis as { keptPool?: CachingPool }).keptPool = p;
        // Kept, so that later calls on worker a use this very function (the cache is by function).
        const triple = ((globalThis as { keptTriple?: (x: number) => number[] }).keptTriple = (x: number) => [x * 3, myid()]);
        const mapped = await pmap(triple, range(0, 6), { pool: p, batchSize: 1 });
        const one = await remotecallFetch(triple, p, 7);
        return { isCaching: p instanceof CachingPool, where: p.where, workers: (await p.status()).workers, mapped, one };
      },
      a,
      cp,
    );
    t.equal(onA.isCaching, true, "a CachingPool arrives as a CachingPool");
    t.equal(onA.where, 1);
    t.same(onA.workers, cp.workers(), "workers() match");
    t.same(onA.mapped.map((r) => r[0]), [0, 3, 6, 9, 12, 15]);
    t.same([...new Set(onA.mapped.map((r) => r[1]))].sort(), [...pids].sort(), "worker a's pmap over the pool used both workers");
    t.equal(onA.one[0], 21);
    t.equal(
      await remotecallFetch((p: CachingPool) => (globalThis as { keptPool?: CachingPool }).keptPool === p, a, cp),
      true,
      "sent again, it is the same object there: one cache per process",
    );
    // The master's clear forgets what the master shipped, not what worker a shipped.
    await clear(cp);
    const afterMasterClear = await remotecallFetch(async () => {
      const p = (globalThis as { keptPool?: CachingPool }).keptPool!;
      const triple = (globalThis as { keptTriple?: (x: number) => number[] }).keptTriple!;
      const results = await Promise.all([remotecallFetch(triple, p, 1), remotecallFetch(triple, p, 2)]);
      await clear(p);
      const afterOwnClear = await Promise.all([remotecallFetch(triple, p, 3), remotecallFetch(triple, p, 4)]);
      delete (globalThis as { keptPool?: CachingPool }).keptPool;
      delete (globalThis as { keptTriple?: unknown }).keptTriple;
      return [...results, ...afterOwnClear].map((r) => r[0]);
    }, a);
    t.same(afterMasterClear, [3, 6, 9, 12], "worker a's cached functions survive the master's clear, and its own clear re-ships them");
    t.same(
      await pmap(addId, range(0, 2), { pool: cp }).then((r) => r.map((v) => Math.floor(v / 10))),
      [0, 1],
      "the master re-ships after its clear",
    );
  });

  t.test("pool handles are released: release(), Symbol.dispose, a dropped handle, a process that exits", async (t) => {
    const [a, b] = pids as [number, number];
    const start = localReferenceCounts().pools;
    const pool = new WorkerPool([a]);
    await remotecallFetch(
      (p: WorkerPool) => {
        (globalThis as { heldPool?: WorkerPool }).heldPool = p;
      },
      a,
      pool,
    );
    await remotecallFetch(
      (p: WorkerPool) => {
        (globalThis as { heldPool?: WorkerPool }).heldPool = p;
      },
      b,
      pool,
    );
    t.equal(
      await remotecallFetch((p: WorkerPool) => (globalThis as { heldPool?: WorkerPool }).heldPool === p, b, pool),
      true,
      "sent twice, one handle object on b (holding twice)",
    );
    t.equal(localReferenceCounts().pools, start + 1, "the master keeps the pool while workers hold it");
    // Each release travels ahead of the call's answer on the same connection.
    await remotecallFetch(() => {
      const p = (globalThis as { heldPool?: WorkerPool }).heldPool!;
      p.release();
      delete (globalThis as { heldPool?: WorkerPool }).heldPool;
    }, a);
    t.equal(localReferenceCounts().pools, start + 1, "b still holds it");
    await remotecallFetch((p: WorkerPool, w: number) => p.push(w), b, pool, b);
    t.same(pool.workers(), [a, b], "push through a handle adds to the master's pool");
    t.equal(await remotecallFetch((p: WorkerPool) => p, b, pool), pool, "sent back to the master, a handle is the master's own pool");
    t.equal(localReferenceCounts().pools, start + 1, "and coming home adds no hold");
    const released = await remotecallFetch(
      (p: WorkerPool) => {
        delete (globalThis as { heldPool?: WorkerPool }).heldPool;
        p[Symbol.dispose](); // all of b's holds: one handle object stands for them
        try {
          p.put(1);
          return "usable";
        } catch (err) {
          return (err as Error).message;
        }
      },
      b,
      pool,
    );
    t.match(released, /this handle was released/, "a released handle refuses to work");
    t.equal(localReferenceCounts().pools, start, "freed on the master once no worker holds it");
    t.same(
      await pmap(() => myid(), range(0, 4), { pool, batchSize: 1 }).then((r) => [...new Set(r)].sort()),
      [a, b].sort(),
      "the pool itself still works here",
    );

    // A pool made on worker a, held by the master and dropped: a frees it after the master's GC.
    const before = await remotecallFetch(() => localReferenceCounts().pools, a);
    t.equal(await poolFromWorker(a), a, "the master used worker a's pool through its handle");
    t.equal(await remotecallFetch(() => localReferenceCounts().pools, a), before + 1, "worker a keeps it for the master");
    const gc = (globalThis as { gc?: () => void }).gc!;
    let kept = before + 1;
    for (let i = 0; i < 200 && kept > before; i++) {
      gc();
      await new Promise((r) => setImmediate(r));
      kept = await remotecallFetch(() => localReferenceCounts().pools, a);
    }
    t.equal(kept, before, "freed on worker a once the master's handle was collected");

    // A process that took a worker through a handle and exits gives it back.
    const [z] = await addprocs(1, { runtime });
    const lone = new WorkerPool([a]);
    t.equal(await remotecallFetch((p: WorkerPool) => p.take(), z!, lone), a, "worker z took a from the master's pool");
    t.equal(lone.isready(), false);
    await rmprocs([z!]);
    t.equal(lone.isready(), true, "z exited holding it: the master's pool has it back");
  });
}

/** Has worker `pid` make a pool of itself; the master uses it through a handle and drops it. */
async function poolFromWorker(pid: number): Promise<number> {
  const handle = await remotecallFetch(() => new WorkerPool([myid()]), pid);
  if (handle.where !== pid) throw new Error(`expected a handle to a pool on ${pid}, got one on ${handle.where}`);
  return remotecallFetch(() => myid(), handle);
}
