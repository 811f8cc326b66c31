// The configuration file: validateConfig (every documented key accepted; each bad value a
// ConfigError naming the file, the dotted key and what is allowed), loadConfig finding each
// form of file, and the precedence addprocs applies: option > config > environment > default
// (withConfig, then what a manager is really given).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import t from "tap";
import { type DistributedConfig, validateConfig } from "../../src/config/schema.ts";
import { ConfigError, DistributedError } from "../../src/errors.ts";
import { forgetConfig, loadConfig } from "../../src/config/load.ts";
import { addprocs } from "../../src/cluster/addprocs.ts";
import { type AddprocsOptions, withConfig } from "../../src/cluster/addprocs-options.ts";
import type { ClusterManager, LaunchParams } from "../../src/cluster/manager.ts";
import { caught } from "../helpers/unit.ts";

const FILE = "/proj/distributed.config.json";
/** An empty environment: these tests are about the file (test/unit/settings.test.ts covers the environment). */
const noEnv = (): undefined => undefined;

/** Every key the schema documents (src/config/schema.ts, DistributedConfig), each with a good value. */
const EVERY_KEY: DistributedConfig = {
  runtime: "bun",
  exename: "/opt/bun/bin/bun",
  exeflags: ["--max-old-space-size=4096"],
  topology: "master_worker",
  lazy: false,
  restrict: false,
  timeout: 120.5,
  threads: 4,
  heartbeatInterval: 0,
  heartbeatTimeout: 600,
  hostTimeout: 45,
  procs: 8,
  env: { OMP_NUM_THREADS: "1", EMPTY: "" },
  ssh: { ssh: "/usr/bin/ssh", sshflags: ["-i", "key"], shell: "csh", tunnel: true, multiplex: false, maxParallel: 5 },
  slurm: {
    partition: "debug",
    time: "00:30:00",
    account: "proj",
    qos: "normal",
    nodes: 2,
    ntasks: 8,
    ntasksPerNode: 4,
    cpusPerTask: 2,
    mem: "4G",
    constraint: "avx2",
    sbatchFlags: ["--exclusive"],
    srunFlags: ["--mpi=none"],
    queueTimeout: 600,
    prologue: "",
    epilogue: "module purge",
    template: "slurm/my.sbatch",
  },
};

/** The assertions the helper below needs (any tap Test has them). */
interface Asserts {
  ok(value: unknown, message: string): unknown;
  equal(found: unknown, wanted: unknown, message: string): unknown;
}

/** Asserts that validateConfig(raw, file) throws a ConfigError with exactly this message and key. */
function rejects(t: Asserts, raw: unknown, key: string, message: string, file = FILE): void {
  const err = caught(() => validateConfig(raw, file));
  t.ok(err instanceof ConfigError, `a ConfigError for ${key}`);
  const e = err as ConfigError;
  t.equal(e.message, `${file}: ${message}`, `message for ${key}`);
  t.equal(e.key, key, "its key");
  t.equal(e.file, file, "its file");
}

t.test("validateConfig accepts every documented key and returns the same values", async (t) => {
  t.same(validateConfig(EVERY_KEY, FILE), EVERY_KEY);
  t.same(Object.keys(validateConfig(EVERY_KEY, FILE)).sort(), [
    "env",
    "exeflags",
    "exename",
    "heartbeatInterval",
    "heartbeatTimeout",
    "hostTimeout",
    "lazy",
    "procs",
    "restrict",
    "runtime",
    "slurm",
    "ssh",
    "threads",
    "timeout",
    "topology",
  ]);
  t.same(validateConfig({}, FILE), {}, "an empty configuration");
  for (const runtime of ["node", "bun", "deno"]) t.same(validateConfig({ runtime }, FILE), { runtime }, `runtime ${runtime}`);
  for (const topology of ["all_to_all", "master_worker", "custom"]) {
    t.same(validateConfig({ topology }, FILE), { topology }, `topology ${topology}`);
  }
  t.same(validateConfig({ ssh: {}, slurm: {} }, FILE), { ssh: {}, slurm: {} }, "empty sections");
  t.same(validateConfig({ exeflags: [], timeout: 0.5 }, FILE), { exeflags: [], timeout: 0.5 }, "an empty array; a fractional timeout");
  t.same(validateConfig({ runtime: undefined, procs: 2 }, FILE), { procs: 2 }, "a key set to undefined (a JS config) is left out");
});

