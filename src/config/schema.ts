/**
 * The configuration file's shape, and its validation: a bad value is an error naming the file,
 * the key and what is allowed. Pure: the file is found and read elsewhere
 * (src/runtime/config-file.ts).
 *
 * @example
 * ```ts
 * import { loadConfig } from "distributed";
 * // with { "runtime": "bun", "timeout": 120, "slurm": { "partition": "debug" } } in ./distributed.config.json
 * const { config } = await loadConfig(); // the same, typed as DistributedConfig
 * // with { "distributed": { "runtime": "python" } } in ./package.json, loadConfig rejects:
 * // ConfigError: /path/to/package.json#distributed: "runtime" must be one of "node", "bun", "deno"; got "python"
 * ```
 * @module
 */
import { ConfigError } from "../errors.ts";
import type { RuntimeName } from "../runtime/detect.ts";
import { COUNT, FLAGS, SECONDS, STRING } from "./kinds.ts";
import { settingsByKey } from "./settings.ts";
import type { SshConfig } from "./ssh-options.ts";

/**
 * Defaults for addprocs and the CLI, from distributed.config.*, .distributedrc* or package.json's
 * "distributed". The keys that are settings are declared, with their kinds, in settings.ts.
 */
export interface DistributedConfig {
  /** Runtime of the workers. */
  runtime?: RuntimeName;
  /** The executable the workers run. */
  exename?: string;
  /** Extra runtime flags for the workers. */
  exeflags?: string[];
  /** Cluster topology. */
  topology?: "all_to_all" | "master_worker" | "custom";
  /** all_to_all: connect worker pairs on first use. */
  lazy?: boolean;
  /** Workers listen on loopback only. */
  restrict?: boolean;
  /** Seconds for workers to start (addprocs' timeout). */
  timeout?: number;
  /** Threads in each process's pool. */
  threads?: number;
  /** Seconds between heartbeats on idle connections. */
  heartbeatInterval?: number;
  /** Seconds of silence after which a worker is declared dead (0: never). */
  heartbeatTimeout?: number;
  /** Seconds a lost host is given before its workers are declared dead. */
  hostTimeout?: number;
  /** Workers `distributed run` adds when given no -p, --machine-file or --slurm. */
  procs?: number;
  /** Extra environment variables for the workers. */
  env?: Record<string, string>;
  /** SSH defaults (addprocs(machines)). */
  ssh?: SshConfig;
  /** Slurm defaults (SlurmManager, `distributed slurm submit`). */
  slurm?: {
    partition?: string;
    time?: string;
    account?: string;
    qos?: string;
    nodes?: number | string;
    ntasks?: number;
    ntasksPerNode?: number;
    cpusPerTask?: number;
    mem?: string;
    constraint?: string;
    sbatchFlags?: string[];
    srunFlags?: string[];
    queueTimeout?: number;
    prologue?: string;
    epilogue?: string;
    template?: string;
  };
}

type Check = (value: unknown) => boolean;
interface Rule {
  allowed: string;
  check: Check;
}

const SHELL_CODE: Rule = { allowed: "a string of shell code", check: (v) => typeof v === "string" };

/** The settings' keys (src/config/settings.ts) with their kinds, then the keys that are not settings. */
function topRules(): Record<string, Rule | "ssh" | "slurm"> {
  const top: Record<string, Rule | "ssh" | "slurm"> = {};
  for (const [key, setting] of settingsByKey()) if (!key.includes(".")) top[key] = setting.kind;
  top.env = {
    allowed: "an object of string values",
    check: (v) => typeof v === "object" && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === "string"),
  };
  top.ssh = "ssh";
  top.slurm = "slurm";
  return top;
}
function sectionRules(section: string): Record<string, Rule> {
  const rules: Record<string, Rule> = {};
  for (const [key, setting] of settingsByKey()) if (key.startsWith(`${section}.`)) rules[key.slice(section.length + 1)] = setting.kind;
  return rules;
}
const TOP = topRules();
const SSH = sectionRules("ssh");
const SLURM: Record<string, Rule> = {
  partition: STRING,
  time: STRING,
  account: STRING,
  qos: STRING,
  nodes: {
    allowed: 'a positive integer or a range like "2-4"',
    check: (v) => COUNT.check(v) || (typeof v === "string" && /^[1-9]\d*(-[1-9]\d*)?$/.test(v)),
  },
  ntasks: COUNT,
  ntasksPerNode: COUNT,
  cpusPerTask: COUNT,
  mem: STRING,
  constraint: STRING,
  sbatchFlags: FLAGS,
  srunFlags: FLAGS,
  queueTimeout: SECONDS,
  prologue: SHELL_CODE,
  epilogue: SHELL_CODE,
  template: STRING,
};

function checkObject(raw: unknown, rules: Record<string, Rule | "ssh" | "slurm">, file: string, prefix: string): Record<string, unknown> {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new ConfigError(
      file,
      prefix || "(top)",
      `${prefix ? `"${prefix}"` : "the configuration"} must be an object, got ${
        raw === null ? "null" : Array.isArray(raw) ? "an array" : typeof raw
      }`,
    );
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const path = prefix ? `${prefix}.${key}` : key;
    const rule = rules[key];
    if (rule === undefined) {
      throw new ConfigError(
        file,
        path,
        `unknown key "${path}"; known keys${prefix ? ` of "${prefix}"` : ""}: ${Object.keys(rules).join(", ")}`,
      );
    }
    if (value === undefined) continue;
    if (rule === "ssh") out[key] = checkObject(value, SSH, file, path);
    else if (rule === "slurm") out[key] = checkObject(value, SLURM, file, path);
    else {
      if (!rule.check(value)) {
        throw new ConfigError(
          file,
          path,
          `"${path}" must be ${rule.allowed}; got ${typeof value === "number" ? String(value) : JSON.stringify(value)}`,
        );
      }
      out[key] = value;
    }
  }
  return out;
}

/** Checks a configuration read from `file`; returns it typed, or throws a ConfigError. */
export function validateConfig(raw: unknown, file: string): DistributedConfig {
  return checkObject(raw, TOP, file, "") as DistributedConfig;
}
