/**
 * spmdInit(): MPI's `Init` and `COMM_WORLD` for a script that every rank runs, whatever started
 * the ranks: `distributed spmd -n N`, Open MPI's `mpirun -np N`, or `srun -n N` in a Slurm
 * allocation (launch-plan.ts reads which). Run alone, it is a world of one rank.
 *
 * The ranks become one cluster the way `init()` makes one under srun (slurm/spmd.ts, reused
 * here): rank 0 is the master and collects the others' registrations at an address every rank
 * knows without a shared file system; each other rank serves as a worker and registers; rank 0
 * connects to each with mutual cookie authentication. Unlike init(), every rank then returns,
 * with a communicator over the cluster's connections (src/spmd/), and rank r is pid r + 1.
 * The cookie: from the launcher on stdin (`distributed spmd`), else DISTRIBUTED_COOKIE, else
 * ~/.distributed/cookie; never in argv.
 *
 * No rank is left behind: a rank whose rank 0 is gone before finalize() says so and exits
 * (its pending operations reject first); under `distributed spmd` a rank whose launcher is gone
 * (stdin closed) exits, and under mpirun a rank whose parent is gone (mpirun SIGKILLed, which
 * Open MPI cannot clean up after); a rank that exits makes every other rank's operations
 * reject, naming it.
 *
 * @example
 * ```ts
 * import { spmdInit } from "distributed";
 * const comm = await spmdInit();
 * const sum = await comm.reduce(comm.rank, "+", 0);
 * if (comm.rank === 0) console.log(`sum of ranks: ${sum}`);
 * await comm.finalize();
 * ```
 * @module
 */
import {
  Communicator,
  envAll,
  exit,
  flushAndExit,
  homeDir,
  joinPath,
  loadConfig,
  newCookie,
  notifyGone,
  onParentGone,
  readOrCreatePrivateFile,
  readStdinLine,
  releaseLink,
  releaseStdin,
  resolveSetting,
  writeStderr,
} from "../../src/internal.ts";
import { becomeMaster, becomeTask } from "../slurm/spmd.ts";
import { launchPlan } from "./launch-plan.ts";

/** Options of spmdInit. */
export interface SpmdInitOptions {
  /** Seconds for every rank to register and be connected (default 60, env DISTRIBUTED_WORKER_TIMEOUT). */
  timeout?: number;
}

/**
 * The world communicator of an SPMD program: every rank of `mpirun -np N`, `srun -n N` or
 * `distributed spmd -n N` calls it once and gets its rank among the N. MPI.jl's `MPI.Init()`
 * then `MPI.COMM_WORLD`. Call `finalize()` on it at the end.
 *
 * @example
 * ```ts
 * import { spmdInit } from "distributed";
 * // `distributed spmd -n 4 script.ts`, `mpirun -np 4 bun script.ts`, `srun -n 4 deno run -A script.ts`
 * const comm = await spmdInit();
 * await comm.barrier();
 * const sum = await comm.reduce(comm.rank, "+", 0); // root 0
 * if (comm.rank === 0) console.log(`sum of ranks: ${sum}`);
 * await comm.finalize();
 * ```
 */
export async function spmdInit(options: SpmdInitOptions = {}): Promise<Communicator> {
  const env = envAll();
  const launch = launchPlan(env);
  if (launch.launcher === "alone") return new Communicator("world", [1], 1);
  const { plan } = launch;
  const config = options.timeout === undefined ? (await loadConfig()).config : undefined;
  const timeout = resolveSetting("timeout", { option: options.timeout, config, env: (name) => env[name] }).value;
  if (!(timeout > 0)) throw new RangeError(`spmdInit: timeout must be a positive number of seconds, got ${String(timeout)}`);
  // `distributed spmd` writes the cookie on stdin, and closes it when it goes away.
  const cookie = launch.launcher === "distributed spmd"
    ? (await readStdinLine(() => {
      say(`spmdInit: rank ${plan.rank}: the launcher (distributed spmd) is gone; exiting\n`);
      flushAndExit(1);
    })).trim()
    : sharedCookie(env);
  // mpirun killed with SIGKILL cannot stop its ranks: each notices that its parent is gone.
  if (launch.launcher === "mpirun") {
    onParentGone(() => {
      say(`spmdInit: rank ${plan.rank}: mpirun (this rank's parent) is gone; exiting\n`);
      exit(1); // not flushAndExit: stdout's reader is gone, a flush may never end
    });
  }
  const pids = Array.from({ length: plan.size }, (_, r) => r + 1);
  // After finalize the launcher's stdin no longer keeps the rank alive: it ends with its script.
  const lifeline = launch.launcher === "distributed spmd" ? releaseStdin : (): void => {};
  if (plan.rank === 0) {
    const { workers } = await becomeMaster(plan, cookie, timeout);
    if (workers.some((pid, i) => pid !== i + 2)) {
      throw new Error(`spmdInit: the ranks joined as pids ${workers.join(", ")}, not 2 .. ${plan.size}`);
    }
    const comm = new Communicator("world", pids, 1, lifeline);
    comm.start();
    return comm;
  }
  let comm: Communicator | undefined;
  let listener: { close: () => void } | undefined;
  const leave = (code: number): void => {
    if (comm?.finalized === true) return; // rank 0 finished first: this one ends when its script does
    const detail = code === 0 ? "it exited before finalize()" : "its connection was lost";
    notifyGone(1, detail);
    if (comm?.finalizing === true) {
      // Rank 0 may have finished finalize before this rank heard the last messages: its
      // goodbye says so. If finalize has not ended well soon after, this rank is stuck: say so.
      const timer = setTimeout(() => {
        if (comm?.finalized === true) return;
        say(`spmdInit: rank ${plan.rank}: rank 0 is gone (${detail}) and finalize() did not end; exiting\n`);
        flushAndExit(1);
      }, 5000);
      (timer as { unref?: () => void }).unref?.();
      return;
    }
    say(`spmdInit: rank ${plan.rank}: rank 0 is gone (${detail}); exiting\n`);
    flushAndExit(1);
  };
  listener = await becomeTask(plan, cookie, timeout, leave);
  comm = new Communicator("world", pids, plan.rank + 1, () => {
    // Nothing of the cluster keeps this rank alive now: it ends with its script, before or
    // after rank 0 (whose process waits for its workers' connections to close as it exits).
    listener?.close();
    releaseLink(1);
    lifeline();
  });
  await comm.started();
  return comm;
}

function sharedCookie(env: Record<string, string>): string {
  const fromEnv = env.DISTRIBUTED_COOKIE;
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv.trim();
  return readOrCreatePrivateFile(joinPath(homeDir(), ".distributed", "cookie"), () => `${newCookie()}\n`).trim();
}

/** Says why this rank leaves; its launcher, which reads stderr, may be gone (a write then fails: leave anyway). */
function say(text: string): void {
  try {
    writeStderr(text);
  } catch {
    // The reader of stderr is gone with the launcher: there is nobody left to tell.
  }
}
