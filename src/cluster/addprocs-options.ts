/**
 * addprocs' options in one place: their types, and how each gets its value: the option given
 * > the configuration file > the environment variable > the default (the settings table,
 * src/config/settings.ts, names each one's key, variable and default).
 *
 * - `withConfig` fills what the call did not give from the file, then the environment;
 * - `launchParams` adds the defaults and checks each value, making what the manager gets;
 * - `checkClusterOptions` checks the cluster-wide ones (topology, lazy, heartbeats), whose
 *   defaults depend on the cluster of the moment (src/cluster/addprocs.ts applies them).
 *
 * @example
 * ```ts
 * import { addprocs, rmprocs } from "distributed";
 * // timeout: 30 from the call; the runtime from distributed.config.json, else DISTRIBUTED_RUNTIME,
 * // else this process's runtime; restrict: true (loopback only), the default
 * const pids = await addprocs(2, { timeout: 30 });
 * await rmprocs(pids);
 * ```
 * @module
 */
import { assertRuntime, currentRuntime, type RuntimeName } from "../runtime/detect.ts";
import { cwd, env as readEnv } from "../runtime/host.ts";
import { type EnvReader, resolveSetting } from "../config/resolve.ts";
import type { DistributedConfig } from "../config/schema.ts";
import { type Setting, type SettingName, SETTINGS } from "../config/settings.ts";
import type { SshOptions } from "../config/ssh-options.ts";
import { workerEntry } from "../worker/entries.ts";
import { clusterCookie } from "./cookie.ts";
import type { LaunchParams } from "./manager.ts";

/**
 * Options of addprocs (Julia's keyword arguments). The SSH options (for addprocs(machines))
 * are SshOptions, declared once in src/config/ssh-options.ts.
 */
export interface AddprocsOptions extends SshOptions {
  /** Runtime of the workers; default: this process's. */
  runtime?: RuntimeName;
  /** Executable to run; default: this process's own for the same runtime, else found on PATH. */
  exename?: string;
  /** Extra runtime flags for the workers (e.g. ["--max-old-space-size=4096"]). */
  exeflags?: string[];
  /** Working directory of the workers; default: this process's. */
  dir?: string;
  /** Extra environment variables for the workers. */
  env?: Record<string, string>;
  /**
   * For addprocs(n): "processes" (default) starts worker processes; "threads" starts thread
   * workers, threads of this process that share its memory (SharedArray, Atomic).
   */
  manager?: "processes" | "threads";
  /** Threads in each worker's pool (`threads.nthreads()` there; sets DISTRIBUTED_THREADS for it). */
  threads?: number;
  /** Cluster topology: all_to_all (default), master_worker, or custom (the manager's ident/connectIdents). */
  topology?: "all_to_all" | "master_worker" | "custom";
  /** Connect worker-to-worker lazily, on first use (default true). */
  lazy?: boolean;
  /** Workers listen on loopback only (default true); false: on all interfaces. */
  restrict?: boolean;
  /** Seconds to wait for all workers to start and connect (default 60, env DISTRIBUTED_WORKER_TIMEOUT). */
  timeout?: number;
  /**
   * Seconds between heartbeats on idle connections (default 5, env DISTRIBUTED_HEARTBEAT_INTERVAL).
   */
  heartbeatInterval?: number;
  /**
   * Seconds of silence after which a worker is declared dead (default 300, as Dask's
   * worker-ttl; env DISTRIBUTED_HEARTBEAT_TIMEOUT; 0: never). A process that dies closes its
   * sockets and is noticed at once; this catches hung processes and lost hosts. Heartbeats are
   * answered by the event loop, so a synchronous call longer than this looks like a hang: keep
   * it above your longest synchronous call.
   */
  heartbeatTimeout?: number;
  /**
   * Seconds after which a worker whose host stopped acknowledging our bytes (crashed,
   * unplugged, partitioned away) is declared dead: its pending calls fail with
   * ProcessExitedError and pmap requeues its items (default 30; env DISTRIBUTED_HOST_TIMEOUT;
   * 0: never). Read from the kernel's TCP state (Linux), so a worker busy in a long call is
   * never mistaken for a lost host; workers leave when the master's host is lost the same way.
   */
  hostTimeout?: number;
  /**
   * Keep the workers that came up when others fail (default false: any failure stops them
   * all and rejects). Each failure is printed as a warning and passed to `onFailure`; the call
   * still rejects when nothing came up.
   */
  partial?: boolean;
  /** With `partial: true`, called once per failed host or worker. */
  onFailure?: (error: Error) => void;
}

