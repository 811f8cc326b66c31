// Shared suite: RemoteChannel, Futures across processes, worker-to-worker calls, and the
// distributed GC, against workers of one runtime. `pids`: two workers, already added.
import { execFileSync } from "node:child_process";
import type tap from "tap";
import {
  addprocs,
  Channel,
  ChannelClosedError,
  clear,
  everywhere,
  localReferenceCounts,
  myid,
  ProcessExitedError,
  procs,
  remotecall,
  remotecallFetch,
  RemoteChannel,
  remoteDo,
  RemoteError,
  rmprocs,
  type RuntimeName,
  spawnat,
  workers,
} from "../../src/mod.ts";
import { whileHeld } from "../../src/cluster/keepalive.ts";
import { peers } from "../../src/cluster/peers.ts";
import { waitUntil } from "../helpers/processes.ts";

type TAP = typeof tap;

declare function doWork(jobs: RemoteChannel<number>, results: RemoteChannel<[number, number, number]>): Promise<void>;
declare const bigTable: number[];

function ospidOf(pid: number): number {
  return peers.get(pid)!.info!.ospid;
}

/** Established TCP connections of an OS process (via ss, from iproute2). */
function tcpConnections(ospid: number): number {
  const out = execFileSync("ss", ["-tnp", "state", "established"], { encoding: "utf8" });
  return out.split("\n").filter((l) => l.includes(`pid=${ospid},`)).length;
}

async function counts(pids: number[]): Promise<Array<{ futures: number; channels: number; pools: number; chunks: number }>> {
  return Promise.all(pids.map((p) => remotecallFetch(() => localReferenceCounts(), p)));
}

