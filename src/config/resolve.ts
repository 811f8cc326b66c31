/**
 * The one rule for every setting: an explicit option > the configuration file > the
 * environment > the default. Pure: the caller passes the option, the file's contents and a way
 * to read a variable. The variable is read only when neither the option nor the file gives the
 * setting, so a bad value in it is an error only when it would be used.
 *
 * @example
 * ```ts
 * const env = (name: string) => ({ DISTRIBUTED_WORKER_TIMEOUT: "7" })[name];
 * resolveSetting("timeout", { option: 5, config: { timeout: 30 }, env });  // { value: 5, from: "option" }
 * resolveSetting("timeout", { config: { timeout: 30 }, env });             // { value: 30, from: "config" }
 * resolveSetting("timeout", { config: {}, env });                          // { value: 7, from: "environment" }
 * resolveSetting("timeout", {});                                           // { value: 60, from: "default" }
 * resolveSetting("timeout", { env: () => "soon" });
 * // EnvVarError: DISTRIBUTED_WORKER_TIMEOUT must be a positive number of seconds, got "soon"
 * ```
 * @module
 */
import { EnvVarError } from "../errors.ts";
import type { DistributedConfig } from "./schema.ts";
import { type Setting, type SettingName, SETTINGS, type SettingValue } from "./settings.ts";

/** Reads an environment variable (undefined: not set). */
export type EnvReader = (name: string) => string | undefined;

/** Where a setting's value came from. */
export type From = "option" | "config" | "environment" | "default";

/** A setting's value and where it came from. */
export interface Resolved<T> {
  value: T;
  from: From;
}

/** What a setting is resolved from; each is optional (left out: that level gives nothing). */
export interface Sources {
  /** The explicit option (undefined: not given). */
  option?: unknown;
  /** The configuration file's contents. */
  config?: DistributedConfig | undefined;
  /** The environment. */
  env?: EnvReader | undefined;
}

/** The value at a dotted key of the configuration ("ssh.sshflags"). */
export function configValue(config: DistributedConfig, key: string): unknown {
  let at: unknown = config;
  for (const part of key.split(".")) {
    if (at === null || typeof at !== "object") return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return at;
}

/**
 * A setting's variable, parsed: undefined when it is not set or empty; throws an EnvVarError
 * when its text is not allowed.
 */
export function readVariable<N extends SettingName>(name: N, env: EnvReader): SettingValue<N> | undefined {
  const setting = SETTINGS[name] as Setting<unknown>;
  const text = env(setting.env);
  if (text === undefined || text === "") return undefined;
  const value = setting.kind.parse(text);
  if (value === undefined) throw new EnvVarError(setting.env, text, setting.kind.envAllowed);
  return value as SettingValue<N>;
}

/** Resolves one setting: the option, else the file's value, else the variable's, else the default. */
export function resolveSetting<N extends SettingName>(name: N, sources: Sources): Resolved<SettingValue<N>> {
  const setting = SETTINGS[name] as Setting<unknown>;
  if (sources.option !== undefined) return { value: sources.option as SettingValue<N>, from: "option" };
  if (setting.key !== undefined && sources.config !== undefined) {
    const value = configValue(sources.config, setting.key);
    if (value !== undefined) return { value: value as SettingValue<N>, from: "config" };
  }
  if (sources.env !== undefined) {
    const value = readVariable(name, sources.env);
    if (value !== undefined) return { value, from: "environment" };
  }
  return { value: setting.fallback() as SettingValue<N>, from: "default" };
}

/**
 * A setting named by its variable, from the environment else its default (for code that has
 * no option or file to consult, such as state read when the package loads).
 */
export function fromEnvironment(variable: string, env: EnvReader): unknown {
  const name = (Object.keys(SETTINGS) as SettingName[]).find((n) => SETTINGS[n].env === variable);
  // A plain Error: callers pass a constant of this package, so this is a bug here, never a user's mistake.
  if (name === undefined) throw new Error(`${variable} is not a setting's variable (see src/config/settings.ts)`);
  return resolveSetting(name, { env }).value;
}
