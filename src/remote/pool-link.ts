/**
 * How a WorkerPool handle reaches its pool, as Julia's pools do through their RemoteChannel:
 * a pool sent to another process arrives as a handle, which sends each operation to the
 * process that owns the pool (POOL_OP); the owner runs it on the pool itself. So every process
 * shares one set of idle and busy workers.
 *
 * The owner also remembers which process took which worker through a handle: when that
 * process exits, or is gone before its take is answered, its workers go back to the pool.
 *
 * @example
 * ```ts
 * servePools((key) => ownedPool(key));                   // on every process (pool.ts does it)
 * const pid = await askOwner(1, [1, 0], "take");         // a worker of the master's default pool
 * tellOwner(1, [1, 0], "put", pid);                      // and back
 * ```
 * @module
 */
import { registerHandler } from "../cluster/dispatch.ts";
import { peers } from "../cluster/peers.ts";
import { state } from "../cluster/state.ts";
import { toWireError } from "../errors.ts";
import { decode } from "../protocol/codec.ts";
import { MSG, type RefId } from "../protocol/messages.ts";
import { refKey } from "./refs.ts";

/** What a handle can ask of its pool's owner. */
export type PoolOp = "take" | "put" | "push" | "wait" | "status";

/** What the owner needs of one of its pools to serve handles. */
export interface ServedPool {
  take(): Promise<number>;
  put(pid: number): void;
  push(pid: number): void;
  wait(): Promise<void>;
  status(): Promise<{ workers: number[]; idle: number[] }>;
}

let find: (key: string) => ServedPool | undefined = () => undefined;

/** @internal Tells this process how to find the pools it owns, by reference key. */
export function servePools(lookup: (key: string) => ServedPool | undefined): void {
  find = lookup;
}

/** Asks the owner of pool `ref` for `op` and resolves with its answer. */
export function askOwner(owner: number, ref: RefId, op: "take" | "wait" | "status"): Promise<unknown> {
  try {
    return peers.connectionTo(owner).request(MSG.POOL_OP, [ref, op, null]);
  } catch (err) {
    return Promise.reject(err);
  }
}

/** Tells the owner of pool `ref` to put or push worker `pid` (no answer). */
export function tellOwner(owner: number, ref: RefId, op: "put" | "push", pid: number): void {
  try {
    peers.connectionTo(owner).send(MSG.POOL_OP, 0, [ref, op, pid]);
  } catch {
    // The owner has exited, and its pool with it: a worker given back has nowhere to go.
  }
}

// Owner side: pool key -> the pool, and worker pid -> the processes that took it through a
// handle, one entry per take. A loan keeps its pool: the taker may be the pool's last holder.
const lent = new Map<string, { pool: ServedPool; byWorker: Map<number, number[]> }>();

function lend(key: string, pool: ServedPool, pid: number, taker: number): void {
  let loans = lent.get(key);
  if (loans === undefined) lent.set(key, loans = { pool, byWorker: new Map() });
  const takers = loans.byWorker.get(pid);
  if (takers === undefined) loans.byWorker.set(pid, [taker]);
  else takers.push(taker);
}

/** A worker came back: forget one of its loans, the giver's if it has one. */
function returned(key: string, pid: number, giver: number): void {
  const loans = lent.get(key);
  const takers = loans?.byWorker.get(pid);
  if (loans === undefined || takers === undefined) return;
  const i = takers.indexOf(giver);
  takers.splice(i >= 0 ? i : 0, 1);
  if (takers.length === 0) loans.byWorker.delete(pid);
  if (loans.byWorker.size === 0) lent.delete(key);
}

// A process that is gone gives back every worker it took (and a worker that is gone is no loan).
peers.onRemoved((gone) => {
  for (const [key, { pool, byWorker }] of [...lent]) {
    byWorker.delete(gone);
    if (byWorker.size === 0) lent.delete(key);
    for (const [pid, takers] of [...byWorker]) {
      for (let n = takers.filter((t) => t === gone).length; n > 0; n--) {
        returned(key, pid, gone);
        pool.put(pid);
      }
    }
  }
});

registerHandler(MSG.POOL_OP, (conn, frame) => {
  const fail = (err: unknown): void => {
    if (frame.id !== 0 && !conn.closed) conn.respondError(frame.id, toWireError(err, state.myid));
  };
  let ref: RefId;
  let op: PoolOp;
  let pid: number | null;
  try {
    [ref, op, pid] = decode(frame.body, frame) as [RefId, PoolOp, number | null];
  } catch (err) {
    fail(err);
    return;
  }
  const key = refKey(ref[0], ref[1]);
  const pool = find(key);
  if (pool === undefined) {
    fail(
      new ReferenceError(
        `WorkerPool ${key} is no longer kept by process ${state.myid}: every handle to it was released; send the pool again from its owner`,
      ),
    );
    return;
  }
  switch (op) {
    case "put":
      returned(key, pid!, conn.peerPid);
      pool.put(pid!);
      return;
    case "push":
      try {
        pool.push(pid!);
      } catch {
        // The holder checked the pid before sending it: nothing can fail here.
      }
      return;
    case "take":
      pool.take().then((w) => {
        // The taker is gone: nobody will give this worker back but us.
        if (conn.closed) return pool.put(w);
        lend(key, pool, w, conn.peerPid);
        conn.respond(frame.id, w);
      }, fail);
      return;
    case "wait":
      pool.wait().then(() => {
        if (!conn.closed) conn.respond(frame.id, null);
      }, fail);
      return;
    case "status":
      pool.status().then((s) => {
        if (!conn.closed) conn.respond(frame.id, s);
      }, fail);
      return;
    default:
      fail(new TypeError(`Unknown pool operation ${JSON.stringify(op)}; expected take, put, push, wait or status`));
  }
});