/** Collects garbage here until `cond` holds (FinalizationRegistry callbacks run after GC). */
async function collectUntil(
  cond: () => Promise<boolean>,
  what: string,
  lastState: () => Promise<unknown> = async () => null,
): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error("run the tests with --expose-gc");
  const start = Date.now();
  for (;;) {
    gc();
    await new Promise((r) => setImmediate(r));
    if (await cond()) return;
    if (Date.now() - start > 30_000) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(await lastState())}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function channelsSuite(t: TAP, runtime: RuntimeName, pids: number[]): void {
  const [a, b] = pids as [number, number];

  t.test("seed 001: workers put their pids into a RemoteChannel on the master", async (t) => {
    const r = new RemoteChannel<number>(() => new Channel(10));
    await Promise.all(workers().map((p) => spawnat(p, (rc: RemoteChannel<number>) => rc.put(myid()), r).wait()));
    t.equal(await r.isready(), true);
    const took: number[] = [];
    while (await r.isready()) took.push(await r.take());
    t.same(took.sort((x, y) => x - y), pids);
  });

  t.test("seed 003: the jobs/results pattern", async (t) => {
    const jobs = new RemoteChannel<number>(() => new Channel(32));
    const results = new RemoteChannel<[number, number, number]>(() => new Channel(32));
    await everywhere({
      async doWork(jobs: RemoteChannel<number>, results: RemoteChannel<[number, number, number]>) {
        for (;;) {
          const id = await jobs.take();
          await new Promise((r) => setTimeout(r, Math.random() * 20));
          await results.put([id, id * 10, myid()]);
        }
      },
    });
    for (const p of workers()) remoteDo(doWork, p, jobs, results);
    for (let i = 1; i <= 12; i++) await jobs.put(i);
    const got: Array<[number, number, number]> = [];
    for (let n = 12; n > 0; n--) got.push(await results.take());
    t.same(got.map((r) => r[0]).sort((x, y) => x - y), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    t.ok(got.every(([id, v, w]) => v === id * 10 && pids.includes(w)), "each result names the worker that did it");
    await jobs.close();
  });

  t.test("a channel on one worker, used by the master and by another worker", async (t) => {
    const rc = new RemoteChannel<string>(() => new Channel(4), a);
    t.equal(rc.where, a);
    await remotecallFetch(
      async (ch: RemoteChannel<string>) => {
        await ch.put(`from ${myid()}`);
      },
      b,
      rc,
    );
    t.equal(await rc.fetch(), `from ${b}`, "fetch reads without removing");
    t.equal(await rc.isready(), true);
    t.equal(await rc.take(), `from ${b}`);
    t.equal(await rc.isready(), false);
    t.equal(await rc.isopen(), true);
    const taken = remotecallFetch((ch: RemoteChannel<string>) => ch.take(), b, rc);
    await rc.put("to b");
    t.equal(await taken, "to b", "a worker waiting on another worker's channel gets the value");
  });

  t.test("closed remote channels: put fails, take drains then fails, for await ends", async (t) => {
    const rc = new RemoteChannel<number>(() => new Channel(4), a);
    await rc.put(1);
    await rc.put(2);
    await rc.close();
    t.equal(await rc.isopen(), false);
    const putErr = await rc.put(3).catch((e: unknown) => e);
    t.type(putErr, ChannelClosedError);
    t.equal((putErr as ChannelClosedError).code, "ERR_CHANNEL_CLOSED");
    t.equal(await rc.take(), 1);
    const rest: number[] = [];
    for await (const x of rc) rest.push(x);
    t.same(rest, [2], "for await drained what was left and ended");
    await t.rejects(rc.take(), ChannelClosedError);
    const fromWorker = await remotecallFetch(
      async (ch: RemoteChannel<number>) => {
        try {
          await ch.take();
          return "took";
        } catch (err) {
          return (err as { code?: string }).code;
        }
      },
      b,
      rc,
    );
    t.equal(fromWorker, "ERR_CHANNEL_CLOSED", "a third process sees the same error");
  });

  t.test("backpressure: a put on a full remote channel waits for a take", async (t) => {
    const rc = new RemoteChannel<number>(() => new Channel(2), a);
    await rc.put(1);
    await rc.put(2);
    let third = false;
    const p3 = rc.put(3).then(() => (third = true));
    t.equal(await rc.isready(), true); // operations are served in order: put(3) is now waiting
    t.equal(third, false, "the third put is still waiting");
    t.equal(await rc.take(), 1);
    await p3;
    t.equal(third, true, "the take let it in");
    t.same([await rc.take(), await rc.take()], [2, 3]);
  });

  t.test("an unbuffered remote channel hands over directly", async (t) => {
    const rc = new RemoteChannel<string>(() => new Channel(0), b);
    let putDone = false;
    const put = remotecallFetch((ch: RemoteChannel<string>) => ch.put("hand-over"), a, rc).then(() => (putDone = true));
    // Worker a's put reaches b over its own connection: wait until it is there.
    await waitFor(() => rc.isready(), "worker a's put to arrive");
    t.equal(putDone, false, "the put waits for a taker");
    t.equal(await rc.take(), "hand-over");
    await put;
    t.equal(putDone, true);
  });

  t.test("a RemoteChannel backed by any object with the channel interface", async (t) => {
    const rc = new RemoteChannel<number>(() => {
      const items: number[] = [];
      return {
        put: (v: number) => (items.push(v * 2), v),
        take: () => items.shift()!,
        fetch: () => items[0]!,
        isready: () => items.length > 0,
        wait: () => undefined,
        close: () => undefined,
        isopen: () => true,
      };
    }, a);
    await rc.put(21);
    t.equal(await rc.take(), 42);
    const bad = new RemoteChannel<number>(() => ({}) as never, a);
    await t.rejects(bad.take(), { name: "RemoteError", message: /not a channel/ });
  });

  t.test("Futures across processes", async (t) => {
    const f = remotecall(() => 6 * myid(), a);
    t.equal(
      await remotecallFetch((fut: { fetch(): Promise<number> }) => fut.fetch(), b, f),
      6 * a,
      "a Future passed to a third process resolves there",
    );
    t.equal(await f.fetch(), 6 * a, "and still here");
    const g = remotecall(() => "carried", a);
    await g.fetch();
    const [victim] = await addprocs(1, { runtime });
    const fromOwnerGone = remotecall(() => "value of the dead", victim!);
    await fromOwnerGone.fetch();
    process.kill(ospidOf(victim!), "SIGKILL");
    await waitUntil(() => peers.get(victim!) === undefined, 5000, "the victim to be gone");
    t.equal(
      await remotecallFetch((fut: { fetch(): Promise<string> }) => fut.fetch(), b, fromOwnerGone),
      "value of the dead",
      "a fetched Future passed on carries its value",
    );
    t.equal(await remotecallFetch((fut: { fetch(): Promise<string> }) => fut.fetch(), b, g), "carried");
  });

  t.test("worker-to-worker calls, both ways and in chains", async (t) => {
    t.equal(await remotecallFetch((to: number) => remotecallFetch(() => myid() * 100, to), a, b), b * 100);
    t.equal(await remotecallFetch((to: number) => remotecallFetch(() => myid() * 100, to), b, a), a * 100);
    t.equal(
      await remotecallFetch((x: number, y: number) => remotecallFetch((z: number) => remotecallFetch(() => myid(), z), x, y), a, b, a),
      a,
      "a -> b -> a",
    );
  });

  t.test("two workers calling each other at the same moment end with one connection", async (t) => {
    const [x, y] = (await addprocs(2, { runtime })) as [number, number];
    const call = (from: number, to: number): Promise<number> =>
      remotecallFetch((other: number) => remotecallFetch(() => myid(), other), from, to);
    const [r1, r2] = await Promise.all([call(x, y), call(y, x)]);
    t.same([r1, r2], [y, x], "both calls succeed");
    await Promise.all([call(x, y), call(y, x), call(x, y)]);
    t.equal(tcpConnections(ospidOf(x)), 2, "x has its master connection and one to y");
    t.equal(tcpConnections(ospidOf(y)), 2, "y has its master connection and one to x");
    await rmprocs([x, y]);
  });

  t.test("a worker killed while others wait on its channel", async (t) => {
    const [v] = (await addprocs(1, { runtime })) as [number];
    const rc = new RemoteChannel<number>(() => new Channel(1), v);
    await rc.isready();
    const masterWait = rc.take();
    const workerWait = remotecallFetch(
      async (ch: RemoteChannel<number>) => {
        try {
          await ch.take();
          return "took";
        } catch (err) {
          return (err as Error).name;
        }
      },
      a,
      rc,
    );
    await remotecallFetch((ch: RemoteChannel<number>) => ch.isready(), a, rc); // worker a is connected to v
    process.kill(ospidOf(v), "SIGKILL");
    const err = await masterWait.catch((e: unknown) => e);
    t.type(err, ProcessExitedError);
    t.equal((err as ProcessExitedError).pid, v);
    t.equal(await workerWait, "ProcessExitedError", "the waiting worker was told too");
    t.equal(await remotecallFetch(() => "still here", a), "still here", "the rest of the cluster keeps working");
    const seen = await remotecallFetch((gone: number) => procs().includes(gone), a, v);
    t.equal(seen, false, "worker a no longer lists the dead worker");
  });

  t.test("a worker killed while it waits on a channel: its waits are withdrawn, no item goes to it, the channel is freed", async (t) => {
    const [owner, taker] = (await addprocs(2, { runtime })) as [number, number];
    t.teardown(() => rmprocs([owner]));
    const rc = new RemoteChannel<number>(() => new Channel(4), owner);
    const idle = new RemoteChannel<number>(() => new Channel(4), owner);
    await Promise.all([rc.isready(), idle.isready()]);
    // The taker's isready reaches the owner after its two takes, on the same connection: once
    // it answers, both takes are waiting there.
    const ready = await remotecallFetch(
      (rc: RemoteChannel<number>, idle: RemoteChannel<number>) => {
        rc.take().catch(() => {});
        idle.take().catch(() => {});
        return rc.isready();
      },
      taker,
      rc,
      idle,
    );
    t.equal(ready, false);
    const gone = peers.get(taker)!.gone;
    process.kill(ospidOf(taker), "SIGKILL");
    // Nothing of ours is pending while the master waits for the process to end: hold it open.
    await whileHeld(() => gone);
    // The master told the owner the taker is gone before anything it sends from now on.
    await rc.put(42);
    t.equal(await rc.isready(), true, "the item put after the death waits in the channel (it was not handed to the dead taker)");
    if (await rc.isready()) t.equal(await rc.take(), 42);
    rc.release();
    idle.release();
    t.equal(
      await remotecallFetch(() => localReferenceCounts().channels, owner),
      0,
      "the owner freed both channels: the dead taker's waits do not hold them",
    );
  });

  t.test("release, using and fetch free remote values at once", async (t) => {
    const before = await counts([a]);
    const f = remotecall(() => new Float64Array(1000), a);
    await f.wait();
    t.equal((await counts([a]))[0]!.futures, before[0]!.futures + 1, "the value is held on the owner");
    f.release();
    await waitFor(async () => (await counts([a]))[0]!.futures === before[0]!.futures, "release to free the value");
    {
      using g = remotecall(() => 1, a);
      await g.wait();
    }
    await waitFor(async () => (await counts([a]))[0]!.futures === before[0]!.futures, "using to free the value");
    const h = remotecall(() => 2, a);
    t.equal(await h.fetch(), 2);
    await waitFor(async () => (await counts([a]))[0]!.futures === before[0]!.futures, "fetch to free the value");
    const rc = new RemoteChannel<number>(() => new Channel(1), a);
    await rc.isready();
    t.equal((await counts([a]))[0]!.channels, before[0]!.channels + 1);
    rc.release();
    await waitFor(async () => (await counts([a]))[0]!.channels === before[0]!.channels, "release to free the channel");
  });

  t.test("a release never breaks a call still in flight on that reference", async (t) => {
    const f = remotecall(() => new Promise<string>((r) => setTimeout(() => r("late"), 100)), a);
    const p = remotecallFetch((fut: { fetch(): Promise<string> }) => fut.fetch(), b, f);
    f.release(); // b holds its own reference, counted before this release could arrive
    t.equal(await p, "late");
  });

  t.test("leak test: 100,000 dropped calls and 10,000 dropped channels leave the owners empty", async (t) => {
    const gc = (globalThis as { gc?: () => void }).gc!;
    const pids = await addprocs(2, { runtime });
    t.teardown(() => rmprocs(pids));
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    const start = await counts(pids);
    t.same(
      start,
      [{ futures: 0, channels: 0, pools: 0, chunks: 0 }, { futures: 0, channels: 0, pools: 0, chunks: 0 }],
      "fresh workers own nothing",
    );
    // Batches are made in helpers that return: a suspended async frame (this test) may keep the
    // last batch it touched reachable, which would say nothing about the library.
    for (let batch = 0; batch < 20; batch++) await dropCalls(pids, 5000);
    for (let batch = 0; batch < 10; batch++) await dropChannels(pids, 1000);
    await collectUntil(
      async () => (await counts(pids)).every((c) => c.futures === 0 && c.channels === 0),
      "the owners' tables to empty",
      () => counts(pids),
    );
    t.same(await counts(pids), start, "no value or channel is left on the workers");
    gc();
    const growth = process.memoryUsage().heapUsed - heapBefore;
    t.comment(`${runtime} workers: master heap growth after 100k calls + 10k channels: ${(growth / 1e6).toFixed(1)} MB`);
    t.ok(growth < 32e6, `master heap grew by ${(growth / 1e6).toFixed(1)} MB`);
  });

  t.test("clear drops Main bindings on workers", async (t) => {
    await everywhere({ bigTable: [1, 2, 3] });
    t.equal(await remotecallFetch(() => bigTable.length, a), 3);
    await clear(["bigTable"]);
    const err = await remotecallFetch(() => bigTable.length, a).catch((e: unknown) => e);
    t.type(err, RemoteError);
    t.equal((err as RemoteError).remote.name, "ReferenceError");
    t.equal(await remotecallFetch(() => (globalThis as { bigTable?: unknown }).bigTable === undefined, b), true, "the global went too");
    await clear(["bigTable"], [1]);
  });
}

/** Makes `n` remote calls whose Futures are dropped unfetched. */
async function dropCalls(pids: number[], n: number): Promise<void> {
  const futures = [];
  for (let i = 0; i < n; i++) futures.push(remotecall((x: number) => x + 1, pids[i & 1]!, i));
  await futures[n - 1]!.wait();
  await futures[n - 2]!.wait();
}

/** Makes `n` RemoteChannels on the workers and drops them. */
async function dropChannels(pids: number[], n: number): Promise<void> {
  const channels = [];
  for (let i = 0; i < n; i++) channels.push(new RemoteChannel<number>(() => new Channel(1), pids[i & 1]!));
  await channels[n - 1]!.isready();
  await channels[n - 2]!.isready();
}

async function waitFor(cond: () => Promise<boolean>, what: string): Promise<void> {
  const start = Date.now();
  while (!(await cond())) {
    if (Date.now() - start > 5000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
