/**
 * addprocs: start workers through a ClusterManager and bring them into the cluster.
 *
 * Better than Julia on its known weak points: the whole operation is bounded by `timeout`
 * (an option, not only an environment variable); a worker that dies during start-up fails the
 * call at once with its command, host and stderr tail; on failure every worker started by the
 * call is stopped, so nothing is left half-added.
 *
 * Why one file: the call is one operation with its rollback: choosing the manager, launching,
 * joining each worker as it comes, and on failure reporting what started and stopping it,
 * all over the same list of launched workers and one deadline. Its options are in
 * addprocs-options.ts.
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
import { ClusterOptionsError, DistributedError, WorkerStartError } from "../errors.ts";
import { env as readEnv, writeStderr } from "../runtime/host.ts";
import { loadConfig } from "../config/load.ts";
import { type AddprocsOptions, checkClusterOptions, launchParams, type Machine, withConfig } from "./addprocs-options.ts";
import { installExitHooks } from "./lifecycle.ts";
import { announceMembers, connectEagerTopology } from "./directory.ts";
import { joinWorker } from "./join.ts";
import type { ClusterManager, WorkerConfig } from "./manager.ts";
import { peers } from "./peers.ts";
import { state } from "./state.ts";

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
  // The caller gets this call's failure from `run`; the queue only waits for it to end.
  busy = run.catch(() => {});
  return run;
}

async function addprocsNow(what: number | readonly Machine[] | ClusterManager, given: AddprocsOptions): Promise<number[]> {
  if (state.myid !== 1) {
    throw new DistributedError("ERR_NOT_MASTER", `addprocs can only be called on the master (pid 1), not on worker ${state.myid}`);
  }
  const { config } = await loadConfig();
  const options = withConfig(given, config, readEnv, Array.isArray(what));
  let manager: ClusterManager;
  let count = 1;
  if (Array.isArray(what)) {
    // A plain Error: the package door registers the managers, so only a deep import that skips it gets here.
    // A plain Error: the package door registers the managers, so only a deep import that skips it gets here.
    if (machinesManagerFactory === null) throw new Error("No SSH manager is registered; import from the package entry point");
    manager = machinesManagerFactory(what as readonly Machine[], options);
  } else if (typeof what === "number") {
    if (!Number.isInteger(what) || what < 0) throw new RangeError(`addprocs(n): n must be a non-negative integer, got ${what}`);
    if (what === 0) return [];
    if (options.manager !== undefined && options.manager !== "processes" && options.manager !== "threads") {
      throw new TypeError(`Option manager must be "processes" or "threads", got ${JSON.stringify(options.manager)}`);
    }
    const factory = options.manager === "threads" ? threadManagerFactory : localManagerFactory;
    // A plain Error: as above, only a deep import that skips the package door gets here.
    // A plain Error: as above, only a deep import that skips the package door gets here.
    if (factory === null) throw new Error("No local manager is registered; import from the package entry point");
    manager = factory();
    count = what;
  } else if (what !== null && typeof what === "object" && typeof (what as ClusterManager).launch === "function") {
    manager = what as ClusterManager;
  } else {
    throw new TypeError(
      `addprocs expects a worker count, an array of hosts or a ClusterManager, got ${what === null ? "null" : typeof what}`,
    );
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
        timer = setTimeout(
          () =>
            reject(
              new WorkerStartError(`The ${manager.name} manager did not launch the workers within ${params.timeout} s`, {
                command: "(launch)",
                host: "-",
              }),
            ),
          params.timeout * 1000,
        );
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
    if (failures.length > 1 && first instanceof Error) {
      first.message += `\n(${failures.length - 1} more failure(s) in this addprocs; every worker it started was stopped)`;
    }
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
    // Not a failure of its own: a manager's non-Error rejection made reportable as one.
    // Not a failure of its own: a manager's non-Error rejection made reportable as one.
    const error = failure instanceof Error ? failure : new Error(String(failure));
    writeStderr(`  ${error.message.split("\n").join("\n  ")}\n`);
    options.onFailure?.(error);
  }
}

/**
 * Topology and laziness belong to the cluster of the moment, as in Julia: the first addprocs
 * after the cluster was emptied sets them (an option not given takes its default, never what
 * an earlier cluster used); while workers exist, an option that differs is refused naming both
 * values, and an option not given takes the cluster's. Heartbeat settings apply from now on.
 */
function applyClusterOptions(options: AddprocsOptions): void {
  checkClusterOptions(options);
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
