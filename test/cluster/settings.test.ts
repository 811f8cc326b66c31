// The settings' order, option > configuration file > environment > default, as a user meets it:
// a plain master script (test/fixtures/settings-master.ts) run under node, bun and deno in a
// project directory, with DISTRIBUTED_* variables set. The workers' runtime
// (DISTRIBUTED_RUNTIME vs the file's runtime vs the option), and the pool sizes
// (DISTRIBUTED_THREADS vs the file's threads vs setNthreads and addprocs' threads, the master's
// option beating the worker's own directory's file). The CLI's own settings (DISTRIBUTED_PROCS).
// On the Slurm test cluster: SBATCH_* as the environment level of the job settings.
import t from "tap";
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { ROOT, runMaster, runScriptInTime } from "../helpers/processes.ts";
import { slurmCluster, slurmEnv } from "../helpers/slurm-cluster.ts";

const execFileP = promisify(execFile);

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

/** These variables, every other DISTRIBUTED_* one emptied (an empty variable counts as not set). */
function only(vars: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of Object.keys(process.env)) if (name.startsWith("DISTRIBUTED_")) env[name] = "";
  return { ...env, ...vars };
}

/** Runs the fixture under `runtime` in `dir` with these variables (and no other DISTRIBUTED_* ones). */
async function run(
  runtime: Runtime,
  dir: string,
  vars: Record<string, string>,
  request: Record<string, unknown>,
): Promise<{ report: Report | null; stderr: string; code: number | null }> {
  const r = await runMaster(runtime, "settings-master", [JSON.stringify(request)], only(vars), 90_000, dir);
  const line = r.stdout.split("\n").find((l) => l.startsWith("SETTINGS-REPORT "));
  return {
    report: line === undefined ? null : (JSON.parse(line.slice("SETTINGS-REPORT ".length)) as Report),
    stderr: r.stderr,
    code: r.code,
  };
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
    const r = await run(master, project(`${master}-file`, { runtime: fromFile, threads: 2 }), {
      DISTRIBUTED_RUNTIME: fromEnv,
      DISTRIBUTED_THREADS: "3",
    }, { addprocs: {} });
    t.equal(r.code, 0, r.stderr);
    t.equal(r.report?.worker?.runtime, fromFile, `${fromFile} workers`);
    t.same([r.report?.nthreads, r.report?.ran], [2, 2], "the master's pool: the file's threads, not the variable's");
    t.equal(r.report?.worker?.nthreads, 2, "the worker's pool: the file's threads, passed by the master");
    t.equal(r.stderr, "", "no warning");
  });

  t.test(`${master} master: options beat the file and the environment; the master's threads option beats the worker's own file`, async (t) => {
    // The worker starts in this directory too, so its own configuration file would say threads: 2.
    const dir = project(`${master}-option`, { runtime: fromFile, threads: 2 });
    const r = await run(master, dir, { DISTRIBUTED_RUNTIME: fromEnv, DISTRIBUTED_THREADS: "3" }, {
      addprocs: { runtime: master, threads: 4 },
      setNthreads: 1,
    });
    t.equal(r.code, 0, r.stderr);
    t.equal(r.report?.worker?.runtime, master, `the option runtime ${master} over the file's ${fromFile} and the variable's ${fromEnv}`);
    t.same([r.report?.nthreads, r.report?.ran], [1, 1], "the master's pool: setNthreads(1)");
    t.equal(
      r.report?.worker?.nthreads,
      4,
      "the worker's pool: addprocs' threads: 4, over its directory's file (2) and the inherited variable (3)",
    );
  });

  t.test(`${master} master: nthreads() asked before the file was read keeps its answer and says so`, async (t) => {
    const dir = project(`${master}-early`, { threads: 2 });
    const r = await run(master, dir, { DISTRIBUTED_THREADS: "3" }, { early: true });
    t.equal(r.code, 0, r.stderr);
    t.same([r.report?.early, r.report?.nthreads, r.report?.ran], [3, 3, 3], "the pool has the size the script was told");
    t.equal(
      r.stderr,
      `Warning: threads.nthreads() answered 3 (from DISTRIBUTED_THREADS) before the configuration file ${
        path.join(dir, "distributed.config.json")
      } was read, so the pool keeps 3 threads, ` +
        "not the file's threads: 2. To have the file's size, ask nthreads() after the first addprocs or parallel call, or call threads.setNthreads(n) first\n",
      "one warning naming both sizes and the fix",
    );
    const late = await run(master, dir, { DISTRIBUTED_THREADS: "3" }, {});
    t.same([late.report?.nthreads, late.report?.ran, late.stderr], [2, 2, ""], "asked after the first parallel call: the file's size");
  });
}

const CLI = path.join(ROOT, "dist", "bin", "distributed.js");
const CLI_REPORT = path.join(ROOT, "dist", "test", "fixtures", "cli-report.js");

