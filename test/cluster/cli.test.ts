// The `distributed` command as a user runs it: real processes of the built CLI
// (dist/bin/distributed.js) under node, bun and deno. Help and version; usage errors (exit 2, one
// line, no stack) and failures (exit 1, the message; the stack with --verbose); `run` adding
// workers (-p, -t, --runtime, --manager) and passing the script its arguments; the configuration
// file in each form, flags over it, it over the environment; `info`; `slurm submit --dry-run`
// (the job script, config defaults, --template); and on the Slurm test cluster a submitted job
// that runs the script with one worker per task, and `run --slurm` refused outside a job.
import t, { type Test } from "tap";
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { ROOT, runScriptInTime, runtimeExe } from "../helpers/processes.ts";
import { slurmCluster, slurmEnv } from "../helpers/slurm-cluster.ts";

const execFileP = promisify(execFile);
const CLI = path.join(ROOT, "dist", "bin", "distributed.js");
/** The fixture scripts, compiled (they import "distributed", which resolves to this package). */
const REPORT = path.join(ROOT, "dist", "test", "fixtures", "cli-report.js");
const FAIL = path.join(ROOT, "dist", "test", "fixtures", "cli-fail.js");
const VERSION = (JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string }).version;
const RUNTIMES = ["node", "bun", "deno"] as const;
type Runtime = (typeof RUNTIMES)[number];
/** The executable a runtime runs as (its process.execPath: symlinks resolved), as the job script names it. */
const exe = (runtime: Runtime): string => realpathSync(runtimeExe(runtime));
const USAGE_HINT = 'Run "distributed --help" (or "distributed <command> --help") for usage.';

/** Temporary project directories live in the repository's ignored tmp/ (scripts there resolve "distributed"). */
mkdirSync(path.join(ROOT, "tmp"), { recursive: true });
const TMP = mkdtempSync(path.join(ROOT, "tmp", "cli-test-"));
t.teardown(() => rmSync(TMP, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment of the CLI: this one's, without the settings the tests control. */
function baseEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ["DISTRIBUTED_CONFIG", "DISTRIBUTED_WORKER_TIMEOUT", "DISTRIBUTED_THREADS", "SLURM_JOB_ID", "SLURM_JOBID"]) {
    delete env[name];
  }
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** Runs `distributed ARGS` under a runtime and waits for it. */
function cli(
  runtime: Runtime,
  args: string[],
  options: { cwd?: string; env?: Record<string, string | undefined>; fullEnv?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<Run> {
  return runScriptInTime(runtime, CLI, args, {
    cwd: options.cwd ?? ROOT,
    env: options.fullEnv ?? baseEnv(options.env),
    timeoutMs: options.timeoutMs ?? 60_000,
  });
}

/** What test/fixtures/cli-report.ts prints. */
interface Report {
  runtime: Runtime;
  myid: number;
  ospid: number;
  host: string;
  nthreads: number;
  argv: string[];
  workers: number[];
  sum: number | null;
  fromWorkers: Array<
    { pid: number; runtime: Runtime; nthreads: number; host: string; ospid: number; slurmProcid: string | null; slurmJob: string | null }
  >;
  timeoutEnv: string | null;
}

/** The report in a run's output (fails the test with the output if there is none). */
function report(t: Test, r: Run | string): Report {
  const text = typeof r === "string" ? r : r.stdout;
  const line = text.split("\n").find((l) => l.startsWith("CLI-REPORT "));
  if (line === undefined) {
    t.fail(`no CLI-REPORT line\n${typeof r === "string" ? r : `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`}`);
    return {
      runtime: "node",
      myid: 0,
      ospid: 0,
      host: "",
      nthreads: 0,
      argv: [],
      workers: [],
      sum: null,
      fromWorkers: [],
      timeoutEnv: null,
    };
  }
  return JSON.parse(line.slice("CLI-REPORT ".length)) as Report;
}

/** Asserts a successful run (exit 0, nothing on stderr), showing the output otherwise. */
function succeeded(t: Test, r: Run, what: string): void {
  t.equal(r.code, 0, `${what}: exit 0`, { stdout: r.stdout, stderr: r.stderr });
  t.equal(r.stderr, "", `${what}: nothing on stderr`);
}

/** Asserts a usage error: exit 2, stderr the message and the hint, nothing else. */
function usageError(t: Test, r: Run, message: string | RegExp, what: string): void {
  t.equal(r.code, 2, `${what}: exit 2`, { stderr: r.stderr });
  t.equal(r.stdout, "", `${what}: nothing on stdout`);
  const lines = r.stderr.split("\n");
  t.equal(lines.length, 3, `${what}: one line of message, the hint, and the final newline`, { stderr: r.stderr });
  if (typeof message === "string") t.equal(lines[0], `distributed: ${message}`, `${what}: the message`);
  else t.match(lines[0], message, `${what}: the message`);
  t.equal(lines[1], USAGE_HINT, `${what}: the hint`);
  t.notMatch(r.stderr, /^\s+at /m, `${what}: no stack`);
}

/** A project directory in TMP with these files (a package.json of its own unless given). */
function project(name: string, files: Record<string, string>): string {
  const dir = path.join(TMP, name);
  mkdirSync(dir, { recursive: true });
  if (!("package.json" in files)) {
    writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: `cli-test-${name}`, private: true }));
  }
  for (const [file, text] of Object.entries(files)) writeFileSync(path.join(dir, file), text);
  return dir;
}

