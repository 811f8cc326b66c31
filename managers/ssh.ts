/**
 * SSHManager: workers on other hosts, started over ssh (Julia's SSHManager). Used by
 * `addprocs(machines)`.
 *
 * - The system `ssh` runs with BatchMode (never a prompt) and honours ~/.ssh/config
 *   (ProxyJump, ControlMaster, Kerberos...). Hosts start in parallel, at most `maxParallel`
 *   at a time, and everything is bounded by addprocs' `timeout`.
 * - One ssh session per host, whatever its worker count: it runs the launcher
 *   (src/worker/launcher.ts), which starts the host's workers (`auto`: one per CPU there) and
 *   carries their output, interrupts and stops. The cookie goes down the session's stdin only.
 * - The session is the workers' lifeline: when the master dies or the connection drops, the
 *   launcher sees its stdin close and stops them (and they exit by themselves when the
 *   master's connection drops).
 * - Workers listen where ssh reached their host (or `bind_addr`); with `tunnel: true` they
 *   listen on their host's loopback and the master reaches them through the session's own
 *   dynamic port forward (`ssh -D`), so a tunnel costs no extra connection.
 * - Failures (unknown host, refused, authentication, runtime or directory missing) name the
 *   host, say what to do, and show ssh's own message.
 *
 * Why one file: SSHManager is one lifecycle over the hosts' sessions: start them (bounded in
 * parallel and in time), hand out their workers, reach them for interrupts and stops, and end
 * them, sharing the session set and the process-wide exit hook; its parts (the command, the
 * failures, the machine grammar, one host's session) are in ssh/.
 *
 * @example
 * ```ts
 * import { readFile } from "node:fs/promises";
 * import { addprocs } from "distributed";
 * import { SSHManager, parseMachineFile } from "distributed/managers";
 * const key = "/home/alice/.ssh/cluster_key";
 * await addprocs(["node1", "alice@node2:2222", ["node3", 4], ["node4", "auto"]],
 *                { sshflags: ["-i", key], runtime: "bun", dir: "/scratch/run", tunnel: false });
 * // or, with a machine file:
 * const text = await readFile("hosts.txt", "utf8");
 * await addprocs(new SSHManager(parseMachineFile(text, "hosts.txt"), { maxParallel: 32 }));
 * ```
 * @module
 */
import {
  type ClusterManager,
  type ExitStatus,
  freePort,
  type LaunchParams,
  makeTempDir,
  type ManageOp,
  onExit,
  removeDir,
  type SshOptions,
  type WorkerConfig,
  workerEnv,
  WorkerStartError,
} from "../src/internal.ts";
import { remoteCommand, sshArgv } from "./ssh/command.ts";
import { explainFailure } from "./ssh/failures.ts";
import { describeMachine, destination, type MachineEntry, type MachineSpec, parseMachines } from "./ssh/machines.ts";
import { HostSession, type RemoteWorker } from "./ssh/session.ts";
import { quotePosix, type RemoteShell } from "./ssh/shell-quote.ts";

/** Options of SSHManager (also accepted by addprocs(machines, options)): the SSH option set, declared once in the core. */
export type SSHManagerOptions = SshOptions;

const sessions = new Set<HostSession>();
let controlDir: string | undefined;
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort on exit: cut every session; each launcher then stops its workers.
  onExit(() => {
    for (const session of sessions) session.child.kill("SIGKILL");
    if (controlDir !== undefined) removeDir(controlDir);
  });
}

/**
 * Starts workers on other hosts over ssh.
 *
 * @example
 * ```ts
 * import { addprocs, gethostname, remotecallFetch, rmprocs } from "distributed";
 * import { SSHManager } from "distributed/managers";
 * // one worker on node1, four on node2, reached through the ssh sessions (tunnel)
 * const ssh = new SSHManager(["node1", ["node2", 4]], { sshflags: ["-i", "/home/alice/.ssh/cluster_key"], tunnel: true });
 * const pids = await addprocs(ssh, { runtime: "bun", dir: "/scratch/run" });
 * await Promise.all(pids.map((p) => remotecallFetch(() => gethostname(), p))); // ["node1", "node2", "node2", "node2", "node2"]
 * await rmprocs(pids);
 * ```
 */
