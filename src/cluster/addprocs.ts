/**
 * addprocs: start workers through a ClusterManager and bring them into the cluster.
 *
 * Better than Julia on its known weak points: the whole operation is bounded by `timeout`
 * (an option, not only an environment variable); a worker that dies during start-up fails the
 * call at once with its command, host and stderr tail; on failure every worker started by the
 * call is stopped, so nothing is left half-added.
 *
 * @example
 * ```ts
 * import { addprocs } from "distributed";
 * import { LocalManager } from "distributed/managers";
 * const pids = await addprocs(2);                          // same runtime as this process
 * await addprocs(2, { runtime: "deno", timeout: 30 });     // a Deno master or not
 * await addprocs(new LocalManager({ count: 2 }), { env: { OMP_NUM_THREADS: "1" } });
 * await addprocs(["node1", "alice@node2:2222", ["node3", 4], ["node4", "auto"]], { sshflags: ["-i", "/home/alice/.ssh/id_ed25519"] });
 * ```
 * @module
 */
import { ClusterOptionsError, WorkerStartError } from "../errors.ts";
import { assertRuntime, currentRuntime, type RuntimeName } from "../runtime/detect.ts";
import { cwd, env as readEnv, fromFileUrl, writeStderr } from "../runtime/host.ts";
import { clusterCookie } from "./cookie.ts";
import { loadConfig } from "../config/load.ts";
import { resolveSetting, type EnvReader } from "../config/resolve.ts";
import type { DistributedConfig } from "../config/schema.ts";
import { SETTINGS, type Setting, type SettingName } from "../config/settings.ts";
import { installExitHooks } from "./lifecycle.ts";
import { announceMembers, connectEagerTopology } from "./directory.ts";
import { joinWorker } from "./join.ts";
import type { ClusterManager, LaunchParams, WorkerConfig } from "./manager.ts";
import { peers } from "./peers.ts";
import { state } from "./state.ts";

/** Options of addprocs (Julia's keyword arguments). */
export interface AddprocsOptions {
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

  // SSH (addprocs(machines)); see managers/ssh.ts for the details of each.
  /** The ssh executable (default "ssh", found on PATH; it honours ~/.ssh/config). */
  ssh?: string;
  /** Extra ssh arguments, e.g. ["-i", keyFile, "-F", configFile]. */
  sshflags?: string[];
  /** The login shell on the remote hosts: "posix" (sh, bash, zsh; default) or "csh" (csh, tcsh). */
  shell?: "posix" | "csh";
  /** Reach the workers through ssh port forwarding (they listen on their host's loopback). */
  tunnel?: boolean;
  /** One ssh connection per host, shared by every ssh to it (ControlMaster). */
  multiplex?: boolean;
  /** Hosts started at the same time (default 10). */
  maxParallel?: number;
  /** The worker entry file on the remote hosts (default: the same path as on this one). */
  entry?: string;
}

/** One host for addprocs(machines): "[user@]host[:port] [bind_addr[:port]]" or [host, count | "auto"]. */
export type Machine = string | readonly [string, number | "auto"];

type ManagerFactory = () => ClusterManager;
type MachinesManagerFactory = (machines: readonly Machine[], options: AddprocsOptions) => ClusterManager;
let localManagerFactory: ManagerFactory | null = null;
let threadManagerFactory: ManagerFactory | null = null;
let machinesManagerFactory: MachinesManagerFactory | null = null;

/** @internal Set by the package entry, so the core does not import managers/. */
export function setLocalManagerFactory(factory: ManagerFactory): void {
  localManagerFactory = factory;
}

/** @internal Set by the package entry: the manager behind addprocs(n, { manager: "threads" }). */
export function setThreadManagerFactory(factory: ManagerFactory): void {
  threadManagerFactory = factory;
}

/** @internal Set by the package entry: the SSH manager behind addprocs(machines). */
export function setMachinesManagerFactory(factory: MachinesManagerFactory): void {
  machinesManagerFactory = factory;
}

let busy: Promise<unknown> = Promise.resolve();

/**
 * Adds workers and resolves with their new pids, ascending: `n` local workers, workers on
 * the given hosts over SSH, or whatever the given manager launches.
 *
 * @example
 * ```ts
 * import { addprocs, myid, remotecallFetch, rmprocs } from "distributed";
 * const pids = await addprocs(2);                           // [2, 3]: local workers, this runtime
 * await remotecallFetch(() => myid(), pids[0]);             // 2
 * const threaded = await addprocs(2, { manager: "threads" }); // [4, 5]: threads of this process
 * await rmprocs([...pids, ...threaded]);
 * ```
 */
export function addprocs(what: number | readonly Machine[] | ClusterManager, options: AddprocsOptions = {}): Promise<number[]> {
  // One addprocs at a time, as in Julia: pids stay ordered and start-up output stays readable.
  const run = busy.then(() => addprocsNow(what, options));
  busy = run.catch(() => {});
  return run;
}