t.test("a bad value: the file, the key and what is allowed (exact messages)", async (t) => {
  rejects(t, { runtime: "python" }, "runtime", `"runtime" must be one of "node", "bun", "deno"; got "python"`);
  rejects(t, { runtime: 1 }, "runtime", `"runtime" must be one of "node", "bun", "deno"; got 1`);
  rejects(t, { exeflags: "--inspect" }, "exeflags", `"exeflags" must be an array of strings; got "--inspect"`);
  rejects(t, { exeflags: ["--a", 2] }, "exeflags", `"exeflags" must be an array of strings; got ["--a",2]`);
  rejects(t, { topology: "ring" }, "topology", `"topology" must be one of "all_to_all", "master_worker", "custom"; got "ring"`);
  rejects(t, { timeout: 0 }, "timeout", `"timeout" must be a positive number of seconds; got 0`);
  rejects(t, { timeout: -5 }, "timeout", `"timeout" must be a positive number of seconds; got -5`);
  rejects(t, { timeout: "60" }, "timeout", `"timeout" must be a positive number of seconds; got "60"`);
  rejects(t, { threads: 1.5 }, "threads", `"threads" must be a positive integer; got 1.5`);
  rejects(t, { threads: 0 }, "threads", `"threads" must be a positive integer; got 0`);
  rejects(t, { procs: "2" }, "procs", `"procs" must be a non-negative integer; got "2"`);
  rejects(t, { procs: -1 }, "procs", `"procs" must be a non-negative integer; got -1`);
  t.same(validateConfig({ procs: 0 }, FILE), { procs: 0 }, "procs 0: no workers, as -p 0");
  rejects(t, { env: { A: 1 } }, "env", `"env" must be an object of string values; got {"A":1}`);
  rejects(t, { env: ["A=1"] }, "env", `"env" must be an object of string values; got ["A=1"]`);
  rejects(t, { env: null }, "env", `"env" must be an object of string values; got null`);
});

