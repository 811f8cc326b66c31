/**
 * Removing workers: rmprocs, interrupt, and what happens when the master's script ends.
 *
 * When the master's event loop runs out of work while workers remain, they are removed
 * gracefully (asked to exit, then stopped by their manager), as Julia does at exit. If the
 * master is killed outright, workers notice their connection drop and exit by themselves.
 *
 * @example
 * ```ts
 * await rmprocs(workers());
 * interrupt([2]); // SIGINT to worker 2: its running async calls fail with InterruptError
 * ```
 * @module
 */
import { MSG } from "../protocol/messages.ts";
import { onBeforeExit } from "../runtime/host.ts";
import { peers, type Peer } from "./peers.ts";
import { state } from "./state.ts";

/** Options of rmprocs. */
export interface RmprocsOptions {
  /** Seconds to wait for a worker to exit by itself before its manager stops it (default 10). */
  waitfor?: number;
}

/**
 * Removes workers: asks each to exit, waits up to `waitfor` seconds, then has its manager stop
 * it. Pids that are already gone are ignored; pid 1 cannot be removed.
 */
export async function rmprocs(pids: number | readonly number[], options: RmprocsOptions = {}): Promise<void> {
  if (state.myid !== 1) throw new Error(`rmprocs can only be called on the master (pid 1), not on worker ${state.myid}`);
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
 * Interrupts workers (default: all): each receives SIGINT through its manager, and the
 * asynchronous calls running there fail with InterruptError. The workers keep serving.
 * A synchronous loop cannot be preempted in JavaScript: it sees the interrupt when it returns.
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
 * reaches (SPMD tasks): the same effect as SIGINT, seen when its event loop is free.
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
