// The settings table (src/config/settings.ts) and its one rule (src/config/resolve.ts), pure:
// option > configuration file > environment > default for every setting; each variable parsed,
// a bad value an EnvVarError naming the variable, the value and what is allowed, read only when
// it would be used; withConfig filling addprocs' options by the rule; and the documentation's
// table of variables equal to the code's.
import { readFileSync } from "node:fs";
import path from "node:path";
import t from "tap";
import { BOOL, FLAGS, THREADS } from "../../src/config/kinds.ts";
import { configValue, fromEnvironment, readVariable, resolveSetting } from "../../src/config/resolve.ts";
import { type DistributedConfig, validateConfig } from "../../src/config/schema.ts";
import { OTHER_VARIABLES, type Setting, type SettingName, SETTINGS } from "../../src/config/settings.ts";
import { DistributedError, EnvVarError } from "../../src/errors.ts";
import { withConfig } from "../../src/cluster/addprocs-options.ts";
import { currentRuntime } from "../../src/runtime/detect.ts";
import { ROOT } from "../helpers/processes.ts";
import { caught } from "../helpers/unit.ts";

/** For each setting: an option, a file value and a variable's text (with its value), all different, and a text not allowed. */
interface Sample {
  option: unknown;
  file: unknown;
  text: string;
  parsed: unknown;
  bad: string;
}
const SAMPLES: Record<SettingName, Sample> = {
  runtime: { option: "deno", file: "bun", text: "node", parsed: "node", bad: "python" },
  exename: { option: "/a/node", file: "/b/node", text: "/c/node", parsed: "/c/node", bad: "" },
  exeflags: { option: ["--a"], file: ["--b"], text: "--c --d=1", parsed: ["--c", "--d=1"], bad: '["--c", 1]' },
  topology: { option: "custom", file: "master_worker", text: "all_to_all", parsed: "all_to_all", bad: "ring" },
  lazy: { option: true, file: false, text: "1", parsed: true, bad: "maybe" },
  restrict: { option: false, file: true, text: "false", parsed: false, bad: "no" },
  timeout: { option: 5, file: 30, text: "7.5", parsed: 7.5, bad: "soon" },
  threads: { option: 1, file: 2, text: "3", parsed: 3, bad: "0" },
  heartbeatInterval: { option: 1, file: 2, text: "0", parsed: 0, bad: "-1" },
  heartbeatTimeout: { option: 10, file: 20, text: "0", parsed: 0, bad: "5s" },
  hostTimeout: { option: 10, file: 20, text: "0", parsed: 0, bad: "-2" },
  maxFrameBytes: { option: 8192, file: undefined, text: "65536", parsed: 65536, bad: "4095" },
  procs: { option: 1, file: 2, text: "0", parsed: 0, bad: "1.5" },
  ssh: { option: "/a/ssh", file: "/b/ssh", text: "/c/ssh", parsed: "/c/ssh", bad: "" },
  sshflags: {
    option: ["-v"],
    file: ["-q"],
    text: '["-o", "ProxyCommand ssh -W %h:%p gw"]',
    parsed: ["-o", "ProxyCommand ssh -W %h:%p gw"],
    bad: "[-o]",
  },
  shell: { option: "csh", file: "posix", text: "csh", parsed: "csh", bad: "fish" },
  tunnel: { option: true, file: false, text: "0", parsed: false, bad: "on" },
  multiplex: { option: false, file: true, text: "TRUE", parsed: true, bad: "2" },
  maxParallel: { option: 1, file: 2, text: "3", parsed: 3, bad: "0x" },
};

/** An environment of these variables. */
const envOf = (vars: Record<string, string>) => (name: string): string | undefined => vars[name];
/** A configuration with `value` at a dotted key. */
function fileWith(key: string, value: unknown): DistributedConfig {
  const [a, b] = key.split(".") as [string, string | undefined];
  return (b === undefined ? { [a]: value } : { [a]: { [b]: value } }) as DistributedConfig;
}
const names = Object.keys(SETTINGS) as SettingName[];
const spec = (name: SettingName): Setting<unknown> => SETTINGS[name];