export class SSHManager implements ClusterManager {
  readonly name = "ssh";
  readonly #machines: MachineSpec[];
  readonly #ssh: string;
  readonly #sshflags: readonly string[];
  readonly #shell: RemoteShell;
  readonly #tunnel: boolean;
  readonly #multiplex: boolean;
  readonly #maxParallel: number;
  readonly #entry: string | undefined;

  constructor(machines: ReadonlyArray<MachineEntry | MachineSpec>, options: SSHManagerOptions = {}) {
    this.#machines = machines.every(isSpec) && machines.length > 0
      ? [...(machines as MachineSpec[])]
      : parseMachines(machines as MachineEntry[]);
    const { ssh = "ssh", sshflags = [], shell = "posix", tunnel = false, multiplex = false, maxParallel = 10, entry } = options;
    if (typeof ssh !== "string" || ssh === "") {
      throw new TypeError(`Option ssh must be the ssh executable's name or path, got ${JSON.stringify(ssh)}`);
    }
    if (!Array.isArray(sshflags) || !sshflags.every((f) => typeof f === "string")) {
      throw new TypeError('Option sshflags must be an array of strings, e.g. ["-i", "~/.ssh/cluster_key"]');
    }
    if (shell !== "posix" && shell !== "csh") throw new TypeError(`Option shell must be "posix" or "csh", got ${JSON.stringify(shell)}`);
    if (typeof tunnel !== "boolean") throw new TypeError(`Option tunnel must be a boolean, got ${JSON.stringify(tunnel)}`);
    if (typeof multiplex !== "boolean") throw new TypeError(`Option multiplex must be a boolean, got ${JSON.stringify(multiplex)}`);
    if (!Number.isInteger(maxParallel) || maxParallel < 1) {
      throw new RangeError(`Option maxParallel must be a positive integer, got ${String(maxParallel)}`);
    }
    if (entry !== undefined && (typeof entry !== "string" || entry === "")) {
      throw new TypeError(`Option entry must be a file path, got ${JSON.stringify(entry)}`);
    }
    this.#ssh = ssh;
    this.#sshflags = [...sshflags];
    this.#shell = shell;
    this.#tunnel = tunnel;
    this.#multiplex = multiplex;
    this.#maxParallel = maxParallel;
    this.#entry = entry;
  }

  /** The hosts, as parsed. */
  get machines(): readonly MachineSpec[] {
    return this.#machines;
  }

