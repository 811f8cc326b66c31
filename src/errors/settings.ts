/**
 * Errors of settings: a value in the configuration file, or in a `DISTRIBUTED_*` variable, that
 * is not allowed.
 *
 * @example
 * ```ts
 * import { ConfigError, EnvVarError, loadConfig } from "distributed";
 * try {
 *   await loadConfig();
 * } catch (err) {
 *   if (err instanceof ConfigError || err instanceof EnvVarError) console.error(err.message);
 * }
 * ```
 * @module
 */
import { DistributedError } from "./base.ts";

/**
 * A configuration value that is not allowed, or a configuration file that holds none. The
 * message names the file (with `#distributed` for package.json), the key and what is allowed.
 *
 * @example
 * ```ts
 * import { ConfigError, loadConfig } from "distributed";
 * // distributed.config.json: { "runtime": "python" }
 * const err = await loadConfig().catch((e: unknown) => e);
 * if (err instanceof ConfigError) console.error(err.code, err.file, err.key); // "ERR_CONFIG" ".../distributed.config.json" "runtime"
 * ```
 */
export class ConfigError extends DistributedError {
  /** The file (and key path inside package.json) the value came from. */
  readonly file: string;
  /** The key, dotted for nested ones, e.g. "slurm.time"; "(top)" when the whole configuration is at fault. */
  readonly key: string;
  constructor(file: string, key: string, message: string) {
    super("ERR_CONFIG", `${file}: ${message}`);
    this.file = file;
    this.key = key;
  }
}

/**
 * An environment variable whose value is not allowed: names the variable, the value and what is
 * allowed. It is read (and so rejected) only when no option and no configuration key gives its
 * setting. (It extends DistributedError; earlier versions made it a RangeError.)
 *
 * @example
 * ```ts
 * import { addprocs, EnvVarError } from "distributed";
 * process.env.DISTRIBUTED_WORKER_TIMEOUT = "soon";
 * const err = await addprocs(1).catch((e: unknown) => e);
 * if (err instanceof EnvVarError) console.error(err.code, err.variable, err.allowed); // "ERR_BAD_ENV_VAR" "DISTRIBUTED_WORKER_TIMEOUT" "a positive number of seconds"
 * ```
 */
export class EnvVarError extends DistributedError {
  /** The variable. */
  readonly variable: string;
  /** Its value. */
  readonly value: string;
  /** What it may be. */
  readonly allowed: string;
  constructor(variable: string, value: string, allowed: string) {
    super("ERR_BAD_ENV_VAR", `${variable} must be ${allowed}, got ${JSON.stringify(value)}`);
    this.variable = variable;
    this.value = value;
    this.allowed = allowed;
  }
}