t.test("the table: every setting sampled; variables, options and keys unique; variables named DISTRIBUTED_*", async (t) => {
  t.same(Object.keys(SAMPLES).sort(), [...names].sort(), "a sample for every setting");
  const variables = [...names.map((n) => spec(n).env), ...OTHER_VARIABLES.map((v) => v.env)];
  t.equal(new Set(variables).size, variables.length, "one variable per setting, none shared");
  t.ok(variables.every((v) => /^DISTRIBUTED_[A-Z_]+$/.test(v)), "all DISTRIBUTED_*");
  const options = names.map((n) => spec(n).option).filter((o) => o !== undefined);
  t.equal(new Set(options).size, options.length, "options unique");
  const keys = names.map((n) => spec(n).key).filter((k) => k !== undefined);
  t.equal(new Set(keys).size, keys.length, "file keys unique");
  for (const name of names) {
    const s = spec(name);
    const fallback = s.fallback();
    if (name === "threads") t.equal(fallback, "auto", "threads: one per CPU of each process by default");
    else if (name === "exename") t.equal(fallback, undefined, "exename: the launcher finds the executable");
    else t.ok(s.kind.check(fallback), `${name}: its default ${JSON.stringify(fallback)} is one of its values`);
  }
  t.equal(SETTINGS.runtime.fallback(), currentRuntime(), "the runtime's default is this process's");
});

t.test("resolveSetting: option > file > environment > default, for every setting", async (t) => {
  for (const name of names) {
    const s = spec(name);
    const sample = SAMPLES[name];
    const file = s.key !== undefined ? fileWith(s.key, sample.file) : {};
    const env = envOf({ [s.env]: sample.text });
    t.same(
      resolveSetting(name, { option: sample.option, config: file, env }),
      { value: sample.option, from: "option" },
      `${name}: the option`,
    );
    if (s.key !== undefined) {
      t.same(resolveSetting(name, { config: file, env }), { value: sample.file, from: "config" }, `${name}: the file's ${s.key}`);
      t.same(
        resolveSetting(name, { config: file, env: envOf({ [s.env]: sample.bad }) }),
        { value: sample.file, from: "config" },
        `${name}: the variable is not read when the file gives it`,
      );
      t.same(validateConfig(file, "f.json"), file, `${name}: the file's value passes the schema`);
    }
    t.same(resolveSetting(name, { config: {}, env }), { value: sample.parsed, from: "environment" }, `${name}: ${s.env}=${sample.text}`);
    t.same(
      resolveSetting(name, { config: {}, env: envOf({ [s.env]: "" }) }),
      { value: s.fallback(), from: "default" },
      `${name}: an empty variable is not set`,
    );
    t.same(resolveSetting(name, {}), { value: s.fallback(), from: "default" }, `${name}: the default`);
    t.same(
      resolveSetting(name, { option: sample.option, env: envOf({ [s.env]: sample.bad }) }).from,
      "option",
      `${name}: the variable is not read when the option gives it`,
    );
  }
});

t.test("a variable's value that is not allowed: an EnvVarError naming the variable, the value and what is allowed", async (t) => {
  for (const name of names) {
    const s = spec(name);
    const bad = SAMPLES[name].bad;
    if (bad === "") continue; // empty is "not set"
    const err = caught(() => resolveSetting(name, { config: {}, env: envOf({ [s.env]: bad }) })) as EnvVarError;
    t.ok(err instanceof EnvVarError && err instanceof DistributedError, `${name}: an EnvVarError (a DistributedError)`);
    t.equal(err.message, `${s.env} must be ${s.kind.envAllowed}, got ${JSON.stringify(bad)}`, `${name}: ${err.message}`);
    t.same(
      [err.code, err.variable, err.value, err.allowed, err.name],
      ["ERR_BAD_ENV_VAR", s.env, bad, s.kind.envAllowed, "EnvVarError"],
      `${name}: its fields`,
    );
  }
  // The messages the guides quote, word for word.
  const message = (name: SettingName, text: string): string =>
    (caught(() => readVariable(name, envOf({ [spec(name).env]: text }))) as Error).message;
  t.equal(message("timeout", "soon"), 'DISTRIBUTED_WORKER_TIMEOUT must be a positive number of seconds, got "soon"');
  t.equal(message("threads", "many"), 'DISTRIBUTED_THREADS must be a positive integer or "auto", got "many"');
  t.equal(message("heartbeatTimeout", "-1"), 'DISTRIBUTED_HEARTBEAT_TIMEOUT must be a number of seconds >= 0, got "-1"');
  t.equal(message("maxFrameBytes", "1e3"), 'DISTRIBUTED_MAX_FRAME_BYTES must be an integer >= 4096, got "1e3"');
  t.equal(message("runtime", "python"), 'DISTRIBUTED_RUNTIME must be one of "node", "bun", "deno", got "python"');
  t.equal(message("lazy", "yes"), 'DISTRIBUTED_LAZY must be true, false, 1 or 0, got "yes"');
  t.equal(
    message("exeflags", "[1]"),
    'DISTRIBUTED_EXEFLAGS must be words separated by spaces, or a JSON array of strings such as ["-o", "a b"], got "[1]"',
  );
});

