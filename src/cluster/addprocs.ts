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
 * const pids = await addprocs(2);                          // same runtime as this process
 * await addprocs(2, { runtime: "deno", timeout: 30 });     // a Deno master or not
 * await addprocs(myManager, { env: { OMP_NUM_THREADS: "1" } });
 * ```
 * @module
 */
import { WorkerStartError } from "../errors.ts";
import { assertRuntime, currentRuntime, type RuntimeName } from "../runtime/detect.ts";
import { cwd, env as readEnv, fromFileUrl } from "../runtime/host.ts";
import { clusterCookie } from "./cookie.ts";
import { installExitHooks } from "./lifecycle.ts";
import { connectEagerTopology } from "./directory.ts";
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
  /** Cluster topology (only all_to_all and master_worker connect in this release). */
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
}

type ManagerFactory = () => ClusterManager;
let localManagerFactory: ManagerFactory | null = null;

/** @internal Set by the package entry, so the core does not import managers/. */
export function setLocalManagerFactory(factory: ManagerFactory): void {
  localManagerFactory = factory;
}

let busy: Promise<unknown> = Promise.resolve();

/**
 * Adds workers and resolves with their new pids, ascending. `n` local workers, or whatever
 * the given manager launches.
 */
export function addprocs(what: number | ClusterManager, options: AddprocsOptions = {}): Promise<number[]> {
  // One addprocs at a time, as in Julia: pids stay ordered and start-up output stays readable.
  const run = busy.then(() => addprocsNow(what, options));
  busy = run.catch(() => {});
  return run;
}

async function addprocsNow(what: number | ClusterManager, options: AddprocsOptions): Promise<number[]> {
  if (state.myid !== 1) throw new Error(`addprocs can only be called on the master (pid 1), not on worker ${state.myid}`);
  if (Array.isArray(what)) {
    throw new TypeError("addprocs(machines) starts workers over SSH, which this release does not include yet; use addprocs(n) for local workers or addprocs(manager)");
  }
  let manager: ClusterManager;
  let count = 1;
  if (typeof what === "number") {
    if (!Number.isInteger(what) || what < 0) throw new RangeError(`addprocs(n): n must be a non-negative integer, got ${what}`);
    if (what === 0) return [];
    if (localManagerFactory === null) throw new Error("No local manager is registered; import from the package entry point");
    manager = localManagerFactory();
    count = what;
  } else if (what !== null && typeof what === "object" && typeof (what as ClusterManager).launch === "function") {
    manager = what;
  } else {
    throw new TypeError(`addprocs expects a worker count or a ClusterManager, got ${what === null ? "null" : typeof what}`);
  }
  const params = launchParams(count, options);
  applyClusterOptions(options);
  installExitHooks();

  const deadline = Date.now() + params.timeout * 1000;
  const launched: Array<{ pid: number; config: WorkerConfig }> = [];
  const joins: Array<Promise<void>> = [];
  let launchError: unknown;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      manager.launch(params, (config) => {
        const pid = state.nextPid++;
        launched.push({ pid, config });
        joins.push(joinWorker(pid, config, manager, { deadline, timeoutSeconds: params.timeout, cookie: params.cookie }));
      }),
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
  const failures = results.flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
  if (launchError !== undefined) failures.unshift(launchError);
  if (failures.length > 0) {
    await Promise.all(launched.map(({ pid, config }) => stopLaunched(pid, config, manager)));
    const first = failures[0];
    if (failures.length > 1 && first instanceof Error) first.message += `\n(${failures.length - 1} more worker(s) of this addprocs failed too; all were stopped)`;
    throw first;
  }
  const pids = launched.map((l) => l.pid).sort((a, b) => a - b);
  await connectEagerTopology(pids);
  return pids;
}

/** Topology, laziness and heartbeat are cluster-wide; they can change only while there are no workers. */
function applyClusterOptions(options: AddprocsOptions): void {
  const topology = options.topology ?? state.topology;
  const lazy = topology === "all_to_all" ? (options.lazy ?? state.lazy) : false;
  if (peers.all().length > 0 && (topology !== state.topology || lazy !== state.lazy)) {
    throw new Error(
      `The cluster already has workers with topology ${state.topology}${state.topology === "all_to_all" ? ` (lazy: ${state.lazy})` : ""}; ` +
        "topology and lazy cannot change while workers exist (remove them with rmprocs first)",
    );
  }
  if (options.lazy !== undefined && typeof options.lazy !== "boolean") throw new TypeError(`Option lazy must be a boolean, got ${JSON.stringify(options.lazy)}`);
  for (const key of ["heartbeatInterval", "heartbeatTimeout"] as const) {
    const v = options[key];
    if (v !== undefined && !(typeof v === "number" && v >= 0)) throw new RangeError(`Option ${key} must be a number of seconds >= 0, got ${String(v)}`);
  }
  state.topology = topology;
  state.lazy = lazy;
  state.heartbeat = [options.heartbeatInterval !== undefined ? options.heartbeatInterval * 1000 : state.heartbeat[0], options.heartbeatTimeout !== undefined ? options.heartbeatTimeout * 1000 : state.heartbeat[1]];
}

async function stopLaunched(pid: number, config: WorkerConfig, manager: ClusterManager): Promise<void> {
  const peer = peers.get(pid);
  if (peer !== undefined) peer.conn.close();
  await manager.kill(pid, config);
}

function launchParams(count: number, options: AddprocsOptions): LaunchParams {
  const runtime = options.runtime === undefined ? currentRuntime() : assertRuntime(options.runtime);
  const timeout = options.timeout ?? timeoutFromEnv();
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
  const params: LaunchParams = {
    count,
    cookie: clusterCookie(),
    runtime,
    exeflags: options.exeflags ?? [],
    dir: options.dir ?? cwd(),
    env: options.env ?? {},
    restrict: options.restrict ?? true,
    timeout,
    entry: workerEntry(),
  };
  if (options.exename !== undefined) params.exename = options.exename;
  return params;
}

function timeoutFromEnv(): number {
  const raw = readEnv("DISTRIBUTED_WORKER_TIMEOUT");
  if (raw === undefined) return 60;
  const n = Number(raw);
  if (!(n > 0)) throw new RangeError(`DISTRIBUTED_WORKER_TIMEOUT must be a positive number of seconds, got ${JSON.stringify(raw)}`);
  return n;
}

/** The worker entry file of this package (the .ts source under Bun/Deno/tsx, else the built .js). */
export function workerEntry(): string {
  const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
  return fromFileUrl(new URL(`../worker/main${ext}`, import.meta.url));
}