async function addprocsNow(what: number | readonly Machine[] | ClusterManager, given: AddprocsOptions): Promise<number[]> {
  if (state.myid !== 1) throw new Error(`addprocs can only be called on the master (pid 1), not on worker ${state.myid}`);
  const { config } = await loadConfig();
  const options = withConfig(given, config, readEnv, Array.isArray(what));
  let manager: ClusterManager;
  let count = 1;
  if (Array.isArray(what)) {
    if (machinesManagerFactory === null) throw new Error("No SSH manager is registered; import from the package entry point");
    manager = machinesManagerFactory(what as readonly Machine[], options);
  } else if (typeof what === "number") {
    if (!Number.isInteger(what) || what < 0) throw new RangeError(`addprocs(n): n must be a non-negative integer, got ${what}`);
    if (what === 0) return [];
    if (options.manager !== undefined && options.manager !== "processes" && options.manager !== "threads") {
      throw new TypeError(`Option manager must be "processes" or "threads", got ${JSON.stringify(options.manager)}`);
    }
    const factory = options.manager === "threads" ? threadManagerFactory : localManagerFactory;
    if (factory === null) throw new Error("No local manager is registered; import from the package entry point");
    manager = factory();
    count = what;
  } else if (what !== null && typeof what === "object" && typeof (what as ClusterManager).launch === "function") {
    manager = what as ClusterManager;
  } else {
    throw new TypeError(`addprocs expects a worker count, an array of hosts or a ClusterManager, got ${what === null ? "null" : typeof what}`);
  }
  const params = launchParams(count, options);
  applyClusterOptions(options);
  installExitHooks();
  // A batch queue's wait is not start-up time: the timeout starts once resources are there.
  if (manager.prepare !== undefined) await manager.prepare(params);

  const deadline = Date.now() + params.timeout * 1000;
  const launched: Array<{ pid: number; config: WorkerConfig }> = [];
  const joins: Array<Promise<void>> = [];
  const launchFailures: Error[] = [];
  let launchError: unknown;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      manager.launch(
        params,
        (config) => {
          const pid = state.nextPid++;
          launched.push({ pid, config });
          joins.push(joinWorker(pid, config, manager, { deadline, timeoutSeconds: params.timeout, cookie: params.cookie }));
        },
        (error) => launchFailures.push(error),
      ),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new WorkerStartError(`The ${manager.name} manager did not launch the workers within ${params.timeout} s`, { command: "(launch)", host: "-" })), params.timeout * 1000);
      }),
    ]);
  } catch (err) {
    launchError = err;
  } finally {
    clearTimeout(timer);
  }
  const results = await Promise.allSettled(joins);
  const failures: unknown[] = [...launchFailures];
  const up: Array<{ pid: number; config: WorkerConfig }> = [];
  results.forEach((r, i) => (r.status === "rejected" ? failures.push(r.reason) : up.push(launched[i]!)));
  if (launchError !== undefined) failures.unshift(launchError);
  const keepSome = options.partial === true && launchError === undefined && up.length > 0;
  if (failures.length > 0 && !keepSome) {
    await Promise.all(launched.map(({ pid, config }) => stopLaunched(pid, config, manager)));
    const first = failures[0];
    if (failures.length > 1 && first instanceof Error) first.message += `\n(${failures.length - 1} more failure(s) in this addprocs; every worker it started was stopped)`;
    throw first;
  }
  if (failures.length > 0) await reportPartial(failures, launched, up, manager, options);
  const pids = up.map((l) => l.pid).sort((a, b) => a - b);
  await connectEagerTopology(pids);
  announceMembers();
  return pids;
}

/** partial: true: stops what failed half-way, warns, and tells onFailure about each failure. */
async function reportPartial(
  failures: unknown[],
  launched: ReadonlyArray<{ pid: number; config: WorkerConfig }>,
  up: ReadonlyArray<{ pid: number; config: WorkerConfig }>,
  manager: ClusterManager,
  options: AddprocsOptions,
): Promise<void> {
  await Promise.all(launched.filter((l) => !up.includes(l)).map(({ pid, config }) => stopLaunched(pid, config, manager)));
  writeStderr(`Warning: addprocs kept ${up.length} worker(s); ${failures.length} failure(s) (partial: true):\n`);
  for (const failure of failures) {
    const error = failure instanceof Error ? failure : new Error(String(failure));
    writeStderr(`  ${error.message.split("\n").join("\n  ")}\n`);
    options.onFailure?.(error);
  }
}

/**
 * The options, each setting that is not given filled from the configuration file, else from
 * its environment variable (src/config/settings.ts): option > config > environment. Defaults
 * stay with the code that uses each. Thread workers run this process's runtime, so they take
 * no runtime, exename or exeflags from the file or the environment; the SSH settings are read
 * only for addprocs(machines). `threads` is taken from the file only: each process reads
 * DISTRIBUTED_THREADS itself (local workers inherit the master's).
 */