t.test("nested keys are dotted: ssh.* and slurm.*", async (t) => {
  rejects(t, { slurm: { time: 5 } }, "slurm.time", `"slurm.time" must be a non-empty string; got 5`);
  rejects(t, { slurm: { partition: "" } }, "slurm.partition", `"slurm.partition" must be a non-empty string; got ""`);
  rejects(t, { slurm: { nodes: 0 } }, "slurm.nodes", `"slurm.nodes" must be a positive integer or a range like "2-4"; got 0`);
  t.same(validateConfig({ slurm: { nodes: "2-4" } }, FILE), { slurm: { nodes: "2-4" } }, "slurm.nodes as a range");
  rejects(t, { slurm: { ntasksPerNode: 2.5 } }, "slurm.ntasksPerNode", `"slurm.ntasksPerNode" must be a positive integer; got 2.5`);
  rejects(t, { slurm: { queueTimeout: -1 } }, "slurm.queueTimeout", `"slurm.queueTimeout" must be a positive number of seconds; got -1`);
  rejects(
    t,
    { slurm: { sbatchFlags: "--exclusive" } },
    "slurm.sbatchFlags",
    `"slurm.sbatchFlags" must be an array of strings; got "--exclusive"`,
  );
  rejects(t, { slurm: { srunFlags: [1] } }, "slurm.srunFlags", `"slurm.srunFlags" must be an array of strings; got [1]`);
  rejects(
    t,
    { slurm: { prologue: ["module load bun"] } },
    "slurm.prologue",
    `"slurm.prologue" must be a string of shell code; got ["module load bun"]`,
  );
  rejects(t, { slurm: { epilogue: 0 } }, "slurm.epilogue", `"slurm.epilogue" must be a string of shell code; got 0`);
  rejects(t, { exename: "" }, "exename", `"exename" must be a non-empty string; got ""`);
  rejects(t, { lazy: "no" }, "lazy", `"lazy" must be true or false; got "no"`);
  rejects(t, { restrict: 0 }, "restrict", `"restrict" must be true or false; got 0`);
  rejects(t, { heartbeatInterval: -1 }, "heartbeatInterval", `"heartbeatInterval" must be a number of seconds >= 0; got -1`);
  rejects(t, { heartbeatTimeout: "5" }, "heartbeatTimeout", `"heartbeatTimeout" must be a number of seconds >= 0; got "5"`);
  rejects(t, { hostTimeout: -1 }, "hostTimeout", `"hostTimeout" must be a number of seconds >= 0; got -1`);
  rejects(t, { ssh: { shell: "fish" } }, "ssh.shell", `"ssh.shell" must be one of "posix", "csh"; got "fish"`);
  rejects(t, { ssh: { tunnel: "yes" } }, "ssh.tunnel", `"ssh.tunnel" must be true or false; got "yes"`);
  rejects(t, { ssh: { maxParallel: 0 } }, "ssh.maxParallel", `"ssh.maxParallel" must be a positive integer; got 0`);
  rejects(t, { ssh: { ssh: "" } }, "ssh.ssh", `"ssh.ssh" must be a non-empty string; got ""`);
  rejects(t, { ssh: { sshflags: "-i key" } }, "ssh.sshflags", `"ssh.sshflags" must be an array of strings; got "-i key"`);
  // A section that is not an object.
  rejects(t, { slurm: "debug" }, "slurm", `"slurm" must be an object, got string`);
  rejects(t, { slurm: null }, "slurm", `"slurm" must be an object, got null`);
  rejects(t, { ssh: ["host"] }, "ssh", `"ssh" must be an object, got an array`);
  // The first bad key is the one reported, in the file's order.
  rejects(
    t,
    { procs: 2, slurm: { partition: "debug", time: 30 }, runtime: "python" },
    "slurm.time",
    `"slurm.time" must be a non-empty string; got 30`,
  );
});

t.test("an unknown key lists the known ones (of its section, for nested keys)", async (t) => {
  rejects(
    t,
    { procs: 2, prcos: 2 },
    "prcos",
    `unknown key "prcos"; known keys: runtime, exename, exeflags, topology, lazy, restrict, timeout, threads, heartbeatInterval, heartbeatTimeout, hostTimeout, procs, env, ssh, slurm`,
  );
  rejects(
    t,
    { slurm: { partion: "debug" } },
    "slurm.partion",
    `unknown key "slurm.partion"; known keys of "slurm": partition, time, account, qos, nodes, ntasks, ntasksPerNode, cpusPerTask, mem, constraint, sbatchFlags, srunFlags, queueTimeout, prologue, epilogue, template`,
  );
  rejects(
    t,
    { ssh: { user: "me" } },
    "ssh.user",
    `unknown key "ssh.user"; known keys of "ssh": ssh, sshflags, shell, tunnel, multiplex, maxParallel`,
  );
  // Names of the CLI's flags are not config keys.
  rejects(
    t,
    { "machine-file": "hosts" },
    "machine-file",
    `unknown key "machine-file"; known keys: runtime, exename, exeflags, topology, lazy, restrict, timeout, threads, heartbeatInterval, heartbeatTimeout, hostTimeout, procs, env, ssh, slurm`,
  );
});

t.test("a configuration that is not an object", async (t) => {
  rejects(t, null, "(top)", "the configuration must be an object, got null");
  rejects(t, [1, 2], "(top)", "the configuration must be an object, got an array");
  rejects(t, "procs: 2", "(top)", "the configuration must be an object, got string");
  rejects(t, 42, "(top)", "the configuration must be an object, got number");
  rejects(t, true, "(top)", "the configuration must be an object, got boolean");
  // The file is named as given, e.g. package.json's key.
  rejects(
    t,
    { runtime: "python" },
    "runtime",
    `"runtime" must be one of "node", "bun", "deno"; got "python"`,
    "/proj/package.json#distributed",
  );
  const err = caught(() => validateConfig({ threads: 0 }, "x.json")) as ConfigError;
  t.equal(err.name, "ConfigError");
  t.ok(err instanceof Error, "a ConfigError is an Error");
});

