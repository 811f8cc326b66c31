/**
 * Removing workers: rmprocs, interrupt, and what happens when the master's script ends.
 *
 * When the master's event loop runs out of work while workers remain, they are removed
 * gracefully (asked to exit, then stopped by their manager), as Julia does at exit. If the
 * master is killed outright, workers notice their connection drop and exit by themselves.
 *
 * @example
 * ```ts
 * import { addprocs, interrupt, rmprocs, workers } from "distributed";
 * await addprocs(2);
 * interrupt([2]); // SIGINT on worker 2: its SIGINT listeners run, its running async calls fail with InterruptError
 * await rmprocs(workers());
 * ```
 * @module
 */
import { DistributedError } from "../errors.ts";
import { MSG } from "../protocol/messages.ts";
import { onBeforeExit } from "../runtime/host.ts";
import { type Peer, peers } from "./peers.ts";
import { state } from "./state.ts";

/** Options of rmprocs. */
export interface RmprocsOptions {
  /** Seconds to wait for a worker to exit by itself before its manager stops it (default 10). */
  waitfor?: number;
}

/**
 * Removes workers: asks each to exit, waits up to `waitfor` seconds, then has its manager stop
 * it. Pids that are already gone are ignored; pid 1 cannot be removed.
 *
 * @example
 * ```ts
 * import { addprocs, rmprocs, workers } from "distributed";
 * const [a, b] = await addprocs(3);
 * await rmprocs(a);                  // one pid
 * await rmprocs([b], { waitfor: 2 }); // stopped by its manager unless gone within 2 s
 * await rmprocs(workers());          // every worker left
 * ```
 */
export async function rmprocs(pids: number | readonly number[], options: RmprocsOptions = {}): Promise<void> {
  if (state.myid !== 1) {
    throw new DistributedError("ERR_NOT_MASTER", `rmprocs can only be called on the master (pid 1), not on worker ${state.myid}`);
  }
  const list = typeof pids === "number" ? [pids] : [...pids];
  for (const pid of list) {
    if (!Number.isInteger(pid) || pid < 1) throw new TypeError(`rmprocs: pids must be positive integers, got ${String(pid)}`);
  }
  const waitfor = options.waitfor ?? 10;
  await Promise.all(list.filter((pid) => pid !== 1).map((pid) => removeOne(pid, waitfor)));
}

async function removeOne(pid: number, waitfor: number): Promise<void> {
  const peer = peers.get(pid);
  if (peer === undefined) return;
  if (peer.state !== "exiting") {
    peer.state = "exiting";
    if (!peer.conn.closed) peer.conn.send(MSG.EXIT, 0, null);
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = await Promise.race([
    peer.gone.then(() => false),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), waitfor * 1000))),
  ]);
  clearTimeout(timer);
  if (timedOut) await stop(peer);
}

async function stop(peer: Peer): Promise<void> {
  peer.conn.close();
  if (peer.manager !== undefined && peer.config !== undefined) await peer.manager.kill(peer.pid, peer.config);
}

/**
 * Interrupts workers (default: all), as Julia's interrupt is a Ctrl-C on each worker; the
 * same on every manager (local, SSH, Slurm, SPMD tasks) and runtime (node, bun, deno):
 * - the worker process receives SIGINT, so the SIGINT listeners of code running there
 *   (`process.on("SIGINT", ...)`, `Deno.addSignalListener`) run, as after a Ctrl-C. Local
 *   workers get it from the master, SSH workers from their host's launcher, and Slurm and
 *   SPMD tasks, which no signal from here reaches, raise it on themselves when the interrupt
 *   arrives on their stdin or connection;
 * - every asynchronous call running there fails with InterruptError;
 * - the worker survives (its own listener handles SIGINT: interrupt, never exit) and keeps
 *   serving.
 *
 * Thread workers share the master's process, which a signal would reach as a whole: their
 * calls fail with InterruptError, and no SIGINT listener runs. A synchronous loop cannot be
 * preempted in JavaScript: it sees the interrupt when it returns. Returns at once; the
 * interrupt is not ordered with calls, so a call sent just before may not have started yet.
 *
 * @example
 * ```ts
 * import { addprocs, interrupt, remotecallFetch, rmprocs } from "distributed";
 * const [p] = await addprocs(1);
 * await remotecallFetch(() => void process.on("SIGINT", () => console.log("cleaning up")), p);
 * const slow = remotecallFetch(() => new Promise((r) => setTimeout(r, 60_000)), p).catch((e) => e);
 * await new Promise((r) => setTimeout(r, 100)); // let the call start: interrupt is not ordered with calls
 * interrupt(p);  // worker p prints "cleaning up"
 * await slow;    // a RemoteError of an InterruptError
 * await remotecallFetch(() => "still serving", p);
 * await rmprocs(p);
 * ```
 */
export function interrupt(pids?: number | readonly number[]): void {
  const list = pids === undefined ? peers.pids() : typeof pids === "number" ? [pids] : [...pids];
  for (const pid of list) {
    const peer = peers.get(pid);
    if (peer?.manager !== undefined && peer.config !== undefined) peer.manager.manage(pid, peer.config, "interrupt");
  }
}

/**
 * @internal Interrupts a worker through its connection, for managers whose workers no signal
 * from here reaches (SPMD tasks, threads): the worker raises SIGINT on itself (a thread
 * interrupts its calls directly), when its event loop is free.
 */
export function interruptOverConnection(pid: number): void {
  const peer = peers.get(pid);
  if (peer !== undefined && !peer.conn.closed) peer.conn.send(MSG.INTERRUPT, 0, null);
}

let hooksInstalled = false;
let removing = false;

/** @internal Removes remaining workers when the master's script has nothing left to do. */
export function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  onBeforeExit(() => {
    if (removing || state.myid !== 1) return;
    const remaining = peers.pids();
    if (remaining.length === 0) return;
    removing = true;
    void rmprocs(remaining, { waitfor: 5 }).finally(() => {
      removing = false;
    });
  });
}