t.test("parsing: lists, booleans, threads, numbers", async (t) => {
  t.same(FLAGS.parse("  --a   --b=1 "), ["--a", "--b=1"], "words split at any white space");
  t.same(FLAGS.parse(' ["-i", "/my keys/k"]'), ["-i", "/my keys/k"], "a JSON array keeps a space inside an argument");
  t.same(
    [FLAGS.parse("[oops"), FLAGS.parse('{"a":1}'), FLAGS.parse('["a",{}]')],
    [undefined, ['{"a":1}'], undefined],
    "broken JSON is not allowed; an object is a word",
  );
  t.same(["true", "1", "false", "0", " True ", "yes", "on"].map((x) => BOOL.parse(x)), [
    true,
    true,
    false,
    false,
    true,
    undefined,
    undefined,
  ]);
  t.same(["auto", "4", "0", "2.5", " 3 ", "", "0x10"].map((x) => THREADS.parse(x)), [
    "auto",
    4,
    undefined,
    undefined,
    3,
    undefined,
    undefined,
  ], "a decimal integer (not hex) or auto");
  t.equal(
    (caught(() => readVariable("timeout", envOf({ DISTRIBUTED_WORKER_TIMEOUT: " " }))) as Error).message,
    'DISTRIBUTED_WORKER_TIMEOUT must be a positive number of seconds, got " "',
    "only spaces is a value, and not a number",
  );
  t.equal(readVariable("timeout", envOf({})), undefined, "not set");
  t.equal(fromEnvironment("DISTRIBUTED_HEARTBEAT_INTERVAL", envOf({})), 5, "by variable name: the default");
  t.equal(
    fromEnvironment("DISTRIBUTED_HEARTBEAT_INTERVAL", envOf({ DISTRIBUTED_HEARTBEAT_INTERVAL: "2" })),
    2,
    "by variable name: the variable",
  );
  t.throws(() => fromEnvironment("DISTRIBUTED_NOTHING", envOf({})), /DISTRIBUTED_NOTHING is not a setting's variable/);
  t.equal(configValue({ ssh: { tunnel: false } }, "ssh.tunnel"), false);
  t.equal(configValue({}, "ssh.tunnel"), undefined);
});

t.test("withConfig: addprocs' options by the rule, for what each kind of addprocs reads", async (t) => {
  const env = envOf({
    DISTRIBUTED_RUNTIME: "deno",
    DISTRIBUTED_EXENAME: "/opt/deno",
    DISTRIBUTED_EXEFLAGS: "--v8-flags=--max-old-space-size=512",
    DISTRIBUTED_TOPOLOGY: "master_worker",
    DISTRIBUTED_LAZY: "0",
    DISTRIBUTED_RESTRICT: "false",
    DISTRIBUTED_WORKER_TIMEOUT: "12",
    DISTRIBUTED_THREADS: "3",
    DISTRIBUTED_HEARTBEAT_INTERVAL: "1",
    DISTRIBUTED_HEARTBEAT_TIMEOUT: "0",
    DISTRIBUTED_HOST_TIMEOUT: "9",
    DISTRIBUTED_SSHFLAGS: "-i key",
    DISTRIBUTED_SSH_MAX_PARALLEL: "4",
  });
  const fromEnv = {
    runtime: "deno",
    exename: "/opt/deno",
    exeflags: ["--v8-flags=--max-old-space-size=512"],
    topology: "master_worker",
    lazy: false,
    restrict: false,
    timeout: 12,
    heartbeatInterval: 1,
    heartbeatTimeout: 0,
    hostTimeout: 9,
  };
  t.same(
    withConfig({}, {}, env, false),
    fromEnv,
    "addprocs(n): every variable but the SSH ones and DISTRIBUTED_THREADS (each process reads that itself)",
  );
  t.same(withConfig({}, {}, env, true), { ...fromEnv, sshflags: ["-i", "key"], maxParallel: 4 }, "addprocs(machines): the SSH ones too");
  t.same(withConfig({}, { runtime: "bun", threads: 2, ssh: { maxParallel: 8 } }, env, true), {
    ...fromEnv,
    runtime: "bun",
    threads: 2,
    sshflags: ["-i", "key"],
    maxParallel: 8,
  }, "the file beats the variables");
  t.same(
    withConfig({ runtime: "node", threads: 1, lazy: true, maxParallel: 1 }, { runtime: "bun", threads: 2 }, env, true),
    { ...fromEnv, runtime: "node", threads: 1, lazy: true, sshflags: ["-i", "key"], maxParallel: 1 },
    "options beat both",
  );
  const threads = withConfig({ manager: "threads" }, { exeflags: ["--x"] }, env, false);
  t.same(
    [threads.runtime, threads.exename, threads.exeflags],
    [undefined, undefined, undefined],
    "thread workers take no runtime, exename or exeflags from the file or the environment",
  );
  t.equal(threads.timeout, 12, "(but the rest)");
  t.same(withConfig({}, {}, envOf({ DISTRIBUTED_SSH_MAX_PARALLEL: "lots" }), false), {}, "addprocs(n) does not read a bad SSH variable");
  t.throws(() => withConfig({}, {}, envOf({ DISTRIBUTED_SSH_MAX_PARALLEL: "lots" }), true), {
    name: "EnvVarError",
    message: 'DISTRIBUTED_SSH_MAX_PARALLEL must be a positive integer, got "lots"',
  }, "addprocs(machines) does");
  t.throws(() => withConfig({}, {}, envOf({ DISTRIBUTED_RUNTIME: "python" })), {
    name: "EnvVarError",
    message: 'DISTRIBUTED_RUNTIME must be one of "node", "bun", "deno", got "python"',
  });
  t.same(
    withConfig({ runtime: "bun" }, {}, envOf({ DISTRIBUTED_RUNTIME: "python" })),
    { runtime: "bun" },
    "a bad variable an option overrides is never read",
  );
});

t.test("docs/guides/configuration.md lists every variable, as the code declares it", async (t) => {
  const text = readFileSync(path.join(ROOT, "docs", "guides", "configuration.md"), "utf8");
  const section = text.slice(text.indexOf("## Environment variables"));
  const rows = section
    .split("\n")
    .filter((l) => l.startsWith("| `DISTRIBUTED_"))
    .map((l) => l.slice(2, -2).split(" | "));
  const cell = (s: string): string => s.replace(/\|/g, "\\|");
  const expected = [
    ...names.map((name) => {
      const s = spec(name);
      const parts = [
        s.option !== undefined ? `option \`${s.option}\`` : null,
        s.flag !== undefined ? `flag \`${s.flag.split(", ").join("`, `")}\`` : null,
        s.key !== undefined ? `key \`${s.key}\`` : null,
      ].filter((p) => p !== null);
      return [
        `\`${s.env}\``,
        cell(parts.length > 0 ? parts.join(", ") : `\`${name}\` (variable only)`),
        cell(s.kind.envAllowed),
        cell(s.defaultText),
        s.where,
        cell(s.what),
      ];
    }),
    ...OTHER_VARIABLES.map((v) => [`\`${v.env}\``, "(not a setting)", cell(v.allowed), cell(v.defaultText), v.where, cell(v.what)]),
  ];
  t.same(rows.map((r) => r[0]), expected.map((r) => r[0]), "the same variables, in the same order");
  for (const [i, row] of expected.entries()) t.same(rows[i], row, `${row[0]}: setting, values, default, read by, what it sets`);
});