t.test("distributed run: DISTRIBUTED_PROCS and DISTRIBUTED_RUNTIME under the file's procs and runtime, under -p and --runtime", async (t) => {
  const cli = async (args: string[], dir: string, vars: Record<string, string>): Promise<{ workers: number[]; runtimes: string[] }> => {
    const r = await runScriptInTime("node", CLI, args, { cwd: dir, env: { ...process.env, ...only(vars) }, timeoutMs: 90_000 });
    t.equal(r.code, 0, `distributed ${args.join(" ")}: exit 0`, { stderr: r.stderr });
    const line = r.stdout.split("\n").find((l) => l.startsWith("CLI-REPORT "));
    const rep = JSON.parse(line?.slice("CLI-REPORT ".length) ?? "{}") as { workers?: number[]; fromWorkers?: Array<{ runtime: string }> };
    return { workers: rep.workers ?? [], runtimes: (rep.fromWorkers ?? []).map((w) => w.runtime) };
  };
  const vars = { DISTRIBUTED_PROCS: "1", DISTRIBUTED_RUNTIME: "bun" };
  t.same(await cli(["run", CLI_REPORT], project("cli-env"), vars), { workers: [2], runtimes: ["bun"] }, "the variables: 1 bun worker");
  const file = project("cli-file", { procs: 2, runtime: "deno" });
  t.same(await cli(["run", CLI_REPORT], file, vars), { workers: [2, 3], runtimes: ["deno", "deno"] }, "the file: 2 deno workers");
  t.same(
    await cli(["run", "-p", "1", "--runtime", "node", CLI_REPORT], file, vars),
    { workers: [2], runtimes: ["node"] },
    "the flags: 1 node worker",
  );
  const bad = await runScriptInTime("node", CLI, ["run", CLI_REPORT], {
    cwd: project("cli-bad"),
    env: { ...process.env, ...only({ DISTRIBUTED_PROCS: "two" }) },
    timeoutMs: 60_000,
  });
  t.same(
    [bad.code, bad.stderr],
    [1, 'distributed: DISTRIBUTED_PROCS must be a non-negative integer, got "two"\n'],
    "a bad variable: exit 1, the variable, the value and what is allowed",
  );
  const info = await runScriptInTime("node", CLI, ["info", "--json"], {
    cwd: file,
    env: { ...process.env, ...only({ ...vars, DISTRIBUTED_LAZY: "0", DISTRIBUTED_SSH_MAX_PARALLEL: "many" }) },
  });
  const settings = (JSON.parse(info.stdout) as { settings: Array<Record<string, unknown>> }).settings;
  const find = (name: string) => settings.find((s) => s.name === name);
  t.same(find("procs"), { name: "procs", value: 2, from: "config" }, "info: procs from the file");
  t.same(find("lazy"), { name: "lazy", value: false, from: "environment", variable: "DISTRIBUTED_LAZY" }, "info: lazy from its variable");
  t.same(find("ssh.maxParallel"), {
    name: "ssh.maxParallel",
    value: "many",
    from: "environment",
    variable: "DISTRIBUTED_SSH_MAX_PARALLEL",
    problem: 'DISTRIBUTED_SSH_MAX_PARALLEL must be a positive integer, got "many"',
  }, "info: a bad variable shown with its problem, not a failure");
});

t.test("on the Slurm test cluster: an option, then the file's slurm key, then SBATCH_*, then Slurm's default", async (t) => {
  const cluster = slurmCluster(t);
  if (cluster === undefined) return;
  const env = slurmEnv(cluster);
  delete env.SLURM_JOB_ID;
  delete env.SLURM_JOBID;
  const submitted: string[] = [];
  t.teardown(async () => {
    for (const id of submitted) await execFileP("scancel", [id], { env, timeout: 30_000 }).catch(() => {});
  });
  const out = path.join(TMP, "slurm-%j.out");
  /** Submits a held job (it never runs) with `slurm submit`; its partition and name as Slurm has them. */
  const submit = async (
    dir: string,
    args: string[],
    vars: Record<string, string>,
  ): Promise<{ partition: string; name: string; printed: string }> => {
    const r = await runScriptInTime("node", CLI, ["slurm", "submit", CLI_REPORT, "--sbatch-flag=--hold", ...args], {
      cwd: dir,
      env: { ...env, ...only(vars) },
      timeoutMs: 60_000,
    });
    const m = /^Submitted job (\d+) \(output: (.*)\)\n$/.exec(r.stdout);
    t.ok(m, "submitted", { stdout: r.stdout, stderr: r.stderr });
    if (m === null) return { partition: "", name: "", printed: "" };
    submitted.push(m[1]!);
    const { stdout } = await execFileP("scontrol", ["show", "job", "-o", m[1]!], { env, timeout: 30_000 });
    return {
      partition: /\bPartition=(\S+)/.exec(stdout)?.[1] ?? "",
      name: /\bJobName=(\S+)/.exec(stdout)?.[1] ?? "",
      // The job id replaces %j in the file name only: the temp directory's random name may hold the same digits.
      printed: path.join(path.dirname(m[2]!), path.basename(m[2]!).replace(m[1]!, "%j")),
    };
  };
  const vars = { SBATCH_PARTITION: "single", SBATCH_JOB_NAME: "from-env" };
  const none = project("slurm-none");
  t.same(
    await submit(none, ["--output", out], vars),
    { partition: "single", name: "from-env", printed: out },
    "SBATCH_PARTITION and SBATCH_JOB_NAME apply when nothing outranks them",
  );
  t.same(
    await submit(none, ["--output", out], {}),
    { partition: "debug", name: "distributed", printed: out },
    "neither: Slurm's default partition, our job name",
  );
  const file = project("slurm-file", { slurm: { partition: "debug" } });
  t.same((await submit(file, ["--output", out], vars)).partition, "debug", "the file's slurm.partition beats SBATCH_PARTITION");
  const fileSingle = project("slurm-file-single", { slurm: { partition: "single" } });
  t.same(
    await submit(fileSingle, ["--output", out, "--partition", "debug", "--job-name", "from-flag"], {
      SBATCH_PARTITION: "single",
      SBATCH_JOB_NAME: "from-env",
    }),
    { partition: "debug", name: "from-flag", printed: out },
    "--partition and --job-name beat the file and the variables",
  );
});
