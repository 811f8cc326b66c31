// DArray with node, bun and deno workers (the master is this Node process): the shared suite
// (test/suites/darray.ts) per runtime, one DArray over workers of all three runtimes, the leak
// test (100s of DArrays dropped unreleased leave no chunk behind once collected), and a worker
// killed with SIGKILL (its chunk is gone: operations reject with ProcessExitedError naming it).
import t from "tap";
import {
  addprocs,
  capture,
  distribute,
  dones,
  fetchfrom,
  localpart,
  myid,
  ProcessExitedError,
  rmprocs,
  type RuntimeName,
} from "../../src/mod.ts";
import { peers } from "../../src/cluster/peers.ts";
import { chunkCounts, darraySuite } from "../suites/darray.ts";

const RUNTIMES: RuntimeName[] = ["node", "bun", "deno"];

for (const runtime of RUNTIMES) {
  t.test(`DArray on ${runtime} workers`, async (t) => {
    const pids = await addprocs(2, { runtime });
    t.teardown(() => rmprocs(pids));
    darraySuite(t as never, runtime, pids);
  });
}

t.test("one DArray over a node, a bun and a deno worker, and the master", async (t) => {
  const pids = [
    ...(await addprocs(1, { runtime: "node" })),
    ...(await addprocs(1, { runtime: "bun" })),
    ...(await addprocs(1, { runtime: "deno" })),
  ];
  t.teardown(() => rmprocs(pids));
  const x = Float64Array.from({ length: 1000 }, (_, i) => i);
  const D = await distribute(x, { pids: [myid(), ...pids] });
  t.same(D.indices.map(([r]) => String(r)), ["range(0, 250)", "range(250, 500)", "range(500, 750)", "range(750, 1000)"]);
  t.equal(localpart(D).length, 250, "the master holds its chunk too");
  t.equal(localpart(D)[0], 0);
  const E = await D.map((v) => v * 2);
  t.same([...(await E.collect())], [...x].map((v) => v * 2));
  t.equal(await E.reduce("+"), 999_000);
  const runtimes = await Promise.all(pids.map((p) => fetchfrom(p, capture({ D }, () => [currentRuntime(), localpart(D)[0]]))));
  t.same(runtimes, [["node", 250], ["bun", 500], ["deno", 750]]);
  D.release();
  E.release();
});
declare function currentRuntime(): string;

t.test("leak test: 300 DArrays dropped without release leave the owners empty once collected", async (t) => {
  const gc = (globalThis as { gc?: () => void }).gc!;
  const pids = await addprocs(2, { runtime: "node" });
  t.teardown(() => rmprocs(pids));
  t.same(await chunkCounts(pids), [0, 0], "fresh workers hold no chunk");
  for (let batch = 0; batch < 3; batch++) await dropArrays(100);
  const start = Date.now();
  for (;;) {
    gc();
    await new Promise((r) => setImmediate(r));
    const counts = await chunkCounts(pids);
    if (counts.every((c) => c === 0)) break;
    if (Date.now() - start > 30_000) {
      t.fail(`chunks left after 30 s of collections: ${counts}`);
      break;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  t.same(await chunkCounts(pids), [0, 0], "every chunk freed");
});

/** Makes `n` DArrays (and maps of them) and drops them all. */
async function dropArrays(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const D = await dones(64);
    await D.map((x) => x + 1);
  }
}

t.test("a worker killed with SIGKILL takes its chunk: operations reject with ProcessExitedError naming it, nothing hangs", async (t) => {
  const pids = await addprocs(2, { runtime: "node" });
  t.teardown(() => rmprocs(pids.filter((p) => peers.get(p) !== undefined)));
  const D = await distribute(Float64Array.from({ length: 10 }, (_, i) => i));
  const victim = pids[1]!;
  // The worker dies while it runs a map that never ends on its chunk, so that map's rejection is
  // the event to wait for. (Awaiting only a peers.onRemoved promise would leave this process's
  // event loop empty: its beforeExit hook would then rmprocs the other worker too.)
  const stuck = D.map((x) => {
    while (x === 7) {
      // forever, on the victim's chunk
    }
    return x;
  });
  process.kill(peers.get(victim)!.info!.ospid, "SIGKILL");
  const first = await stuck.catch((e: unknown) => e);
  t.type(first, ProcessExitedError, "the operation running when it died rejects");
  t.match((first as Error).message, "it held chunk 1 (indices [5, 10))");
  for (const op of [() => D.reduce("+"), () => D.map((x) => x), () => D.collect()]) {
    const err = await op().catch((e: unknown) => e);
    t.type(err, ProcessExitedError);
    t.equal((err as ProcessExitedError).pid, victim);
    t.match(
      (err as Error).message,
      `it held chunk 1 (indices [5, 10)) of the DArray with dims [10], dist [2] on pids [${pids[0]}, ${victim}]`,
    );
  }
  t.equal(await fetchfrom(pids[0]!, capture({ D }, () => localpart(D).length)), 5, "the other chunk is still there");
  D.release();
});
