/**
 * init(): SPMD start-up. `srun -n 8 bun script.ts` runs the same script on every task; the one
 * call at its top makes task 0 the master and every other task one of its workers, so a script
 * written for local workers runs unchanged on a cluster.
 *
 * How the tasks find each other, through Slurm alone (no shared file system assumed):
 * - Task 0 runs on the first node of the step (SLURM_STEP_NODELIST); its address is that node's
 *   NodeAddr from `scontrol show node` (the address Slurm itself uses), else its name.
 * - Task 0 listens on a port every task computes alike: the step's first reserved port
 *   (SLURM_STEP_RESV_PORTS, with `srun --resv-ports` where MpiParams=ports is configured), else
 *   DISTRIBUTED_SPMD_PORT, else one derived from the job and step ids.
 * - Every other task starts a worker listener, then registers `rank host port fingerprint` with
 *   task 0, retrying until task 0 listens. Task 0 then connects to each as it does to any
 *   worker, with mutual cookie authentication: a forged registration gains nothing.
 * - The cookie: DISTRIBUTED_COOKIE from the environment (srun passes it to every task; no other
 *   user can read it), else ~/.distributed/cookie, created once with mode 0600 as Erlang does
 *   (nodes must share the home directory for that). A task whose cookie differs is named in a
 *   clear error, instead of failing authentication later.
 *
 * Why one file: the master's half (listen, collect the registrations, connect to each task)
 * and the workers' half (listen, register, serve) are the two ends of one rendezvous; they
 * share the line they exchange, the cookie's fingerprint and the plan (spmd-plan.ts) both read.
 *
 * @example
 * ```ts
 * import { init, pmap, workers } from "distributed";
 * await init();            // tasks 1..n-1 become workers here and never return
 * console.log(await pmap((x: number) => x * x, [1, 2, 3]), workers());
 * ```
 * @module
 */
import {
  addprocs,
  clusterCookie,
  type ClusterManager,
  connect,
  ConnectionLostError,
  DistributedError,
  envAll,
  flushAndExit,
  hmacSha256,
  homeDir,
  interruptOverConnection,
  joinPath,
  type LaunchParams,
  listen,
  loadConfig,
  type ManageOp,
  newCookie,
  readOrCreatePrivateFile,
  resolveSetting,
  runCommand,
  serve,
  type Socket,
  type WorkerConfig,
  writeStderr,
} from "../../src/internal.ts";
import { formatRegistration, parseRegistration, type Registration, type SpmdPlan, spmdPlan } from "./spmd-plan.ts";

/** Options of init(). */
export interface InitOptions {
  /** Workers to add on this machine (addprocs(local)) when not started by srun on several tasks (default 0). */
  local?: number;
  /** Seconds for every task to register and be connected (default 60, env DISTRIBUTED_WORKER_TIMEOUT). */
  timeout?: number;
}

/** What init() resolves with, on the master (task 0 or a lone process). */
export interface InitResult {
  /** This task's rank (always 0 here: the others never return). */
  rank: number;
  /** Tasks in the step (1 outside SPMD). */
  size: number;
  /** The workers' pids, in rank order (rank r is pid r + 1). */
  workers: number[];
}

/**
 * Makes task 0 the master and every other task its worker. On the master, resolves once all
 * tasks are connected; on a worker, never resolves: the process serves until the master is
 * gone, then exits. Outside SPMD it resolves at once (after adding `local` workers).
 *
 * @example
 * ```ts
 * import { init, myid, pmap } from "distributed";
 * // `srun -n 4 bun script.ts` runs this script on 4 tasks; run alone, `local: 2` adds 2 local workers
 * const { size, workers } = await init({ local: 2 }); // tasks 1..3 become workers here and never return
 * size;                                               // 4 under srun -n 4; 1 alone
 * workers;                                            // [2, 3, 4] under srun -n 4; [2, 3] alone
 * await pmap(() => myid(), [1, 2, 3]);                // on the workers
 * ```
 */
