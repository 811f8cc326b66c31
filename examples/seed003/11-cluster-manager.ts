/**
 * Seed 003, "ClusterManagers": a cluster manager of one's own, written against the public
 * `ClusterManager` interface only (Julia's `launch`, `manage`, `kill` and `WorkerConfig`).
 *
 * `SubprocessManager` starts each worker with `node:child_process` (which Node, Bun and Deno
 * all provide) the way Julia's LocalManager does:
 *
 * - `launch(params, launched)`: runs `<runtime> <params.entry> --worker` once per worker,
 *   writes the cluster cookie as the first line of its stdin (never argv or the environment),
 *   and reports a `WorkerConfig` for it at once: the worker's stdout (where it prints the
 *   address it listens on, which the cluster reads and connects to, as Julia's `io` field),
 *   stderr, a promise of its exit, the command, and the child as `userdata`. Like Julia's
 *   launch it returns once every worker has been started, not once they are connected.
 * - `manage(pid, config, op)`: told about "register", "interrupt" and "deregister"; an
 *   interrupt is SIGINT to that worker.
 * - `kill(pid, config)`: SIGTERM, then SIGKILL if the worker is still there after 2 s.
 *
 * The example adds two workers through it, uses them, interrupts a call on one, removes them
 * (one is stuck in a synchronous loop, so that `rmprocs` has to call `kill`), and prints what
 * the manager was told. (The package's own LocalManager, SSHManager,
 * SlurmManager and ThreadManager implement the same interface; managers/local.ts is the
 * model for this one. Custom transports: a WorkerConfig with `transport` opens the byte
 * stream itself, as managers/threads.ts does over MessagePorts.)
 *
 * Usage: node dist/examples/seed003/11-cluster-manager.js
 *        (bun and deno run examples/seed003/11-cluster-manager.ts directly)
 *
 * @example
 * ```sh
 * node dist/examples/seed003/11-cluster-manager.js
 * deno run -A examples/seed003/11-cluster-manager.ts
 * ```
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import {
  addprocs,
  type ClusterManager,
  currentRuntime,
  interrupt,
  type LaunchParams,
  type LineSource,
  type ManageOp,
  myid,
  remotecallFetch,
  remoteDo,
  RemoteError,
  rmprocs,
  type WorkerConfig,
  workers,
} from "distributed";

/** The lines of a stream, kept until someone listens (the cluster starts listening soon after launched()). */
function lines(stream: Readable): LineSource {
  const early: string[] = [];
  let listener: ((line: string) => void) | null = null;
  createInterface({ input: stream }).on("line", (line) => (listener !== null ? listener(line) : early.push(line)));
  return {
    onLine(cb) {
      listener = cb;
      for (const line of early.splice(0)) cb(line);
    },
  };
}

/** Starts workers as child processes of this one, with the runtime the cluster asks for. */
class SubprocessManager implements ClusterManager {
  readonly name = "subprocess";
  readonly #count: number;
  /** What the cluster told this manager, in order. */
  readonly events: string[] = [];

  constructor(count: number) {
    this.#count = count;
  }

  // function launch(manager::FooManager, params::Dict, launched::Array, c::Condition)
  async launch(params: LaunchParams, launched: (config: WorkerConfig) => void): Promise<void> {
    this.events.push(`launch(${this.#count} workers, ${params.runtime})`);
    // The runtime's executable: this process's own when it is the same runtime.
    const exe = params.exename ?? (params.runtime === currentRuntime() ? process.execPath : params.runtime);
    const args = [
      ...(params.runtime === "deno" ? ["run", "-A"] : []),
      ...params.exeflags,
      params.entry,
      "--worker",
      `--timeout=${params.timeout}`,
    ];
    for (let i = 0; i < this.#count; i++) {
      const child = spawn(exe, args, { cwd: params.dir, env: { ...process.env, ...params.env }, stdio: ["pipe", "pipe", "pipe"] });
      // The cookie on stdin. stdin stays open: a worker whose stdin closes before the master
      // has connected takes it as the master having gone, and exits.
      child.stdin!.write(`${params.cookie}\n`);
      const exited = new Promise<string>((resolve) =>
        child.once("exit", (code, signal) => resolve(signal !== null ? `signal ${signal}` : `exit code ${code}`))
      );
      let stderrTail = "";
      const stderr = lines(child.stderr!);
      launched({
        stdout: lines(child.stdout!),
        stderr: {
          onLine(cb) {
            stderr.onLine((line) => {
              stderrTail = `${stderrTail}${line}\n`.slice(-2000);
              cb(line);
            });
          },
        },
        exited,
        stderrTail: () => stderrTail,
        command: [exe, ...args].join(" "),
        hostLabel: "localhost",
        ...(child.pid !== undefined ? { ospid: child.pid } : {}),
        userdata: child,
      });
    }
  }

  // function manage(manager::FooManager, id::Integer, config::WorkerConfig, op::Symbol)
  manage(pid: number, config: WorkerConfig, op: ManageOp): void {
    this.events.push(`manage(${pid}, ${op})`);
    if (op === "interrupt") (config.userdata as ChildProcess).kill("SIGINT");
  }

  // function kill(manager::FooManager, pid::Int, config::WorkerConfig)
  async kill(pid: number, config: WorkerConfig): Promise<void> {
    this.events.push(`kill(${pid})`);
    const child = config.userdata as ChildProcess;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 2000);
    await gone;
    clearTimeout(timer);
  }
}

const manager = new SubprocessManager(2);
const pids = await addprocs(manager, { env: { STARTED_BY: "SubprocessManager" } });
console.log(`addprocs(SubprocessManager(2)) = [${pids.join(", ")}]; workers() = [${workers().join(", ")}]`);
for (const p of pids) {
  const [id, startedBy] = await remotecallFetch(() => [myid(), process.env.STARTED_BY] as const, p);
  console.log(`worker ${p}: myid() = ${id}, STARTED_BY = ${startedBy}`);
}
console.log(
  `worker to worker: ${await remotecallFetch(
    (to: number) => remotecallFetch(() => `hello from ${myid()}`, to),
    pids[0]!,
    pids[1]!,
  )} (asked by worker ${pids[0]})`,
);

// interrupt(pid) goes through manage(..., :interrupt): SIGINT to that worker.
const [w2, w3] = pids as [number, number];
const waiting = remotecallFetch(() => new Promise(() => {}), w2).catch((e: unknown) => e as RemoteError);
await remotecallFetch(() => null, w2); // the call above has reached the worker
interrupt(w2);
const stopped = (await waiting) as RemoteError;
console.log(
  `interrupt(${w2}): the call waiting there failed with ${stopped.name} (${stopped.remote.name} on worker ${stopped.pid}); worker ${w2} still answers: ${
    (await remotecallFetch(() => myid(), w2)) === w2
  }`,
);

// rmprocs asks a worker to exit and calls kill() only if it has not gone within `waitfor`
// seconds: here worker 3 is stuck in a synchronous loop and never reads the request.
remoteDo(() => {
  for (;;);
}, w3);
await rmprocs(w3, { waitfor: 0.5 });
await rmprocs(w2);
console.log(`rmprocs: workers() = [${workers().join(", ")}]`);
const told = (op: string): string => manager.events.filter((e) => e.includes(op)).sort().join(", ");
console.log("the manager was told:");
console.log(`  ${told("launch")}`);
console.log(`  ${told(", register)")}`);
console.log(`  ${told(", interrupt)")}`);
console.log(`  ${told("kill(")} (worker ${w3} did not exit within 0.5 s; worker ${w2} exited when asked)`);
console.log(`  ${told(", deregister)")}`);