t.test("withConfig: an option beats the config", async (t) => {
  const config: DistributedConfig = {
    runtime: "bun",
    exeflags: ["--from-config"],
    topology: "all_to_all",
    timeout: 30,
    threads: 4,
    env: { A: "config", B: "config" },
    ssh: { ssh: "config-ssh", sshflags: ["-v"], shell: "csh", tunnel: true, multiplex: true, maxParallel: 3 },
  };
  const options: AddprocsOptions = {
    runtime: "deno",
    exeflags: [],
    topology: "master_worker",
    timeout: 5,
    threads: 1,
    env: { B: "option", C: "option" },
    ssh: "my-ssh",
    sshflags: [],
    shell: "posix",
    tunnel: false,
    multiplex: false,
    maxParallel: 1,
  };
  t.same(
    withConfig(options, config, noEnv),
    { ...options, env: { A: "config", B: "option", C: "option" } },
    "every given option kept (even [] and false); env merged, the option's keys winning",
  );
  t.same(options.env, { B: "option", C: "option" }, "the options are not changed");
  t.same(config.env, { A: "config", B: "config" }, "nor the config");
});

t.test("withConfig: the config fills what is missing", async (t) => {
  const config: DistributedConfig = {
    runtime: "bun",
    exename: "/opt/bun",
    exeflags: ["--x"],
    topology: "master_worker",
    lazy: false,
    restrict: false,
    timeout: 30,
    threads: 4,
    heartbeatInterval: 1,
    heartbeatTimeout: 0,
    hostTimeout: 10,
    procs: 3,
    env: { A: "1" },
    ssh: { ssh: "s", sshflags: ["-q"], shell: "csh", tunnel: true, multiplex: false, maxParallel: 2 },
    slurm: { partition: "debug" },
  };
  t.same(
    withConfig({}, config, noEnv),
    {
      runtime: "bun",
      exename: "/opt/bun",
      exeflags: ["--x"],
      topology: "master_worker",
      lazy: false,
      restrict: false,
      timeout: 30,
      threads: 4,
      heartbeatInterval: 1,
      heartbeatTimeout: 0,
      hostTimeout: 10,
      env: { A: "1" },
      ssh: "s",
      sshflags: ["-q"],
      shell: "csh",
      tunnel: true,
      multiplex: false,
      maxParallel: 2,
    },
    "every addprocs setting the config has; not procs or slurm (those are the CLI's and SlurmManager's)",
  );
  t.same(
    withConfig({ runtime: "node", partial: true }, { timeout: 9 }, noEnv),
    { runtime: "node", partial: true, timeout: 9 },
    "given and filled side by side",
  );
  t.same(withConfig({ timeout: undefined }, { timeout: 9 }, noEnv), { timeout: 9 }, "an option given as undefined counts as not given");
  t.same(withConfig({ threads: 2 }, {}, noEnv), { threads: 2 }, "an empty config adds nothing");
  t.same(withConfig({}, {}, noEnv), {}, "nothing from nothing: defaults are left to the code that uses each");
});

/** A manager that launches nothing and records what addprocs gave it. */
function recorder(): { manager: ClusterManager; seen: LaunchParams[] } {
  const seen: LaunchParams[] = [];
  const manager: ClusterManager = {
    name: "recorder",
    launch: (params) => {
      seen.push(params);
      return Promise.resolve();
    },
    manage: () => {},
    kill: () => Promise.resolve(),
  };
  return { manager, seen };
}

