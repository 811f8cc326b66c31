/**
 * LocalManager: workers as child processes of this one, on this machine (Julia's
 * LocalManager). Used by `addprocs(n)`.
 *
 * Each worker gets the cookie on stdin, listens on loopback (unless `restrict: false`) and is
 * interrupted with SIGINT. When this process exits, any worker still alive is killed; when it
 * is killed outright, the workers see their connection drop and exit by themselves.
 *
 * @example
 * ```ts
 * import { addprocs } from "distributed";
 * import { LocalManager } from "distributed/managers";
 * await addprocs(new LocalManager({ count: 4 }), { runtime: "bun" });
 * ```
 * @module
 */
import {
  type ChildHandle,
  type ClusterManager,
  describeExit,
  type LaunchParams,
  type ManageOp,
  onExit,
  spawnProcess,
  terminate,
  workerCommand,
  type WorkerConfig,
  workerEnv,
} from "../src/internal.ts";

export { describeExit };

/** Options of LocalManager. */
export interface LocalManagerOptions {
  /** Number of workers; default: the count given to addprocs (1 when called with a manager). */
  count?: number;
}

const alive = new Set<ChildHandle>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // The last resort: on exit no async work is possible, so kill what is left outright.
  onExit(() => {
    for (const child of alive) child.kill("SIGKILL");
  });
}

/**
 * Starts workers as local child processes.
 *
 * @example
 * ```ts
 * import { addprocs, rmprocs } from "distributed";
 * import { LocalManager } from "distributed/managers";
 * // what addprocs(2, options) does, with the manager made here
 * const pids = await addprocs(new LocalManager({ count: 2 }), { runtime: "bun", env: { OMP_NUM_THREADS: "1" } });
 * await rmprocs(pids);
 * ```
 */
export class LocalManager implements ClusterManager {
  readonly name = "local";
  readonly #count: number | undefined;

  constructor(options: LocalManagerOptions = {}) {
    if (options.count !== undefined && (!Number.isInteger(options.count) || options.count < 1)) {
      throw new RangeError(`LocalManager: count must be a positive integer, got ${options.count}`);
    }
    this.#count = options.count;
  }

  /** Spawns the workers; reports each at once so the cluster can connect while others start. */
  launch(params: LaunchParams, launched: (config: WorkerConfig) => void): Promise<void> {
    installExitHook();
    const count = this.#count ?? params.count;
    const workerArgs = ["--worker", `--timeout=${params.timeout}`, ...(params.restrict ? [] : ["--bind=0.0.0.0"])];
    const command = workerCommand({
      runtime: params.runtime,
      exeflags: params.exeflags,
      entry: params.entry,
      args: workerArgs,
      dir: params.dir,
      ...(params.exename !== undefined ? { exename: params.exename } : {}),
    });
    for (let i = 0; i < count; i++) {
      const child = spawnProcess(command.file, command.args, { cwd: params.dir, env: workerEnv(params.env) });
      child.unref();
      alive.add(child);
      void child.exited.then(() => alive.delete(child));
      child.writeStdin(`${params.cookie}\n`);
      launched({
        stdout: { onLine: (cb) => child.onStdoutLine(cb) },
        stderr: { onLine: (cb) => child.onStderrLine(cb) },
        exited: child.exited.then(describeExit),
        stderrTail: () => child.stderrTail(),
        command: command.display,
        hostLabel: "localhost",
        ...(child.pid !== undefined ? { ospid: child.pid } : {}),
        userdata: child,
      });
    }
    return Promise.resolve();
  }

  /** Delivers interrupts as SIGINT. */
  manage(_pid: number, config: WorkerConfig, op: ManageOp): void {
    if (op === "interrupt") (config.userdata as ChildHandle).kill("SIGINT");
  }

  /** SIGTERM, then SIGKILL after 2 s; resolves when the process is gone. */
  kill(_pid: number, config: WorkerConfig): Promise<void> {
    return terminate(config.userdata as ChildHandle, 2000);
  }
}