export async function init(options: InitOptions = {}): Promise<InitResult> {
  const env = envAll();
  const plan = spmdPlan(env);
  const config = options.timeout === undefined ? (await loadConfig()).config : undefined;
  const timeout = resolveSetting("timeout", { option: options.timeout, config, env: (name) => env[name] }).value;
  if (!(timeout > 0)) throw new RangeError(`init: timeout must be a positive number of seconds, got ${String(timeout)}`);
  if (plan === undefined) {
    const local = options.local ?? 0;
    if (!(Number.isInteger(local) && local >= 0)) {
      throw new RangeError(`init: local must be a worker count (an integer >= 0), got ${String(local)}`);
    }
    return { rank: 0, size: 1, workers: local > 0 ? await addprocs(local, { timeout }) : [] };
  }
  const cookie = spmdCookie(env);
  return plan.rank === 0 ? await becomeMaster(plan, cookie, timeout) : await becomeWorker(plan, cookie, timeout);
}

/** The cookie every task shares: DISTRIBUTED_COOKIE, else ~/.distributed/cookie (created once, mode 0600). */
function spmdCookie(env: Record<string, string>): string {
  const fromEnv = env.DISTRIBUTED_COOKIE;
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv.trim();
  return readOrCreatePrivateFile(joinPath(homeDir(), ".distributed", "cookie"), () => `${newCookie()}\n`).trim();
}

