// Master scripts run as subprocesses under node, bun and deno: the user's view end to end.
// (Seed 004's hundred workers per runtime are in seed004.test.ts: a file of their own, so
// that on a busy machine they do not spend this file's time budget.)
import t from "tap";
import { alive, lastJson, runMaster, startMaster, waitUntil } from "../helpers/processes.ts";

const RUNTIMES = ["node", "bun", "deno"] as const;

for (const runtime of RUNTIMES) {
  t.test(`${runtime} master: the issue's example works end to end`, async (t) => {
    const run = await runMaster(runtime, "issue-example");
    t.equal(run.code, 0, run.stderr);
    const r = lastJson(run.stdout) as {
      pids: number[];
      sum: number;
      cached: boolean;
      pi: number;
      any: number[];
      waited: string;
      ospids: number[];
      before: { workers: number[]; nworkers: number };
      after: number[];
    };
    t.same(r.pids, [2, 3]);
    t.equal((r as unknown as { nested: number }).nested, 240, "named inner functions ship");
    t.equal((r as unknown as { bigOk: boolean }).bigOk, true, "large arrays sent concurrently from this runtime arrive intact");
    t.equal(r.sum, 3);
    t.equal(r.cached, true);
    t.ok(Math.abs(r.pi - Math.PI) < 1e-6, `pi = ${r.pi}`);
    t.same([...r.any].sort(), [2, 3], "spawnat any went round robin");
    t.equal(r.waited, "waited");
    t.same(r.before, { workers: [2, 3], nworkers: 2 });
    t.same(r.after, [1]);
    t.match(run.stdout, /^From worker 3:\thello from 3$/m, "worker output is forwarded line by line");
    for (const o of r.ospids) t.notOk(alive(o), `worker process ${o} is gone`);
  });

  t.test(`${runtime} master that ends without rmprocs exits and takes its workers along`, async (t) => {
    const run = await runMaster(runtime, "leave-workers", [], {}, 30_000);
    t.equal(run.code, 0, run.stderr);
    const { ospids } = lastJson(run.stdout) as { ospids: number[] };
    t.equal(ospids.length, 2);
    for (const o of ospids) t.notOk(alive(o), `worker process ${o} is gone`);
  });

  t.test(`${runtime} master killed with SIGKILL: every worker exits within 2 s`, async (t) => {
    const child = startMaster(runtime, "leave-workers", ["hang"]);
    let out = "";
    const ospids = await new Promise<number[]>((resolve, reject) => {
      child.stdout!.on("data", (d: Buffer) => {
        out += d.toString();
        const m = /\{"ospids":\[(\d+),(\d+)\]\}/.exec(out);
        if (m) resolve([Number(m[1]), Number(m[2])]);
      });
      child.once("close", () => reject(new Error(`master ended early: ${out}`)));
    });
    for (const o of ospids) t.ok(alive(o), `worker ${o} runs while the master does`);
    child.kill("SIGKILL");
    const waited = await waitUntil(() => ospids.every((o) => !alive(o)), 2000, "workers to exit after the master was killed");
    t.ok(waited <= 2000, `all workers gone ${waited} ms after the kill`);
  });
}

for (const runtime of RUNTIMES) {
  t.test(`${runtime} master runs the seeds' channel examples`, async (t) => {
    const run = await runMaster(runtime, "channels-example", [], {}, 90_000);
    t.equal(run.code, 0, run.stderr);
    const r = lastJson(run.stdout) as { seed001: number[]; ids: number[]; by: number[] };
    t.same(r.seed001, [2, 3], "seed 001: each worker put its pid");
    t.same(r.ids, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], "seed 003: every job came back");
    t.ok(r.by.length >= 1 && r.by.every((p) => p === 2 || p === 3), `done by workers ${r.by.join(", ")}`);
  });
}

for (const runtime of RUNTIMES) {
  t.test(`${runtime} master: pmap without workers runs locally and prints progress lines`, async (t) => {
    const run = await runMaster(runtime, "pmap-local", [], {}, 60_000);
    t.equal(run.code, 0, run.stderr);
    const r = lastJson(run.stdout) as { workers: number[]; n: number; last: number[]; where: number[] };
    t.same(r, { workers: [1], n: 300, last: [598, 1], where: [1] });
    t.match(run.stderr, /^pmap: 300\/300 \(100%\) .* done in /m, "a final progress line on stderr");
  });

  t.test(`${runtime} master: waiting on its pool for a worker another process gives back keeps it alive`, async (t) => {
    const run = await runMaster(runtime, "pool-wait", [], {}, 60_000);
    t.equal(run.code, 0, run.stderr);
    const r = lastJson(run.stdout) as { waited: boolean; took: number; worker: number };
    t.equal(r.waited, true, "pool.wait() resolved when the worker put its worker back");
    t.equal(r.took, r.worker, "pool.take() got it once given back");
  });
}

for (const runtime of ["bun", "deno"] as const) {
  t.test(`${runtime} master starts workers under every runtime`, async (t) => {
    const run = await runMaster(runtime, "cross-runtime", [], {}, 90_000);
    t.equal(run.code, 0, run.stderr);
    t.same(lastJson(run.stdout), { master: runtime, workers: { node: "node", bun: "bun", deno: "deno" } });
  });
}

for (const missing of ["bun", "deno"] as const) {
  t.test(`a ${missing} worker when ${missing} is not installed: a clear error naming the fix`, async (t) => {
    const run = await runMaster("node", "missing-runtime", [missing], { PATH: "/nonexistent" }, 30_000, "/tmp");
    t.equal(run.code, 0, run.stderr);
    const r = lastJson(run.stdout) as { name: string; code: string; message: string };
    t.equal(r.code, "ERR_RUNTIME_NOT_FOUND");
    t.match(r.message, new RegExp(`no \`${missing}\` executable was found`));
    t.match(r.message, /exename/);
  });
}