t.test("addprocs: timeout from the option, else the config, else DISTRIBUTED_WORKER_TIMEOUT, else 60", async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "distributed-config-test-"));
  const saved = { config: process.env.DISTRIBUTED_CONFIG, timeout: process.env.DISTRIBUTED_WORKER_TIMEOUT };
  t.teardown(() => {
    for (const [name, value] of [["DISTRIBUTED_CONFIG", saved.config], ["DISTRIBUTED_WORKER_TIMEOUT", saved.timeout]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    forgetConfig();
    rmSync(dir, { recursive: true, force: true });
  });
  const withTimeout = path.join(dir, "with-timeout.json");
  const without = path.join(dir, "without.json");
  writeFileSync(withTimeout, JSON.stringify({ timeout: 30, runtime: "deno", threads: 3, exeflags: ["--flag"], env: { FROM: "config" } }));
  writeFileSync(without, JSON.stringify({ runtime: "bun" }));
  /** The params addprocs hands the manager, with this config file and DISTRIBUTED_WORKER_TIMEOUT. */
  const params = async (file: string | undefined, envTimeout: string | undefined, options: AddprocsOptions = {}): Promise<LaunchParams> => {
    if (file === undefined) process.env.DISTRIBUTED_CONFIG = path.join(dir, "empty.json");
    else process.env.DISTRIBUTED_CONFIG = file;
    if (envTimeout === undefined) delete process.env.DISTRIBUTED_WORKER_TIMEOUT;
    else process.env.DISTRIBUTED_WORKER_TIMEOUT = envTimeout;
    forgetConfig();
    const { manager, seen } = recorder();
    t.same(await addprocs(manager, options), [], "no workers launched");
    t.equal(seen.length, 1, "launched once");
    return seen[0]!;
  };
  writeFileSync(path.join(dir, "empty.json"), "{}");

  t.equal((await params(withTimeout, "7", { timeout: 5 })).timeout, 5, "option 5 > config 30 > env 7");
  const fromConfig = await params(withTimeout, "7");
  t.equal(fromConfig.timeout, 30, "config 30 > env 7");
  t.equal(fromConfig.runtime, "deno", "the config's runtime");
  t.equal(fromConfig.env.DISTRIBUTED_THREADS, "3", "the config's threads reach the workers' environment");
  t.equal(fromConfig.env.FROM, "config", "the config's env");
  t.same(fromConfig.exeflags, ["--flag"], "the config's exeflags");
  t.equal((await params(withTimeout, "not a number")).timeout, 30, "the environment is not even read when the config sets timeout");
  t.equal((await params(without, "7")).timeout, 7, "env 7 when neither option nor config sets it");
  t.equal((await params(without, "7")).runtime, "bun", "(the other config's runtime)");
  t.equal((await params(undefined, "2.5")).timeout, 2.5, "env with an empty config");
  t.equal((await params(undefined, undefined)).timeout, 60, "the default");
  process.env.DISTRIBUTED_WORKER_TIMEOUT = "0";
  const err = await addprocs(recorder().manager).then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  t.equal(
    err?.message,
    'DISTRIBUTED_WORKER_TIMEOUT must be a positive number of seconds, got "0"',
    "a bad environment value is an error when it is used",
  );
});

