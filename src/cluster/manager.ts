/**
 * The ClusterManager interface: how workers are started, told about, and stopped. LocalManager
 * is the first implementation; SSH, SLURM and thread managers implement the same interface.
 *
 * A manager's `launch` starts workers and reports each through `launched(config)` as soon as
 * it exists; the cluster then reads the worker's address line from `config.stdout` (or uses
 * `config.host`/`config.port`), connects, authenticates and assigns the pid.
 *
 * @example
 * ```ts
 * import { addprocs, rmprocs, type ClusterManager, type LaunchParams, type ManageOp, type WorkerConfig } from "distributed";
 * import { LocalManager } from "distributed/managers";
 *
 * // Local workers, logging what the cluster tells their manager (docs/guides/workers-and-managers.md
 * // shows one that spawns its own processes).
 * class LoggingManager implements ClusterManager {
 *   readonly name = "logging";
 *   readonly #local = new LocalManager({ count: 2 });
 *   launch(params: LaunchParams, launched: (config: WorkerConfig) => void): Promise<void> {
 *     return this.#local.launch(params, launched);
 *   }
 *   manage(pid: number, config: WorkerConfig, op: ManageOp): void {
 *     console.log(`worker ${pid} on ${config.hostLabel}: ${op}`);
 *     this.#local.manage(pid, config, op);
 *   }
 *   kill(pid: number, config: WorkerConfig): Promise<void> {
 *     return this.#local.kill(pid, config);
 *   }
 * }
 * const pids = await addprocs(new LoggingManager()); // [2, 3]; prints "worker 2 on localhost: register", ...
 * await rmprocs(pids);
 * ```
 * @module
 */
import type { RuntimeName } from "../runtime/detect.ts";
import type { ByteStream } from "../runtime/net.ts";

/** A source of text lines (a worker's stdout or stderr). */
export interface LineSource {
  onLine(cb: (line: string) => void): void;
}

/** What a manager knows about one worker it launched (Julia's WorkerConfig). */
export interface WorkerConfig {
  /** Address to connect to, when the manager knows it without reading stdout. */
  host?: string;
  port?: number;
  /** The worker's stdout: the cluster reads the address line here, then forwards the rest. */
  stdout?: LineSource;
  /** The worker's stderr, forwarded line by line. */
  stderr?: LineSource;
  /** Resolves with a description (e.g. "exit code 1") when the worker process has ended. */
  exited?: Promise<string>;
  /** The last lines of the worker's stderr, for error messages. */
  stderrTail?: () => string;
  /** The command that started it (for error messages; never contains the cookie). */
  command: string;
  /** The host it runs on, for error messages and procs(pid). */
  hostLabel: string;
  /** Operating-system pid, if known. */
  ospid?: number;
  /**
   * The worker is reachable only through this SOCKS5 proxy (an `ssh -D` tunnel): the master
   * connects through it, and workers on other hosts cannot connect to this one.
   */
  via?: { socks5: { host: string; port: number } };
  /**
   * The manager opens the byte stream itself (a thread worker's MessagePort) instead of the
   * cluster dialing an address; `address` is where the worker listens for other workers.
   */
  transport?: () => Promise<{ stream: ByteStream; address: { host: string; port: number } }>;
  /** The worker shares this process's memory (a thread worker): SharedArrays go by reference. */
  sharesMemory?: boolean;
  /** topology "custom": this worker's name, and the names of the workers it connects to. */
  ident?: string;
  connectIdents?: string[];
  /** Free for the manager's own use. */
  userdata?: unknown;
}

/** Everything a manager needs to launch workers. */
export interface LaunchParams {
  /** How many workers (for managers that take a count). */
  count: number;
  cookie: string;
  runtime: RuntimeName;
  exename?: string;
  exeflags: string[];
  dir: string;
  /** Whether `dir` was given by the caller (remote managers fall back to the login directory otherwise). */
  dirGiven: boolean;
  env: Record<string, string>;
  /** Listen on all interfaces instead of loopback. */
  restrict: boolean;
  /** Seconds a worker waits for the master to connect. */
  timeout: number;
  /** The worker entry file for this package. */
  entry: string;
}

/** Operations the cluster tells a manager about (Julia's manage() ops). */
export type ManageOp = "register" | "deregister" | "interrupt" | "finalize";

/** A way to start and stop workers. */
export interface ClusterManager {
  /** A short name for messages, e.g. "local". */
  readonly name: string;
  /**
   * Optional: waits for resources before the launch, outside addprocs' `timeout` (a batch
   * queue can take hours; starting workers should not). SlurmManager submits its job here and
   * waits until it runs. Rejecting fails the addprocs.
   */
  prepare?(params: LaunchParams): Promise<void>;
  /**
   * Starts workers, calling `launched` for each as soon as it has started. A failure that has
   * no worker to blame (a host that cannot be reached) goes to `failed`, so that with
   * `partial: true` the rest of the launch can go on; throwing fails the whole addprocs.
   */
  launch(params: LaunchParams, launched: (config: WorkerConfig) => void, failed: (error: Error) => void): Promise<void>;
  /**
   * Told about lifecycle events; "interrupt" must deliver SIGINT to the worker process (a
   * signal, a control line or message after which the worker raises it on itself, e.g.
   * interruptOverConnection), which interrupts its running calls without ending it.
   */
  manage(pid: number, config: WorkerConfig, op: ManageOp): void;
  /** Makes sure the worker is gone (escalating as needed). */
  kill(pid: number, config: WorkerConfig): Promise<void>;
}