  /** Connects to the hosts, at most maxParallel at a time; each host's workers are reported as soon as its launcher answers. */
  async launch(params: LaunchParams, launched: (config: WorkerConfig) => void, failed: (error: Error) => void): Promise<void> {
    installExitHook();
    if (this.#multiplex && controlDir === undefined) controlDir = makeTempDir("distributed-ssh-");
    const deadline = Date.now() + params.timeout * 1000 - 250;
    // Hosts connect in parallel, but their workers are reported in the order the hosts were
    // listed, so pids follow the machine list whichever host answers first.
    const turns = this.#machines.map(() => {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      return { promise, resolve };
    });
    const queue = this.#machines.map((spec, i) => ({ spec, i }));
    const next = async (): Promise<void> => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
        const { spec, i } = item;
        const myTurn = i === 0 ? Promise.resolve() : turns[i - 1]!.promise;
        try {
          if (Date.now() >= deadline) {
            throw this.#error(
              spec,
              `not started: the timeout of ${params.timeout} s ran out while waiting for a free slot (maxParallel ${this.#maxParallel})`,
              "(not started)",
            );
          }
          const report = await this.#startHost(spec, params, deadline);
          await myTurn;
          report(launched);
        } catch (err) {
          await myTurn;
          failed(err as Error);
        } finally {
          turns[i]!.resolve();
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.#maxParallel, queue.length) }, next));
  }

  /** Interrupts go down the session as a control line; the launcher sends the worker SIGINT. */
  manage(_pid: number, config: WorkerConfig, op: ManageOp): void {
    const worker = config.userdata as RemoteWorker;
    if (op === "interrupt" && !worker.done) worker.session.control({ op: "interrupt", index: worker.index });
  }

  /** Asks the launcher to stop the worker (SIGTERM, then SIGKILL); cuts the whole session if the launcher does not answer in 5 s. */
  async kill(_pid: number, config: WorkerConfig): Promise<void> {
    const worker = config.userdata as RemoteWorker;
    if (worker.done) return;
    worker.session.control({ op: "stop", index: worker.index });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stopped = await Promise.race([
      worker.exited.then(() => true),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(false), 5000))),
    ]);
    clearTimeout(timer);
    if (!stopped) {
      worker.session.child.kill("SIGKILL");
      await worker.exited;
    }
  }

  /** Starts the host's launcher; resolves, once it has answered, with a function that reports its workers. */
  async #startHost(spec: MachineSpec, params: LaunchParams, deadline: number): Promise<(launched: (config: WorkerConfig) => void) => void> {
    const entry = this.#entry ?? params.entry;
    const remote = remoteCommand({
      runtime: params.runtime,
      ...(params.exename !== undefined ? { exename: params.exename } : {}),
      exeflags: params.exeflags,
      entry,
      count: spec.count,
      timeout: params.timeout,
      bind: this.#tunnel ? "loopback" : (spec.bindAddr ?? "auto"),
      port: spec.bindPort ?? 0,
      dir: params.dir,
      dirGiven: params.dirGiven,
      env: params.env,
      shell: this.#shell,
    });
    const socksPort = this.#tunnel ? await freePort() : undefined;
    const argv = sshArgv({
      ssh: this.#ssh,
      sshflags: this.#sshflags,
      destination: destination(spec),
      ...(spec.port !== undefined ? { port: spec.port } : {}),
      connectTimeout: Math.max(1, (deadline - Date.now()) / 1000),
      ...(socksPort !== undefined ? { socksPort } : {}),
      ...(controlDir !== undefined && this.#multiplex ? { controlDir } : {}),
      remote,
    });
    const display = argv.map(quotePosix).join(" ");
    const session = new HostSession(argv, workerEnv());
    sessions.add(session);
    void session.child.exited.then(() => sessions.delete(session));
    session.send(params.cookie);

    let timer: ReturnType<typeof setTimeout> | undefined;
    const header = await Promise.race([
      session.header,
      new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), Math.max(1, deadline - Date.now())))),
    ])
      .catch((status: ExitStatus) => {
        throw this.#error(
          spec,
          explainFailure(status, session.tail(), { host: spec.host, runtime: params.exename ?? params.runtime, entry, ssh: this.#ssh }),
          display,
          session.tail(),
        );
      })
      .finally(() => clearTimeout(timer));
    if (header === "timeout") {
      session.child.kill("SIGKILL");
      throw this.#error(
        spec,
        `no answer within the timeout of ${params.timeout} s (option timeout, env DISTRIBUTED_WORKER_TIMEOUT)`,
        display,
        session.tail(),
      );
    }
    const label = describeMachine(spec);
    return (launched) => {
      for (let index = 0; index < header.count; index++) {
        const worker = session.worker(index);
        launched({
          stdout: worker.stdout,
          stderr: worker.stderr,
          exited: worker.exited,
          stderrTail: () => worker.stderrTail(),
          command: display,
          hostLabel: label,
          ...(socksPort !== undefined ? { via: { socks5: { host: "127.0.0.1", port: socksPort } } } : {}),
          userdata: worker,
        });
      }
    };
  }

  #error(spec: MachineSpec, why: string, command: string, stderrTail?: string): WorkerStartError {
    return new WorkerStartError(`Cannot start workers on ${describeMachine(spec)}: ${why}`, {
      command,
      host: describeMachine(spec),
      ...(stderrTail !== undefined ? { stderrTail } : {}),
    });
  }
}

function isSpec(m: unknown): m is MachineSpec {
  return typeof m === "object" && m !== null && !Array.isArray(m) && typeof (m as MachineSpec).host === "string";
}