/** `distributed info --json`, parsed. */
interface InfoJson {
  version: string;
  runningUnder: string;
  runtimes: Array<{ runtime: Runtime; path: string | null; version: string | null; problem?: string }>;
  config: { file: string | null; searchedFrom: string };
  settings: Array<{ name: string; value: unknown; from: "config" | "environment" | "default" }>;
}
const setting = (info: InfoJson, name: string) => info.settings.find((s) => s.name === name);

/** The runtimes' versions, asked of the executables themselves. */
async function runtimeVersions(): Promise<Record<Runtime, string>> {
  const bun = (await execFileP(runtimeExe("bun"), ["--version"])).stdout.trim();
  const deno = /^deno (\S+)/.exec((await execFileP(runtimeExe("deno"), ["--version"])).stdout)![1]!;
  return { node: process.versions.node, bun, deno };
}

t.test("--help, run --help, slurm submit --help: exit 0 and list their options; --version", async (t) => {
  const help = await cli("node", ["--help"]);
  succeeded(t, help, "--help");
  for (
    const word of [
      "distributed run <script> [args..]",
      "distributed info",
      "distributed slurm",
      "distributed worker",
      "--verbose",
      "--version",
      "--help",
    ]
  ) t.match(help.stdout, word, `--help mentions ${word}`);
  t.equal((await cli("node", ["-h"])).stdout, help.stdout, "-h is --help");

  const run = await cli("node", ["run", "--help"]);
  succeeded(t, run, "run --help");
  for (
    const word of [
      "-p, --procs",
      "--machine-file",
      "--slurm",
      "--manager",
      "-t, --threads",
      "--runtime",
      "--topology",
      "--timeout",
      "--verbose",
      '"node", "bun", "deno"',
      '"processes", "threads"',
    ]
  ) {
    t.match(run.stdout, word, `run --help mentions ${word}`);
  }

  const submit = await cli("node", ["slurm", "submit", "--help"]);
  succeeded(t, submit, "slurm submit --help");
  for (
    const word of [
      "-N, --nodes",
      "-n, --ntasks",
      "--ntasks-per-node",
      "--cpus-per-task",
      "--time",
      "-p, --partition",
      "--account",
      "--qos",
      "--mem",
      "--job-name",
      "--output",
      "--sbatch-flag",
      "--prologue",
      "--epilogue",
      "--template",
      "--dry-run",
      "-t, --threads",
      "--runtime",
      "--topology",
      "--timeout",
    ]
  ) {
    t.match(submit.stdout, word, `slurm submit --help mentions ${word}`);
  }

  for (const runtime of RUNTIMES) {
    const v = await cli(runtime, ["--version"]);
    succeeded(t, v, `${runtime}: --version`);
    t.equal(v.stdout, `${VERSION}\n`, `${runtime}: --version prints the package version`);
  }
});

t.test("usage errors: exit 2, one line, no stack", async (t) => {
  usageError(t, await cli("node", []), "Give a command: run, spmd, info, slurm submit or worker", "no command");
  usageError(t, await cli("node", ["bogus"]), "Unknown argument: bogus", "an unknown command");
  usageError(t, await cli("node", ["run"]), "Not enough non-option arguments: got 0, need at least 1", "run without a script");
  usageError(
    t,
    await cli("node", ["run", "-p", "2"]),
    "Not enough non-option arguments: got 0, need at least 1",
    "run -p 2 without a script",
  );
  usageError(
    t,
    await cli("node", ["run", "-p", "two", "x.js"]),
    /^distributed: --procs must be a non-negative integer, got /,
    "run -p two x.js",
  );
  usageError(t, await cli("node", ["run", "-p", "-1", "x.js"]), "--procs must be a non-negative integer, got -1", "run -p -1");
  usageError(t, await cli("node", ["run", "-t", "0", "x.js"]), "--threads must be a positive integer, got 0", "run -t 0");
  usageError(
    t,
    await cli("node", ["run", "--timeout", "0", "x.js"]),
    "--timeout must be a positive number of seconds, got 0",
    "run --timeout 0",
  );
  usageError(
    t,
    await cli("node", ["run", "-p", "1", "--slurm", "x.js"]),
    "give one of -p/--procs, --machine-file and --slurm",
    "run -p 1 --slurm",
  );
  usageError(
    t,
    await cli("node", ["run", "--machine-file", "hosts", "--slurm", "x.js"]),
    "give one of -p/--procs, --machine-file and --slurm",
    "run --machine-file --slurm",
  );
  usageError(
    t,
    await cli("node", ["run", "--runtime", "python", "x.js"]),
    /^distributed: Invalid values: .*runtime.*"python".*"node", "bun", "deno"/,
    "run --runtime python",
  );
  usageError(
    t,
    await cli("node", ["run", "--manager", "fibers", "x.js"]),
    /^distributed: Invalid values: .*manager.*"fibers".*"processes", "threads"/,
    "run --manager fibers",
  );
  usageError(
    t,
    await cli("node", ["run", "--machine-file", path.join(TMP, "no-such-hosts"), "x.js"]),
    /^distributed: cannot read the machine file .*no-such-hosts: /,
    "an unreadable machine file",
  );
  usageError(t, await cli("node", ["info", "--bogus"]), "Unknown argument: bogus", "info --bogus");
  usageError(t, await cli("node", ["slurm"]), "Give a slurm command: submit", "slurm without a command");
  usageError(
    t,
    await cli("node", ["slurm", "submit", "x.js", "--size", "3"]),
    "Unknown argument: size",
    "slurm submit: the script's arguments need --",
  );
  usageError(
    t,
    await cli("node", ["slurm", "submit", "x.js", "--dry-run", "--template", path.join(TMP, "no-such-template")]),
    /^distributed: cannot read the job-script template .*no-such-template: /,
    "an unreadable template",
  );
  // The same exit code and output under the other runtimes.
  for (const runtime of ["bun", "deno"] as const) {
    usageError(
      t,
      await cli(runtime, ["run", "-p", "1", "--slurm", "x.js"]),
      "give one of -p/--procs, --machine-file and --slurm",
      `${runtime}: run -p 1 --slurm`,
    );
    usageError(
      t,
      await cli(runtime, ["run", "--runtime", "python", "x.js"]),
      /^distributed: Invalid values: .*"python"/,
      `${runtime}: run --runtime python`,
    );
  }
});