export function withConfig(options: AddprocsOptions, config: DistributedConfig, env: EnvReader = readEnv, machines = true): AddprocsOptions {
  const merged: Record<string, unknown> = { ...options };
  for (const name of Object.keys(SETTINGS) as SettingName[]) {
    const setting: Setting<unknown> = SETTINGS[name];
    if (setting.option === undefined || (setting.processesOnly === true && options.manager === "threads") || (setting.ssh === true && !machines)) continue;
    const resolved = resolveSetting(name, { option: merged[setting.option], config, env: setting.eachProcess === true ? undefined : env });
    if (resolved.from !== "default") merged[setting.option] = resolved.value;
  }
  if (config.env !== undefined) merged.env = { ...config.env, ...options.env };
  return merged as AddprocsOptions;
}

/**
 * Topology and laziness belong to the cluster of the moment, as in Julia: the first addprocs
 * after the cluster was emptied sets them (an option not given takes its default, never what
 * an earlier cluster used); while workers exist, an option that differs is refused naming both
 * values, and an option not given takes the cluster's. Heartbeat settings apply from now on.
 */
function applyClusterOptions(options: AddprocsOptions): void {
  if (options.lazy !== undefined && typeof options.lazy !== "boolean") throw new TypeError(`Option lazy must be a boolean, got ${JSON.stringify(options.lazy)}`);
  for (const key of ["heartbeatInterval", "heartbeatTimeout", "hostTimeout"] as const) {
    const v = options[key];
    if (v !== undefined && !(typeof v === "number" && v >= 0)) throw new RangeError(`Option ${key} must be a number of seconds >= 0, got ${String(v)}`);
  }
  const empty = peers.all().length === 0;
  const topology = options.topology ?? (empty ? "all_to_all" : state.topology);
  // Only all_to_all connects lazily; the other topologies ignore lazy, as Julia's do.
  const lazy = topology === "all_to_all" ? (options.lazy ?? (empty ? true : state.lazy)) : false;
  if (!empty && topology !== state.topology) {
    throw new ClusterOptionsError(
      `The cluster's workers use topology ${state.topology}; this addprocs asks for topology ${topology}. ` +
        "A topology belongs to the whole cluster: add these workers with the same topology, or remove the others with rmprocs(workers()) first",
    );
  }
  if (!empty && lazy !== state.lazy) {
    throw new ClusterOptionsError(
      `The cluster's workers were added with lazy: ${state.lazy}; this addprocs asks for lazy: ${lazy}. ` +
        "lazy belongs to the whole cluster: add these workers with the same lazy value, or remove the others with rmprocs(workers()) first",
    );
  }
  state.topology = topology;
  state.lazy = lazy;
  const [interval, timeout, host] = state.heartbeat;
  state.heartbeat = [
    options.heartbeatInterval !== undefined ? options.heartbeatInterval * 1000 : interval,
    options.heartbeatTimeout !== undefined ? options.heartbeatTimeout * 1000 : timeout,
    options.hostTimeout !== undefined ? options.hostTimeout * 1000 : host,
  ];
}

async function stopLaunched(pid: number, config: WorkerConfig, manager: ClusterManager): Promise<void> {
  const peer = peers.get(pid);
  if (peer !== undefined) peer.conn.close();
  await manager.kill(pid, config);
}

function launchParams(count: number, options: AddprocsOptions): LaunchParams {
  const runtime = options.runtime === undefined ? currentRuntime() : assertRuntime(options.runtime);
  const timeout = options.timeout ?? SETTINGS.timeout.fallback();
  if (typeof timeout !== "number" || !(timeout > 0)) throw new RangeError(`Option timeout must be a positive number of seconds, got ${String(timeout)}`);
  if (options.exeflags !== undefined && !(Array.isArray(options.exeflags) && options.exeflags.every((f) => typeof f === "string"))) {
    throw new TypeError("Option exeflags must be an array of strings, e.g. [\"--max-old-space-size=4096\"]");
  }
  if (options.env !== undefined && (typeof options.env !== "object" || Object.values(options.env).some((v) => typeof v !== "string"))) {
    throw new TypeError("Option env must be an object of string values, e.g. { OMP_NUM_THREADS: \"1\" }");
  }
  if (options.topology !== undefined && !["all_to_all", "master_worker", "custom"].includes(options.topology)) {
    throw new TypeError(`Option topology must be "all_to_all", "master_worker" or "custom", got ${JSON.stringify(options.topology)}`);
  }
  const env = { ...(options.env ?? {}) };
  if (options.threads !== undefined) {
    if (!(Number.isInteger(options.threads) && options.threads >= 1)) throw new RangeError(`Option threads must be a positive integer (threads per worker), got ${String(options.threads)}`);
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

/** The module a thread worker runs (see src/worker/thread-worker.ts). */
export function threadWorkerEntry(): URL {
  return new URL(`../worker/thread-worker.${import.meta.url.endsWith(".ts") ? "ts" : "js"}`, import.meta.url);
}

/** The worker entry file of this package (the .ts source under Bun/Deno/tsx, else the built .js). */
export function workerEntry(): string {
  const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
  return fromFileUrl(new URL(`../worker/main${ext}`, import.meta.url));
}
