// The settings' order, option > configuration file > environment > default, as a user meets it:
// a plain master script (test/fixtures/settings-master.ts) run under node, bun and deno in a
// project directory, with DISTRIBUTED_* variables set. The workers' runtime
// (DISTRIBUTED_RUNTIME vs the file's runtime vs the option), and the pool sizes
// (DISTRIBUTED_THREADS vs the file's threads vs setNthreads and addprocs' threads, the master's
// option beating the worker's own directory's file).
import t from "tap";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ROOT, runMaster } from "../helpers/processes.ts";

const RUNTIMES = ["node", "bun", "deno"] as const;
type Runtime = (typeof RUNTIMES)[number];

mkdirSync(path.join(ROOT, "tmp"), { recursive: true });
const TMP = mkdtempSync(path.join(ROOT, "tmp", "settings-test-"));
t.teardown(() => rmSync(TMP, { recursive: true, force: true }));

/** A project directory (its own package.json ends the configuration search) with this distributed.config.json, if any. */
function project(name: string, config?: Record<string, unknown>): string {
  const dir = path.join(TMP, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: `settings-test-${name}`, private: true }));
  if (config !== undefined) writeFileSync(path.join(dir, "distributed.config.json"), JSON.stringify(config));
  return dir;
}

interface Report {
  runtime: Runtime;
  early: number | null;
  nthreads: number;
  ran: number;
  worker: { runtime: Runtime; nthreads: number } | null;
}

/** Runs the fixture under `runtime` in `dir` with these variables (and no other DISTRIBUTED_* ones). */
async function run(runtime: Runtime, dir: string, vars: Record<string, string>, request: Record<string, unknown>): Promise<{ report: Report | null; stderr: string; code: number | null }> {
  const env: Record<string, string> = {};
  for (const name of Object.keys(process.env)) if (name.startsWith("DISTRIBUTED_")) env[name] = "";
  const r = await runMaster(runtime, "settings-master", [JSON.stringify(request)], { ...env, ...vars }, 90_000, dir);
  const line = r.stdout.split("\n").find((l) => l.startsWith("SETTINGS-REPORT "));
  return { report: line === undefined ? null : (JSON.parse(line.slice("SETTINGS-REPORT ".length)) as Report), stderr: r.stderr, code: r.code };
}

const other = (r: Runtime, k: number): Runtime => RUNTIMES[(RUNTIMES.indexOf(r) + k) % 3]!;

for (const master of RUNTIMES) {
  // Three runtimes, each differing from this master's own (the default) where it must.
  const fromEnv = other(master, 1);
  const fromFile = other(master, 2);

  t.test(`${master} master: DISTRIBUTED_RUNTIME=${fromEnv}, DISTRIBUTED_THREADS=3, no configuration file`, async (t) => {
    const r = await run(master, project(`${master}-env`), { DISTRIBUTED_RUNTIME: fromEnv, DISTRIBUTED_THREADS: "3" }, { addprocs: {} });
    t.equal(r.code, 0, r.stderr);
    t.equal(r.report?.runtime, master);
    t.equal(r.report?.worker?.runtime, fromEnv, `addprocs(1) with no option starts ${fromEnv} workers`);
    t.same([r.report?.nthreads, r.report?.ran], [3, 3], "the master's pool: DISTRIBUTED_THREADS");
    t.equal(r.report?.worker?.nthreads, 3, "the worker's pool: the variable it inherited");
    t.equal(r.stderr, "", "no warning");
  });

  t.test(`${master} master: the file (runtime ${fromFile}, threads 2) beats DISTRIBUTED_RUNTIME=${fromEnv} and DISTRIBUTED_THREADS=3`, async (t) => {
    const r = await run(master, project(`${master}-file`, { runtime: fromFile, threads: 2 }), { DISTRIBUTED_RUNTIME: fromEnv, DISTRIBUTED_THREADS: "3" }, { addprocs: {} });
    t.equal(r.code, 0, r.stderr);
    t.equal(r.report?.worker?.runtime, fromFile, `${fromFile} workers`);
    t.same([r.report?.nthreads, r.report?.ran], [2, 2], "the master's pool: the file's threads, not the variable's");
    t.equal(r.report?.worker?.nthreads, 2, "the worker's pool: the file's threads, passed by the master");
    t.equal(r.stderr, "", "no warning");
  });

  t.test(`${master} master: options beat the file and the environment; the master's threads option beats the worker's own file`, async (t) => {
    // The worker starts in this directory too, so its own configuration file would say threads: 2.
    const dir = project(`${master}-option`, { runtime: fromFile, threads: 2 });
    const r = await run(master, dir, { DISTRIBUTED_RUNTIME: fromEnv, DISTRIBUTED_THREADS: "3" }, { addprocs: { runtime: master, threads: 4 }, setNthreads: 1 });
    t.equal(r.code, 0, r.stderr);
    t.equal(r.report?.worker?.runtime, master, `the option runtime ${master} over the file's ${fromFile} and the variable's ${fromEnv}`);
    t.same([r.report?.nthreads, r.report?.ran], [1, 1], "the master's pool: setNthreads(1)");
    t.equal(r.report?.worker?.nthreads, 4, "the worker's pool: addprocs' threads: 4, over its directory's file (2) and the inherited variable (3)");
  });

  t.test(`${master} master: nthreads() asked before the file was read keeps its answer and says so`, async (t) => {
    const dir = project(`${master}-early`, { threads: 2 });
    const r = await run(master, dir, { DISTRIBUTED_THREADS: "3" }, { early: true });
    t.equal(r.code, 0, r.stderr);
    t.same([r.report?.early, r.report?.nthreads, r.report?.ran], [3, 3, 3], "the pool has the size the script was told");
    t.equal(
      r.stderr,
      `Warning: threads.nthreads() answered 3 (from DISTRIBUTED_THREADS) before the configuration file ${path.join(dir, "distributed.config.json")} was read, so the pool keeps 3 threads, ` +
        "not the file's threads: 2. To have the file's size, ask nthreads() after the first addprocs or parallel call, or call threads.setNthreads(n) first\n",
      "one warning naming both sizes and the fix",
    );
    const late = await run(master, dir, { DISTRIBUTED_THREADS: "3" }, {});
    t.same([late.report?.nthreads, late.report?.ran, late.stderr], [2, 2, ""], "asked after the first parallel call: the file's size");
  });
}