t.test("a failing script: exit 1 with its message; --verbose adds the stack", async (t) => {
  for (const runtime of RUNTIMES) {
    const quiet = await cli(runtime, ["run", FAIL]);
    t.equal(quiet.code, 1, `${runtime}: exit 1`);
    t.equal(quiet.stderr, "distributed: cli-fail: the script failed on purpose\n", `${runtime}: the message only`);
    t.equal(quiet.stdout, "", `${runtime}: nothing on stdout`);

    const verbose = await cli(runtime, ["run", "--verbose", FAIL]);
    t.equal(verbose.code, 1, `${runtime} --verbose: exit 1`);
    t.match(
      verbose.stderr,
      /^Error: cli-fail: the script failed on purpose\n\s+at failDeliberately \(.*cli-fail\.js:\d+:\d+\)/,
      `${runtime} --verbose: the stack, from the script's function`,
    );
  }
  // After the script, --verbose is the script's argument, not ours.
  const scripts = await cli("node", ["run", FAIL, "--verbose"]);
  t.equal(scripts.code, 1);
  t.equal(scripts.stderr, "distributed: cli-fail: the script failed on purpose\n", "run script --verbose: the script's flag, no stack");

  const missing = await cli("node", ["run", "no-such-script.js"]);
  t.equal(missing.code, 1, "a missing script: exit 1");
  t.equal(missing.stderr, `distributed: No such script: no-such-script.js (looked in ${ROOT})\n`);
});

t.test("run -p 2 -t 3 script --size 10 -x under node, bun and deno", async (t) => {
  for (const runtime of RUNTIMES) {
    const r = await cli(runtime, ["run", "-p", "2", "-t", "3", REPORT, "--size", "10", "-x"]);
    succeeded(t, r, runtime);
    const rep = report(t, r);
    t.equal(rep.runtime, runtime, `${runtime}: the master runs under ${runtime}`);
    t.equal(rep.myid, 1, `${runtime}: the script is the master`);
    t.same(rep.workers, [2, 3], `${runtime}: workers() is [2, 3]`);
    t.equal(rep.nthreads, 3, `${runtime}: -t 3 sizes the master's pool`);
    t.same(rep.argv, ["--size", "10", "-x"], `${runtime}: the script sees its own arguments`);
    t.equal(rep.sum, 42, `${runtime}: remotecallFetch on a worker`);
    t.same(
      rep.fromWorkers.map((w) => [w.pid, w.runtime, w.nthreads]),
      [[2, runtime, 3], [3, runtime, 3]],
      `${runtime}: ${runtime} workers with pools of 3`,
    );
    t.ok(rep.fromWorkers.every((w) => w.ospid !== rep.ospid), `${runtime}: worker processes, not threads`);
  }
});

t.test("run: --runtime, --manager threads, -p 0, a .ts script, `--`", async (t) => {
  const deno = await cli("node", ["run", "-p", "2", "--runtime", "deno", REPORT]);
  succeeded(t, deno, "node --runtime deno");
  const d = report(t, deno);
  t.equal(d.runtime, "node", "the master is node");
  t.same(d.fromWorkers.map((w) => w.runtime), ["deno", "deno"], "--runtime deno from a node CLI: deno workers");
  t.same(d.argv, [], "no arguments");

  for (const runtime of RUNTIMES) {
    const threads = await cli(runtime, ["run", "-p", "2", "--manager", "threads", "-t", "2", REPORT, "a"]);
    succeeded(t, threads, `${runtime} --manager threads`);
    const r = report(t, threads);
    t.same(r.workers, [2, 3], `${runtime} --manager threads: two workers`);
    t.same(
      r.fromWorkers.map((w) => [w.runtime, w.ospid, w.nthreads]),
      [[runtime, r.ospid, 2], [runtime, r.ospid, 2]],
      `${runtime} --manager threads: thread workers in the master's own process, pools of 2`,
    );
    t.equal(r.sum, 42);
  }

  // No workers: workers() is [1], as in Julia, and calls run on the master itself.
  const none = await cli("node", ["run", "-p", "0", REPORT]);
  succeeded(t, none, "-p 0");
  const n = report(t, none);
  t.same([n.workers, n.sum, n.fromWorkers.map((w) => [w.pid, w.ospid])], [[1], 42, [[1, n.ospid]]], "-p 0: no workers (workers() is [1])");

  const noFlags = await cli("bun", ["run", REPORT, "x"]);
  succeeded(t, noFlags, "no -p and no config");
  t.same([report(t, noFlags).workers, report(t, noFlags).argv], [[1], ["x"]], "no -p and no config: no workers");

  // A TypeScript script (tsx under node; bun and deno import it themselves), relative to the cwd.
  for (const runtime of RUNTIMES) {
    const ts = await cli(runtime, ["run", "-p", "1", path.join("test", "fixtures", "cli-report.ts"), "--", "--n", "1"]);
    succeeded(t, ts, `${runtime}: a .ts script`);
    const r = report(t, ts);
    t.same(
      [r.runtime, r.workers, r.sum, r.argv],
      [runtime, [2], 42, ["--n", "1"]],
      `${runtime}: the .ts script ran with a worker; the \`--\` after it is dropped`,
    );
  }
});