t.test("loadConfig finds each form of configuration file", async (t) => {
  const root = mkdtempSync(path.join(os.tmpdir(), "distributed-config-forms-"));
  const savedConfig = process.env.DISTRIBUTED_CONFIG;
  delete process.env.DISTRIBUTED_CONFIG;
  t.teardown(() => {
    if (savedConfig === undefined) delete process.env.DISTRIBUTED_CONFIG;
    else process.env.DISTRIBUTED_CONFIG = savedConfig;
    forgetConfig();
    rmSync(root, { recursive: true, force: true });
  });
  /** A project directory (its own package.json, so the search stops there) with these files. */
  const make = (name: string, files: Record<string, string>): string => {
    const dir = path.join(root, name);
    mkdirSync(dir, { recursive: true });
    if (!("package.json" in files)) writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name, private: true }));
    for (const [file, text] of Object.entries(files)) writeFileSync(path.join(dir, file), text);
    return dir;
  };
  const cases: Array<[string, Record<string, string>, string]> = [
    ["json", { "distributed.config.json": JSON.stringify({ procs: 2, runtime: "bun", threads: 2 }) }, "distributed.config.json"],
    [
      "pkg",
      { "package.json": JSON.stringify({ name: "pkg", distributed: { procs: 2, runtime: "bun", threads: 2 } }) },
      "package.json#distributed",
    ],
    ["yaml", { ".distributedrc.yaml": "procs: 2\nruntime: bun\nthreads: 2\n" }, ".distributedrc.yaml"],
    ["rc", { ".distributedrc": '{ "procs": 2, "runtime": "bun", "threads": 2 }' }, ".distributedrc"],
    ["mjs", { "distributed.config.mjs": "export default { procs: 2, runtime: 'bun', threads: 2 };\n" }, "distributed.config.mjs"],
    ["cjs", { "distributed.config.cjs": "module.exports = { procs: 2, runtime: 'bun', threads: 2 };\n" }, "distributed.config.cjs"],
    [
      "ts",
      { "distributed.config.ts": "const procs: number = 2;\nexport default { procs, runtime: 'bun' as const, threads: 2 };\n" },
      "distributed.config.ts",
    ],
  ];
  for (const [name, files, found] of cases) {
    const dir = make(name, files);
    forgetConfig();
    const loaded = await loadConfig(dir);
    t.same(loaded, { config: { procs: 2, runtime: "bun", threads: 2 }, file: path.join(dir, found) }, `${name}: ${found}`);
  }
  // Found from a subdirectory of the project.
  const sub = path.join(make("sub", { "distributed.config.json": '{ "timeout": 9 }' }), "a", "b");
  mkdirSync(sub, { recursive: true });
  forgetConfig();
  t.same(await loadConfig(sub), { config: { timeout: 9 }, file: path.join(root, "sub", "distributed.config.json") }, "from a subdirectory");
  // package.json first: its "distributed" key wins over a distributed.config.json beside it.
  const both = make("both", {
    "package.json": JSON.stringify({ name: "both", distributed: { procs: 1 } }),
    "distributed.config.json": '{ "procs": 3 }',
  });
  forgetConfig();
  t.same((await loadConfig(both)).config, { procs: 1 }, "package.json's key comes first in the search");
  // None: the project's package.json has no "distributed" key.
  const none = make("none", {});
  forgetConfig();
  t.same(await loadConfig(none), { config: {}, file: undefined }, "no configuration");
  // A bad file: the ConfigError names the file and the key.
  const bad = make("bad", { ".distributedrc.yml": "slurm:\n  time: 5\n" });
  forgetConfig();
  const err = await loadConfig(bad).then(
    () => undefined,
    (e: unknown) => e,
  );
  t.ok(err instanceof ConfigError, "a ConfigError");
  t.equal((err as Error).message, `${path.join(bad, ".distributedrc.yml")}: "slurm.time" must be a non-empty string; got 5`);
  // DISTRIBUTED_CONFIG names the file outright, wherever the search would start.
  process.env.DISTRIBUTED_CONFIG = path.join(root, "yaml", ".distributedrc.yaml");
  forgetConfig();
  t.same(
    await loadConfig(none),
    { config: { procs: 2, runtime: "bun", threads: 2 }, file: path.join(root, "yaml", ".distributedrc.yaml") },
    "DISTRIBUTED_CONFIG",
  );
  delete process.env.DISTRIBUTED_CONFIG;
  // Loaded once per directory until forgotten.
  forgetConfig();
  const first = await loadConfig(both);
  writeFileSync(path.join(both, "package.json"), JSON.stringify({ name: "both", distributed: { procs: 5 } }));
  t.same((await loadConfig(both)).config, first.config, "cached");
  forgetConfig();
  // Known bug: forgetConfig() clears load.ts's cache but not cosmiconfig's own (the explorer in
  // src/runtime/config-file.ts is made once and caches every search and load), so an edited file
  // is still read as it was.
  t.same((await loadConfig(both)).config, { procs: 5 }, "read again after forgetConfig()");
});
