// spmd(fn, { pids }) from a master under node, bun and deno, each over 4 workers of its own
// runtime (test/fixtures/spmd-master.ts prints every result as one JSON line): every collective,
// send/recv with tags and any-source, split, finalize with a message left; then the failures,
// which must reject on every rank and name the rank, fast: mismatched collectives, a rank that
// exits while the others wait, a rank whose function throws.
import t, { type Test } from "tap";
import { runMaster } from "../helpers/processes.ts";

const RUNTIMES = ["node", "bun", "deno"] as const;

async function results(t: Tap, runtime: string, mode: string): Promise<Record<string, unknown> | null> {
  const run = await runMaster(runtime, "spmd-master", [mode], {}, 180_000);
  const line = run.stdout.split("\n").find((l) => l.startsWith('{"runtime":'));
  if (line === undefined || run.code !== 0) {
    t.fail(`${runtime} ${mode}: no results (code ${run.code})\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
    return null;
  }
  return JSON.parse(line) as Record<string, unknown>;
}
type Tap = Test;

const n = 4;
const ranks = Array.from({ length: n }, (_, r) => r);
const each = <T>(f: (r: number) => T): T[] => ranks.map(f);

for (const runtime of RUNTIMES) {
  t.test(`${runtime}: every collective and point-to-point call`, async (t) => {
    const out = await results(t, runtime, "all");
    if (out === null) return;
    t.equal(out.runtime, runtime);
    t.same(out.ranks, each((r) => [r, n]));
    const sum = ranks.reduce((a, r) => a + r + 1, 0);
    t.same(out.allreduce, each(() => sum));
    t.same(out.allreduceMax, each(() => (n - 1) * 3));
    t.same(out.allreduceFn, each(() => ranks.join("")), "a function, in rank order");
    t.same(out.allreduceVec, each(() => [ranks.reduce((a, r) => a + r, 0), n, -ranks.reduce((a, r) => a + r, 0)]));
    t.same(out.allreduceRing, each(() => ["Float64Array", 1 << 20, 0]), "8 MiB through the ring: every element right");
    t.same(out.allreduceMin, each(() => [0, -(n - 1)]));
    t.same(out.reduce, each((r) => (r === 0 ? ranks.reduce((a, x) => a + x, 0) : null)));
    t.same(out.reduceRoot2, each((r) => (r === 2 ? ranks.reduce((a, x) => a * (x + 1), 1) : null)));
    t.same(out.bcast, each(() => ({ from: 1 })));
    t.same(out.gather, each((r) => (r === 3 ? ranks.map((x) => x * 10) : null)));
    t.same(out.allgather, each(() => ranks.map((x) => `r${x}`)));
    t.same(out.scatter, ["a", "b", "c", "d"]);
    t.same(out.barrier, each(() => "ok"));
    t.same(out.ring, each((r) => (r - 1 + n) % n));
    t.same((out.anySource as unknown[])[0], ranks.slice(1).map((r) => [r, r, r * 100]));
    // color = rank % 2, key = -rank: the higher rank first
    t.same(out.split, each((r) => [r < 2 ? 1 : 0, 2, r % 2 === 0 ? 2 : 4]));
    t.same(out.typedBcast, each(() => ["Float64Array", [1.5, 2.5]]));
    const pending = out.pending as unknown[];
    t.same(pending[0], ["ERR_SPMD_PENDING", "finalize() on rank 0 of 4: a message from rank 1 with tag 9 was never received"]);
    t.same(pending.slice(1), ["finalized", "finalized", "finalized"]);
    t.same(out.afterFinalize, each(() => "ERR_SPMD_FINALIZED"));
  });

  t.test(`${runtime}: failures reject on every rank, naming the rank`, async (t) => {
    const mismatch = await results(t, runtime, "mismatch");
    const err = mismatch?.error as { name: string; code: string; message: string } | undefined;
    t.equal(err?.code, "ERR_SPMD_MISMATCH");
    t.match(err?.message, /collective #0 .* rank \d called (bcast|reduce), rank \d called (bcast|reduce)/);
    t.match(err?.message, /bcast/);
    t.match(err?.message, /reduce/);
    const died = await results(t, runtime, "die");
    const e2 = died?.error as { code: string; message: string } | undefined;
    t.ok(e2?.code === "ERR_SPMD_RANK_EXITED" || e2?.code === "ERR_PROCESS_EXITED", String(e2?.code));
    t.match(e2?.message, /rank 2 \(pid \d+\)|worker \d+/, "names the rank that exited");
    t.ok((died?.ms as number) < 10_000, `rejected in ${died?.ms} ms`);
    const threw = await results(t, runtime, "throw");
    const e3 = threw?.error as { name: string; message: string } | undefined;
    t.equal(e3?.name, "RemoteError", "the rank's own error, not the others' report of it");
    t.match(e3?.message, /rank one fails on purpose/);
  });
}