t.test("the configuration file: each form is found; flags override it; it overrides the environment", async (t) => {
  const json = project("json", { "distributed.config.json": JSON.stringify({ procs: 2, runtime: "bun", threads: 2 }) });
  const fromJson = await cli("node", ["run", REPORT], { cwd: json });
  succeeded(t, fromJson, "distributed.config.json");
  const j = report(t, fromJson);
  t.same(j.workers, [2, 3], "procs: 2");
  t.equal(j.nthreads, 2, "threads: 2 in the master");
  t.same(j.fromWorkers.map((w) => [w.runtime, w.nthreads]), [["bun", 2], ["bun", 2]], "runtime: bun, threads: 2 in the workers");

  const overridden = await cli("node", ["run", "-p", "1", "-t", "1", "--runtime", "deno", REPORT], { cwd: json });
  succeeded(t, overridden, "flags over the config");
  const o = report(t, overridden);
  t.same(o.workers, [2], "-p 1 beats procs: 2");
  t.same(
    [o.nthreads, o.fromWorkers[0]?.runtime, o.fromWorkers[0]?.nthreads],
    [1, "deno", 1],
    "-t 1 beats threads: 2; --runtime deno beats runtime: bun",
  );
  const onlyP = report(t, await cli("node", ["run", "-p", "1", REPORT], { cwd: json }));
  t.same([onlyP.workers, onlyP.fromWorkers[0]?.runtime, onlyP.nthreads], [[2], "bun", 2], "-p 1 alone: the rest still from the config");

  const pkg = project("pkg", {
    "package.json": JSON.stringify({ name: "cli-test-pkg", private: true, distributed: { procs: 1, runtime: "deno", threads: 3 } }),
  });
  const p = report(t, await cli("bun", ["run", REPORT], { cwd: pkg }));
  t.same(
    [p.runtime, p.workers, p.nthreads, p.fromWorkers.map((w) => [w.runtime, w.nthreads])],
    ["bun", [2], 3, [["deno", 3]]],
    'package.json "distributed" (under bun)',
  );

  const yaml = project("yaml", { ".distributedrc.yaml": "procs: 2\nruntime: node\nthreads: 1\n" });
  const y = report(t, await cli("deno", ["run", REPORT], { cwd: yaml }));
  t.same(
    [y.runtime, y.workers, y.nthreads, y.fromWorkers.map((w) => w.runtime)],
    ["deno", [2, 3], 1, ["node", "node"]],
    ".distributedrc.yaml (under deno)",
  );

  const ts = project("ts", {
    "distributed.config.ts": 'const procs: number = 2;\nexport default { procs, runtime: "bun" as const, threads: 2 };\n',
  });
  for (const runtime of RUNTIMES) {
    const r = report(t, await cli(runtime, ["run", REPORT], { cwd: ts }));
    t.same([r.runtime, r.workers, r.nthreads, r.fromWorkers.map((w) => [w.runtime, w.nthreads])], [runtime, [2, 3], 2, [["bun", 2], [
      "bun",
      2,
    ]]], `distributed.config.ts (under ${runtime})`);
  }

  // From a subdirectory of the project; and DISTRIBUTED_CONFIG naming a file outright.
  mkdirSync(path.join(json, "sub", "dir"), { recursive: true });
  t.same(
    report(t, await cli("node", ["run", "-p", "1", REPORT], { cwd: path.join(json, "sub", "dir") })).fromWorkers.map((w) => w.runtime),
    ["bun"],
    "found from a subdirectory",
  );
  const explicit = report(t, await cli("node", ["run", REPORT], { env: { DISTRIBUTED_CONFIG: path.join(yaml, ".distributedrc.yaml") } }));
  t.same([explicit.workers, explicit.nthreads], [[2, 3], 1], "DISTRIBUTED_CONFIG");
});