function fingerprint(cookie: string): string {
  const mac = hmacSha256(new TextEncoder().encode(cookie), new TextEncoder().encode("distributed spmd cookie fingerprint"));
  return [...mac.slice(0, 6)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** @internal Task 0's half: collects every task's registration and connects to each as a worker. */
export async function becomeMaster(plan: SpmdPlan, cookie: string, timeout: number): Promise<InitResult> {
  clusterCookie(cookie);
  const mine = fingerprint(cookie);
  const registered = new Map<number, Registration>();
  const problems: string[] = [];
  let allIn!: () => void;
  const everyone = new Promise<void>((resolve) => (allIn = resolve));
  const onSocket = (socket: Socket): void => {
    let buffered = "";
    socket.setEncoding("utf8");
    socket.on("error", () => {});
    socket.on("data", (chunk: string) => {
      buffered += chunk;
      if (buffered.length > 4096) return void socket.destroy();
      const nl = buffered.indexOf("\n");
      if (nl < 0) return;
      const r = parseRegistration(buffered.slice(0, nl));
      if (r === null || r.rank < 1 || r.rank >= plan.size) return void socket.destroy();
      if (r.fingerprint !== mine) {
        problems.push(
          `task ${r.rank} (${r.host}) holds a different cookie: set the same DISTRIBUTED_COOKIE for every task (export it before srun), or share ~/.distributed/cookie between the nodes`,
        );
        socket.end("error different cookie\n");
        return;
      }
      registered.set(r.rank, r);
      socket.end("ok\n");
      if (registered.size === plan.size - 1) allIn();
    });
  };
  const listener = await listen(plan.bind ?? "0.0.0.0", plan.port, onSocket).catch((err: Error) => {
    throw new DistributedError(
      "ERR_SPMD_LISTEN",
      `init: task 0 cannot listen on port ${plan.port} (${
        plan.portFrom === "derived"
          ? "derived from the job and step ids"
          : plan.portFrom === "env"
          ? "DISTRIBUTED_SPMD_PORT"
          : "SLURM_STEP_RESV_PORTS"
      }): ${err.message}. ` +
        "Choose another with DISTRIBUTED_SPMD_PORT=<port> (exported before srun), or run srun with --resv-ports where the cluster reserves ports.",
      { cause: err },
    );
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const inTime = await Promise.race([
    everyone.then(() => true),
    new Promise<boolean>((r) => (timer = setTimeout(() => r(false), timeout * 1000))),
  ]);
  clearTimeout(timer);
  listener.close();
  if (!inTime) {
    const missing = Array.from({ length: plan.size - 1 }, (_, i) => i + 1).filter((rank) => !registered.has(rank));
    throw new DistributedError(
      "ERR_SPMD_TIMEOUT",
      `init: ${missing.length} of ${plan.size - 1} tasks did not register within ${timeout} s (tasks ${summarize(missing)})` +
        (problems.length > 0
          ? `: ${problems[0]}`
          : "; did they all call init() (a task that failed first shows its error in the job's output)?"),
    );
  }
  const workers = await addprocs(new SpmdManager(plan, [...registered.values()].sort((a, b) => a.rank - b.rank)), { timeout });
  return { rank: 0, size: plan.size, workers };
}

async function becomeWorker(plan: SpmdPlan, cookie: string, timeout: number): Promise<never> {
  await becomeTask(plan, cookie, timeout, flushAndExit);
  return new Promise<never>(() => {}); // serve until the master is gone
}

/**
 * @internal Every other task's half: serves as a worker, registers with task 0, and resolves
 * once task 0 took the registration (`close` stops listening). `leave` runs when the master
 * is gone. A task that cannot register, or that task 0 refuses, says why and exits.
 */
export async function becomeTask(
  plan: SpmdPlan,
  cookie: string,
  timeout: number,
  leave: (code: number) => void,
): Promise<{ close: () => void }> {
  const deadline = Date.now() + timeout * 1000;
  const address = await serve({ cookie, timeout, bind: plan.bind ?? "0.0.0.0", port: 0, leave });
  const root = plan.rootAddress ?? await nodeAddress(plan.rootNode);
  const line = `${formatRegistration({ rank: plan.rank, host: address.host, port: address.port, fingerprint: fingerprint(cookie) })}\n`;
  let lastError = "";
  for (let delay = 20; Date.now() < deadline; delay = Math.min(delay * 2, 500)) {
    try {
      const answer = await register(root, plan.port, line, Math.max(1, deadline - Date.now()));
      if (answer === "ok") return { close: address.close };
      writeStderr(`init: task 0 refused task ${plan.rank}: ${answer}\n`);
      flushAndExit(1);
      return new Promise<never>(() => {});
    } catch (err) {
      lastError = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, delay));
  }
  writeStderr(`init: task ${plan.rank} could not register with task 0 at ${root}:${plan.port} within ${timeout} s (${lastError})\n`);
  flushAndExit(1);
  return new Promise<never>(() => {});
}

/** Sends the registration; resolves with task 0's answer line ("ok" or "error ..."). */
async function register(host: string, port: number, line: string, timeoutMs: number): Promise<string> {
  const socket = await connect(host, port, timeoutMs);
  return new Promise((resolve, reject) => {
    let answer = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => (answer += chunk));
    socket.on("error", reject);
    socket.on(
      "close",
      () => (answer.includes("\n")
        ? resolve(answer.trim())
        : reject(new ConnectionLostError("task 0 closed the connection without an answer", { peer: `task 0 (${host}:${port})` }))),
    );
    socket.write(line);
  });
}

/** The address Slurm knows a node by (NodeAddr), else its name. */
async function nodeAddress(node: string): Promise<string> {
  const r = await runCommand("scontrol", ["show", "node", "-o", node], { env: envAll(), timeoutMs: 30_000 });
  const addr = /(?:^|\s)NodeAddr=(\S+)/.exec(r.stdout)?.[1];
  return r.status.code === 0 && addr !== undefined && addr !== "(null)" ? addr : node;
}

function summarize(ranks: number[]): string {
  return ranks.length > 10 ? `${ranks.slice(0, 10).join(", ")}, ...` : ranks.join(", ");
}

/** The tasks that registered, as workers the cluster connects to. */
class SpmdManager implements ClusterManager {
  readonly name = "slurm-spmd";
  readonly plan: SpmdPlan;
  readonly registrations: readonly Registration[];
  constructor(plan: SpmdPlan, registrations: readonly Registration[]) {
    this.plan = plan;
    this.registrations = registrations;
  }

  launch(_params: LaunchParams, launched: (config: WorkerConfig) => void): Promise<void> {
    for (const r of this.registrations) {
      launched({
        host: r.host,
        port: r.port,
        command: this.plan.launcher === undefined
          ? `srun task ${r.rank} of job ${this.plan.jobId} step ${this.plan.stepId}`
          : `${this.plan.launcher} rank ${r.rank}`,
        hostLabel: `task ${r.rank} (${r.host})`,
      });
    }
    return Promise.resolve();
  }

  /** No signal reaches another task from here: the interrupt travels on the connection, and the task raises SIGINT on itself. */
  manage(pid: number, _config: WorkerConfig, op: ManageOp): void {
    if (op === "interrupt") interruptOverConnection(pid);
  }

  /** A task's worker exits when its connection closes (already done by the caller); srun ends the task with it. */
  kill(): Promise<void> {
    return Promise.resolve();
  }
}