/** One host for addprocs(machines): "[user@]host[:port] [bind_addr[:port]]" or [host, count | "auto"]. */
export type Machine = string | readonly [string, number | "auto"];

/**
 * Levels one to three: the options, each setting that is not given filled from the
 * configuration file, else from its environment variable (src/config/settings.ts): option >
 * config > environment. launchParams and checkClusterOptions add the defaults. Thread workers run this process's runtime, so they take
 * no runtime, exename or exeflags from the file or the environment; the SSH settings are read
 * only for addprocs(machines). `threads` is taken from the file only: each process reads
 * DISTRIBUTED_THREADS itself (local workers inherit the master's).
 */
export function withConfig(
  options: AddprocsOptions,
  config: DistributedConfig,
  env: EnvReader = readEnv,
  machines = true,
): AddprocsOptions {
  const merged: Record<string, unknown> = { ...options };
  for (const name of Object.keys(SETTINGS) as SettingName[]) {
    const setting: Setting<unknown> = SETTINGS[name];
    if (
      setting.option === undefined || (setting.processesOnly === true && options.manager === "threads") ||
      (setting.ssh === true && !machines)
    ) continue;
    const resolved = resolveSetting(name, { option: merged[setting.option], config, env: setting.eachProcess === true ? undefined : env });
    if (resolved.from !== "default") merged[setting.option] = resolved.value;
  }
  if (config.env !== undefined) merged.env = { ...config.env, ...options.env };
  return merged as AddprocsOptions;
}

/**
 * Level four, and the checks: the launch parameters a manager gets from the merged options,
 * each option not set taking its default (SETTINGS' fallback: this process's runtime, 60 s,
 * loopback only...). A value of the wrong type or range throws, naming the option and what
 * it may be; nothing has been started then.
 */
export function launchParams(count: number, options: AddprocsOptions): LaunchParams {
  const runtime = options.runtime === undefined ? currentRuntime() : assertRuntime(options.runtime);
  const timeout = options.timeout ?? SETTINGS.timeout.fallback();
  if (typeof timeout !== "number" || !(timeout > 0)) {
    throw new RangeError(`Option timeout must be a positive number of seconds, got ${String(timeout)}`);
  }
  if (options.exeflags !== undefined && !(Array.isArray(options.exeflags) && options.exeflags.every((f) => typeof f === "string"))) {
    throw new TypeError('Option exeflags must be an array of strings, e.g. ["--max-old-space-size=4096"]');
  }
  if (options.env !== undefined && (typeof options.env !== "object" || Object.values(options.env).some((v) => typeof v !== "string"))) {
    throw new TypeError('Option env must be an object of string values, e.g. { OMP_NUM_THREADS: "1" }');
  }
  if (options.topology !== undefined && !["all_to_all", "master_worker", "custom"].includes(options.topology)) {
    throw new TypeError(`Option topology must be "all_to_all", "master_worker" or "custom", got ${JSON.stringify(options.topology)}`);
  }
  const env = { ...(options.env ?? {}) };
  if (options.threads !== undefined) {
    if (!(Number.isInteger(options.threads) && options.threads >= 1)) {
      throw new RangeError(`Option threads must be a positive integer (threads per worker), got ${String(options.threads)}`);
    }
    env.DISTRIBUTED_THREADS = String(options.threads);
  }
  const params: LaunchParams = {
    count,
    cookie: clusterCookie(),
    runtime,
    exeflags: options.exeflags ?? [],
    dir: options.dir ?? cwd(),
    dirGiven: options.dir !== undefined,
    env,
    restrict: options.restrict ?? SETTINGS.restrict.fallback(),
    timeout,
    entry: workerEntry(),
  };
  if (options.exename !== undefined) params.exename = options.exename;
  return params;
}

/** Checks the types of the cluster-wide options (their defaults depend on the cluster of the moment). */
export function checkClusterOptions(options: AddprocsOptions): void {
  if (options.lazy !== undefined && typeof options.lazy !== "boolean") {
    throw new TypeError(`Option lazy must be a boolean, got ${JSON.stringify(options.lazy)}`);
  }
  for (const key of ["heartbeatInterval", "heartbeatTimeout", "hostTimeout"] as const) {
    const v = options[key];
    if (v !== undefined && !(typeof v === "number" && v >= 0)) {
      throw new RangeError(`Option ${key} must be a number of seconds >= 0, got ${String(v)}`);
    }
  }
}