t.test("timeout: the config's beats DISTRIBUTED_WORKER_TIMEOUT, a flag beats both (run and info --json)", async (t) => {
  const withTimeout = project("timeout", { "distributed.config.json": JSON.stringify({ timeout: 30 }) });
  const without = project("no-timeout", { "distributed.config.json": JSON.stringify({ threads: 1 }) });
  // A value addprocs would reject: it shows whether the environment was read at all.
  const badEnv = { DISTRIBUTED_WORKER_TIMEOUT: "soon" };

  const ok = await cli("node", ["run", "-p", "1", REPORT], { cwd: withTimeout, env: badEnv });
  succeeded(t, ok, "config timeout: 30 with DISTRIBUTED_WORKER_TIMEOUT=soon");
  t.equal(report(t, ok).timeoutEnv, "soon", "(the variable was set)");
  t.same(report(t, ok).workers, [2], "the environment is not read when the config sets timeout");

  const bad = await cli("node", ["run", "-p", "1", REPORT], { cwd: without, env: badEnv });
  t.equal(bad.code, 1, "without a config timeout the environment is used: exit 1");
  t.equal(bad.stderr, 'distributed: DISTRIBUTED_WORKER_TIMEOUT must be a positive number of seconds, got "soon"\n');

  succeeded(
    t,
    await cli("node", ["run", "-p", "1", "--timeout", "20", REPORT], { cwd: without, env: badEnv }),
    "--timeout 20 beats the environment",
  );

  const infoConfig = JSON.parse(
    (await cli("node", ["info", "--json"], { cwd: withTimeout, env: { DISTRIBUTED_WORKER_TIMEOUT: "7" } })).stdout,
  ) as InfoJson;
  t.same(
    setting(infoConfig, "timeout"),
    { name: "timeout", value: 30, from: "config" },
    "info: timeout 30 from the config, not the environment's 7",
  );
  const infoEnv = JSON.parse(
    (await cli("node", ["info", "--json"], { cwd: without, env: { DISTRIBUTED_WORKER_TIMEOUT: "7" } })).stdout,
  ) as InfoJson;
  t.equal(setting(infoEnv, "timeout")?.from, "environment", "info: from the environment when the config has none");
  t.equal(String(setting(infoEnv, "timeout")?.value), "7");
  t.same(setting(infoEnv, "threads"), { name: "threads", value: 1, from: "config" }, "info: threads from the config");
  const infoDefault = JSON.parse((await cli("node", ["info", "--json"], { cwd: without })).stdout) as InfoJson;
  t.same(setting(infoDefault, "timeout"), { name: "timeout", value: 60, from: "default" }, "info: the default 60");
});

t.test("a bad configuration file: exit 1, the ConfigError naming the file and the key", async (t) => {
  const bad = project("bad", { "distributed.config.json": JSON.stringify({ procs: 2, slurm: { time: 5 } }) });
  const file = path.join(bad, "distributed.config.json");
  const message = `distributed: ${file}: "slurm.time" must be a non-empty string; got 5\n`;
  for (const runtime of RUNTIMES) {
    const r = await cli(runtime, ["run", REPORT], { cwd: bad });
    t.equal(r.code, 1, `${runtime} run: exit 1`);
    t.equal(r.stderr, message, `${runtime} run: the message`);
    t.notMatch(r.stdout, "CLI-REPORT", `${runtime} run: the script did not run`);
  }
  const info = await cli("node", ["info"], { cwd: bad });
  t.same([info.code, info.stderr], [1, message], "info: the same");
  const submit = await cli("node", ["slurm", "submit", REPORT, "--dry-run"], { cwd: bad });
  t.same([submit.code, submit.stderr], [1, message], "slurm submit: the same");

  const unknown = project("unknown", { ".distributedrc.json": JSON.stringify({ procs: 2, worker: "bun" }) });
  const u = await cli("bun", ["run", REPORT], { cwd: unknown });
  t.equal(u.code, 1);
  t.equal(
    u.stderr,
    `distributed: ${
      path.join(unknown, ".distributedrc.json")
    }: unknown key "worker"; known keys: runtime, exename, exeflags, topology, lazy, restrict, timeout, threads, heartbeatInterval, heartbeatTimeout, hostTimeout, procs, env, ssh, slurm\n`,
    "an unknown key lists the known ones",
  );

  const pkg = project("bad-pkg", { "package.json": JSON.stringify({ name: "bad-pkg", distributed: { runtime: "python" } }) });
  const p = await cli("deno", ["run", REPORT], { cwd: pkg });
  t.equal(p.code, 1);
  t.equal(
    p.stderr,
    `distributed: ${path.join(pkg, "package.json")}#distributed: "runtime" must be one of "node", "bun", "deno"; got "python"\n`,
    "package.json: named with #distributed",
  );

  const verbose = await cli("node", ["run", "--verbose", REPORT], { cwd: bad });
  t.equal(verbose.code, 1);
  t.match(verbose.stderr, /^ConfigError: .*"slurm\.time" must be a non-empty string; got 5\n\s+at /, "--verbose: the stack too");
});

t.test("info and info --json: the runtimes with their versions, the configuration file", async (t) => {
  const versions = await runtimeVersions();
  const none = project("info-none", {});
  const withConfig = project("info-config", { "distributed.config.json": JSON.stringify({ runtime: "deno", procs: 3 }) });
  for (const runtime of RUNTIMES) {
    const text = await cli(runtime, ["info"], { cwd: withConfig });
    succeeded(t, text, `${runtime} info`);
    const lines = text.stdout.split("\n");
    t.equal(lines[0], `distributed ${VERSION}, running under ${runtime} ${versions[runtime]}`, `${runtime} info: the first line`);
    for (const r of RUNTIMES) {
      t.ok(
        lines.some((l) => new RegExp(`^  ${r}\\s+${versions[r].replace(/\./g, "\\.")}  /\\S+$`).test(l)),
        `${runtime} info: ${r} ${versions[r]} with its path`,
      );
    }
    t.ok(lines.includes(`config: ${path.join(withConfig, "distributed.config.json")}`), `${runtime} info: the config file found`);
    t.match(text.stdout, /^ {2}runtime\s+"deno"\s+\(config\)$/m, `${runtime} info: runtime from the config`);
    t.match(text.stdout, /^ {2}procs\s+3\s+\(config\)$/m, `${runtime} info: procs from the config`);
    t.match(text.stdout, /^ {2}topology\s+"all_to_all"\s+\(default\)$/m, `${runtime} info: topology by default`);
  }

  const noneText = await cli("node", ["info"], { cwd: none });
  t.ok(noneText.stdout.split("\n").includes(`config: none found (searched from ${none} up to its project root)`), "info: no config found");

  for (const runtime of RUNTIMES) {
    const r = await cli(runtime, ["info", "--json"], { cwd: withConfig });
    succeeded(t, r, `${runtime} info --json`);
    const info = JSON.parse(r.stdout) as InfoJson;
    t.equal(info.version, VERSION);
    t.equal(info.runningUnder, `${runtime} ${versions[runtime]}`);
    t.same(
      info.runtimes.map((x) => [x.runtime, x.version]),
      RUNTIMES.map((x) => [x, versions[x]]),
      `${runtime} info --json: node, bun, deno with their versions`,
    );
    for (const x of info.runtimes) {
      t.ok(x.path !== null && path.isAbsolute(x.path) && existsSync(x.path), `${runtime} info --json: ${x.runtime}'s path exists`);
    }
    t.same(
      info.config,
      { file: path.join(withConfig, "distributed.config.json"), searchedFrom: withConfig },
      `${runtime} info --json: the config file`,
    );
    t.same(setting(info, "runtime"), { name: "runtime", value: "deno", from: "config" });
    t.same(setting(info, "procs"), { name: "procs", value: 3, from: "config" });
  }
  const noneJson = JSON.parse((await cli("bun", ["info", "--json"], { cwd: none })).stdout) as InfoJson;
  t.same(noneJson.config, { file: null, searchedFrom: none }, "info --json: no config");
  t.same(setting(noneJson, "runtime"), { name: "runtime", value: "bun", from: "default" }, "the default runtime is the CLI's own");
});

t.test("slurm submit --dry-run: the job script", async (t) => {
  const script = path.join("dist", "test", "fixtures", "cli-report.js");
  const r = await cli("node", [
    "slurm",
    "submit",
    script,
    "--nodes",
    "2",
    "--ntasks-per-node",
    "2",
    "--time",
    "00:10:00",
    "--job-name",
    "my job",
    "--dry-run",
    "--",
    "--size",
    "3",
  ]);
  succeeded(t, r, "slurm submit --dry-run");
  const lines = r.stdout.split("\n");
  t.equal(lines[0], "#!/bin/sh", "a #! line first");
  t.same(
    lines.filter((l) => l.startsWith("#SBATCH")),
    [
      "#SBATCH --nodes=2",
      "#SBATCH --ntasks-per-node=2",
      "#SBATCH --time=00:10:00",
      '#SBATCH "--job-name=my job"',
      "#SBATCH --output=distributed-%j.out",
    ],
    "the #SBATCH lines, the job name quoted",
  );
  const command = `cd ${ROOT} && ${exe("node")} ${CLI} run --slurm ${script} -- --size 3`;
  t.ok(lines.includes(command), "the command: this CLI, run --slurm <script> -- <its arguments>", {
    found: lines.filter((l) => l.includes("run --slurm")),
    wanted: command,
  });
  t.ok(lines.includes("exit $status"), "the template's end");
  t.same(lines.filter((l) => !l.startsWith("#") && l.includes("{{")), [], "no placeholder left (outside comments)");
  await execFileP("sh", ["-n", "-c", r.stdout]);
  t.pass("sh -n accepts it");

  // Worker options travel on the command; prologue and epilogue; repeatable --sbatch-flag.
  const bun = await cli("bun", [
    "slurm",
    "submit",
    REPORT,
    "-N",
    "1",
    "-n",
    "3",
    "-p",
    "debug",
    "--sbatch-flag=--exclusive",
    "--sbatch-flag=--comment=a b",
    "--prologue",
    "echo before",
    "--epilogue",
    "echo after",
    "-t",
    "2",
    "--runtime",
    "deno",
    "--topology",
    "master_worker",
    "--timeout",
    "30",
    "--dry-run",
  ]);
  succeeded(t, bun, "bun slurm submit --dry-run with options");
  const b = bun.stdout.split("\n");
  t.same(b.filter((l) => l.startsWith("#SBATCH")), [
    "#SBATCH --nodes=1",
    "#SBATCH --ntasks=3",
    "#SBATCH --partition=debug",
    "#SBATCH --job-name=distributed",
    "#SBATCH --output=distributed-%j.out",
    "#SBATCH --exclusive",
    '#SBATCH "--comment=a b"',
  ], "-N, -n, -p (partition here), the defaults, the extra flags");
  const bunCommand = `cd ${ROOT} && ${
    exe("bun")
  } ${CLI} run --slurm --threads 2 --runtime deno --topology master_worker --timeout 30 ${REPORT}`;
  t.ok(b.includes(bunCommand), "bun's command, with the worker options", {
    found: b.filter((l) => l.startsWith("cd ")),
    wanted: bunCommand,
  });
  const at = b.indexOf(bunCommand);
  t.ok(
    b.indexOf("echo before") >= 0 && b.indexOf("echo before") < at && b.indexOf("echo after") > at,
    "the prologue before the command, the epilogue after",
  );

  const deno = await cli("deno", ["slurm", "submit", REPORT, "--dry-run", "--", "it's"]);
  succeeded(t, deno, "deno slurm submit --dry-run");
  t.ok(
    deno.stdout.split("\n").includes(`cd ${ROOT} && ${exe("deno")} run --allow-all ${CLI} run --slurm ${REPORT} -- 'it'\\''s'`),
    "deno's command; an argument with a quote, quoted for sh",
    { found: deno.stdout.split("\n").filter((l) => l.startsWith("cd ")) },
  );
});

t.test("slurm submit --dry-run: the config's slurm defaults, flags over them, --template", async (t) => {
  const dir = project("slurm-config", {
    "distributed.config.json": JSON.stringify({
      slurm: { partition: "cfgpart", time: "01:00:00", account: "acct", sbatchFlags: ["--exclusive"], prologue: "module load bun" },
    }),
    "my.sbatch":
      "#!/bin/bash\n# my own template\n{{sbatch}}\n#SBATCH --mail-type=END\n{{prologue}}\necho CUSTOM start\n{{command}}\necho CUSTOM end {{epilogue}}\n",
    "bad.sbatch": "#!/bin/sh\n# {{sbatch}} only in a comment\n{{command}}\n",
  });
  const fromConfig = await cli("node", ["slurm", "submit", REPORT, "--dry-run"], { cwd: dir });
  succeeded(t, fromConfig, "config defaults");
  const c = fromConfig.stdout.split("\n");
  t.same(c.filter((l) => l.startsWith("#SBATCH")), [
    "#SBATCH --time=01:00:00",
    "#SBATCH --partition=cfgpart",
    "#SBATCH --account=acct",
    "#SBATCH --job-name=distributed",
    "#SBATCH --output=distributed-%j.out",
    "#SBATCH --exclusive",
  ], "partition, time, account, sbatchFlags from the config");
  t.ok(c.includes("module load bun"), "the config's prologue");
  t.ok(c.some((l) => l.startsWith(`cd ${dir} && `)), "the job runs in the directory it was submitted from");

  const flags = await cli("node", [
    "slurm",
    "submit",
    REPORT,
    "--partition",
    "debug",
    "--time",
    "00:05:00",
    "--prologue",
    "true",
    "--dry-run",
  ], { cwd: dir });
  succeeded(t, flags, "flags over the config");
  const f = flags.stdout.split("\n");
  t.same(f.filter((l) => l.startsWith("#SBATCH")), [
    "#SBATCH --time=00:05:00",
    "#SBATCH --partition=debug",
    "#SBATCH --account=acct",
    "#SBATCH --job-name=distributed",
    "#SBATCH --output=distributed-%j.out",
    "#SBATCH --exclusive",
  ], "--partition and --time win; the rest from the config");
  t.notOk(flags.stdout.includes("cfgpart"), "the config's partition is gone");
  t.ok(f.includes("true") && !f.includes("module load bun"), "--prologue wins");

  const custom = await cli("node", [
    "slurm",
    "submit",
    REPORT,
    "--template",
    "my.sbatch",
    "--partition",
    "debug",
    "--epilogue",
    "done",
    "--dry-run",
    "--",
    "x",
  ], { cwd: dir });
  succeeded(t, custom, "--template");
  t.equal(
    custom.stdout,
    [
      "#!/bin/bash",
      "# my own template",
      "#SBATCH --time=01:00:00",
      "#SBATCH --partition=debug",
      "#SBATCH --account=acct",
      "#SBATCH --job-name=distributed",
      "#SBATCH --output=distributed-%j.out",
      "#SBATCH --exclusive",
      "#SBATCH --mail-type=END",
      "module load bun",
      "echo CUSTOM start",
      `cd ${dir} && ${exe("node")} ${CLI} run --slurm ${REPORT} -- x`,
      "echo CUSTOM end done",
      "",
    ].join("\n"),
    "the custom template, filled in",
  );

  const bad = await cli("node", ["slurm", "submit", REPORT, "--template", "bad.sbatch", "--dry-run"], { cwd: dir });
  t.equal(bad.code, 1, "a template without {{sbatch}}: exit 1");
  t.equal(bad.stderr, "distributed: bad.sbatch has no {{sbatch}} placeholder (outside comments): the job's options would be lost\n");
});

/** The fields of `scontrol show job -o ID`. */
async function jobFields(id: string, env: NodeJS.ProcessEnv): Promise<Record<string, string>> {
  const { stdout } = await execFileP("scontrol", ["show", "job", "-o", id], { env, timeout: 30_000 });
  const fields: Record<string, string> = {};
  for (const m of stdout.trim().matchAll(/(\S+?)=(\S*)/g)) fields[m[1]!] ??= m[2]!;
  return fields;
}

/** Polls the job until it has ended; its fields then. */
async function waitForJob(id: string, env: NodeJS.ProcessEnv, ms: number): Promise<Record<string, string>> {
  const start = Date.now();
  for (;;) {
    const fields = await jobFields(id, env);
    if (!/^(PENDING|CONFIGURING|RUNNING|COMPLETING|SUSPENDED|REQUEUED|RESIZING)$/.test(fields.JobState ?? "")) return fields;
    if (Date.now() - start > ms) throw new Error(`job ${id} still ${fields.JobState} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

t.test("on the Slurm test cluster: slurm submit runs the script with one worker per task; run --slurm outside a job", async (t) => {
  const cluster = slurmCluster(t);
  if (cluster === undefined) return;
  const env = slurmEnv(cluster);
  delete env.SLURM_JOB_ID;
  delete env.SLURM_JOBID;
  for (const name of ["DISTRIBUTED_CONFIG", "DISTRIBUTED_WORKER_TIMEOUT", "DISTRIBUTED_THREADS"]) delete env[name];
  const outDir = path.join(TMP, "slurm-out");
  mkdirSync(outDir, { recursive: true });
  const submitted: string[] = [];
  t.teardown(async () => {
    // A job still there (a failed assertion, a timeout) is cancelled.
    for (const id of submitted) await execFileP("scancel", [id], { env, timeout: 30_000 }).catch(() => {});
  });

  /** Submits with the CLI; the job id. */
  const submit = async (runtime: Runtime, args: string[]): Promise<string> => {
    const r = await cli(runtime, ["slurm", "submit", ...args], { fullEnv: env });
    t.equal(r.code, 0, `${runtime} slurm submit: exit 0`, { stderr: r.stderr });
    const m = /^Submitted job (\d+) \(output: (.*)\)\n$/.exec(r.stdout);
    t.ok(m, `${runtime}: "Submitted job N (output: ...)"`, { stdout: r.stdout });
    if (!m) throw new Error(`no job id in ${JSON.stringify(r.stdout)}`);
    submitted.push(m[1]!);
    t.equal(m[2], path.join(outDir, `out-${m[1]}.out`), `${runtime}: the output file named with the job id`);
    return m[1]!;
  };
  const script = path.join("dist", "test", "fixtures", "cli-report.js");
  const common = [
    "--nodes",
    "2",
    "--ntasks-per-node",
    "2",
    "--partition",
    "debug",
    "--time",
    "00:05:00",
    "--output",
    path.join(outDir, "out-%j.out"),
  ];
  const [nodeJob, bunJob] = await Promise.all([
    submit("node", [script, ...common, "--", "--size", "3"]),
    submit("bun", [script, ...common, "-t", "1", "--runtime", "deno", "--job-name", "cli test"]),
  ]);

  const check = async (
    id: string,
    runtime: Runtime,
    workerRuntime: Runtime,
    nthreads: number | undefined,
    argv: string[],
  ): Promise<void> => {
    const fields = await waitForJob(id, env, 120_000);
    const output = existsSync(path.join(outDir, `out-${id}.out`))
      ? readFileSync(path.join(outDir, `out-${id}.out`), "utf8")
      : "(no output file)";
    t.equal(fields.JobState, "COMPLETED", `job ${id} (${runtime}) completed`, { output });
    t.equal(fields.ExitCode, "0:0", `job ${id}: exit code 0`);
    t.equal(fields.Partition, "debug");
    t.equal(fields.NumNodes, "2");
    t.equal(fields.NumTasks, "4");
    const nodes = (await execFileP("scontrol", ["show", "hostnames", fields.NodeList!], { env })).stdout.trim().split("\n");
    t.equal(nodes.length, 2, `job ${id}: two nodes (${fields.NodeList})`);
    const hostnames = nodes.map((n) => cluster.nodes.find((x) => x.name === n)?.hostname);
    const rep = report(t, output);
    t.equal(rep.runtime, runtime, `job ${id}: the master under ${runtime}`);
    t.equal(
      rep.host,
      cluster.nodes.find((x) => x.name === fields.BatchHost)?.hostname,
      `job ${id}: the master on the batch host ${fields.BatchHost}`,
    );
    t.same(rep.workers, [2, 3, 4, 5], `job ${id}: 4 workers`);
    t.same(rep.argv, argv, `job ${id}: the script's arguments`);
    t.equal(rep.sum, 42, `job ${id}: remotecallFetch`);
    t.same(rep.fromWorkers.map((w) => w.slurmJob), [id, id, id, id], `job ${id}: every worker a task of the job`);
    t.same(rep.fromWorkers.map((w) => w.slurmProcid).sort(), ["0", "1", "2", "3"], `job ${id}: tasks 0..3`);
    t.same(
      hostnames.map((h) => rep.fromWorkers.filter((w) => w.host === h).length),
      [2, 2],
      `job ${id}: two workers on each of the job's nodes (${hostnames.join(", ")})`,
    );
    t.same(rep.fromWorkers.map((w) => w.runtime), Array(4).fill(workerRuntime), `job ${id}: ${workerRuntime} workers`);
    if (nthreads !== undefined) {
      t.same(
        [rep.nthreads, ...rep.fromWorkers.map((w) => w.nthreads)],
        Array(5).fill(nthreads),
        `job ${id}: pools of ${nthreads} (-t ${nthreads})`,
      );
    }
  };
  await Promise.all([
    check(nodeJob, "node", "node", undefined, ["--size", "3"]).catch((e: unknown) => t.fail(String(e))),
    check(bunJob, "bun", "deno", 1, []).catch((e: unknown) => t.fail(String(e))),
  ]);
  t.equal(
    (await execFileP("squeue", ["-h", "-t", "all", "-j", bunJob, "-o", "%j"], { env })).stdout.trim(),
    "cli test",
    "--job-name with a space reached Slurm whole",
  );

  // Outside any job: refused, and nothing is submitted.
  const before = (await execFileP("squeue", ["-h", "-o", "%i"], { env })).stdout.trim();
  const outside = await cli("node", ["run", "--slurm", REPORT], { fullEnv: env });
  const after = (await execFileP("squeue", ["-h", "-o", "%i"], { env })).stdout.trim();
  const extra = after.split("\n").filter((id) => id !== "" && !before.split("\n").includes(id));
  submitted.push(...extra);
  t.equal(outside.code, 1, "run --slurm outside a job: exit 1", { stdout: outside.stdout, stderr: outside.stderr });
  t.match(outside.stderr, /^distributed: .*not running inside .*SLURM_JOB_ID.*\n$/, "a one-line message that says why");
  t.notMatch(outside.stdout, "CLI-REPORT", "the script did not run");
  t.same(extra, [], "no job was submitted");
});
