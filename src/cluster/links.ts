/**
 * Worker-to-worker connections, made on first use (lazy all_to_all), at join (eager
 * all_to_all, custom), or never (master_worker).
 *
 * One rule keeps two workers that call each other at the same moment to one connection: only
 * the higher pid opens a connection. A lower pid that needs a higher one asks the master, which
 * tells the higher pid to connect back; a higher pid that is already connecting just finishes.
 * Every connection is authenticated both ways with the cluster cookie, like the master's.
 *
 * Until the connection is up, a PendingLink (pending-link.ts) holds the messages, in order.
 *
 * @example
 * ```ts
 * import { addprocs, myid, remotecallFetch } from "distributed";
 * const [p, q] = await addprocs(2);
 * // worker p calls worker q: the two connect on first use
 * await remotecallFetch((q: number) => remotecallFetch(() => myid(), q), p, q); // q
 * ```
 * @module
 */
import {
  ConnectError,
  ConnectionLostError,
  ProcessExitedError,
  ProtocolError,
  RemoteError,
  TopologyError,
  toWireError,
} from "../errors.ts";
import { decode } from "../protocol/codec.ts";
import { MSG } from "../protocol/messages.ts";
import { connect } from "../runtime/net.ts";
import { authenticate } from "../transport/authenticate.ts";
import { Connection } from "../transport/connection.ts";
import { attachDispatch, registerHandler } from "./dispatch.ts";
import { PendingLink } from "./pending-link.ts";
import { type Link, peers } from "./peers.ts";
import { state } from "./state.ts";

/** How long a worker waits for a peer connection to come up. */
const CONNECT_TIMEOUT_MS = 30_000;
/**
 * How long a connection that failed waits for the master to say the peer is gone. A peer
 * killed while we connect resets the connection before the master has seen it die; its
 * PEER_GONE then fails the link with ProcessExitedError, which is what the callers must see.
 */
const GONE_GRACE_MS = 2_000;

const pending = new Map<number, PendingLink>();
const incoming = new Map<number, Array<(conn: Connection) => void>>();

/** Registers an authenticated worker-to-worker connection and serves it. */
function register(pid: number, conn: Connection): void {
  attachDispatch(conn);
  const lost = (reason: Error | undefined): string => (reason !== undefined ? `connection lost: ${reason.message}` : "connection lost");
  conn.closeError = (reason) =>
    new ProcessExitedError(pid, peers.goneDetail(pid) ?? lost(reason), reason !== undefined ? { cause: reason } : undefined);
  conn.onClose = (reason) => peers.remove(pid, lost(reason), reason);
  conn.startHeartbeat(state.heartbeat[0], state.heartbeat[1], state.heartbeat[2]);
  peers.add({ pid, conn, state: "running", gone: new Promise(() => {}) });
  pending.get(pid)?.resolve(conn);
  pending.delete(pid);
  for (const waiter of incoming.get(pid) ?? []) waiter(conn);
  incoming.delete(pid);
}

/** Called by the worker entry for an authenticated incoming connection from worker `pid`. */
export function acceptPeer(pid: number, conn: Connection): void {
  const existing = peers.get(pid);
  if (existing !== undefined && !existing.conn.closed) {
    // Cannot happen under the higher-pid-connects rule; keep the first and say why.
    conn.close(new ProtocolError(`it claims to be worker ${pid}, which is already connected`));
    return;
  }
  register(pid, conn);
}

/** Opens (as the higher pid) and authenticates a connection to worker `pid`. */
async function connectTo(pid: number, host: string, port: number): Promise<Connection> {
  const socket = await connect(host, port, CONNECT_TIMEOUT_MS);
  const conn = new Connection(socket, { maxFrameBytes: state.maxFrameBytes, label: `worker ${pid} (${host}:${port})` });
  const peerPid = await authenticate(conn, { role: "connector", cookie: state.cookie!, myPid: state.myid, timeoutMs: CONNECT_TIMEOUT_MS });
  if (peerPid !== pid) {
    conn.close();
    throw new ProtocolError(`Expected worker ${pid} at ${host}:${port}, found process ${peerPid}`);
  }
  register(pid, conn);
  return conn;
}

function waitIncoming(pid: number): Promise<Connection> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new ConnectError(`Worker ${pid} did not connect back within ${CONNECT_TIMEOUT_MS} ms`, {
            target: `worker ${pid}`,
            code: "ERR_CONNECT_TIMEOUT",
          }),
        ),
      CONNECT_TIMEOUT_MS,
    );
    const list = incoming.get(pid) ?? [];
    list.push((conn) => {
      clearTimeout(timer);
      resolve(conn);
    });
    incoming.set(pid, list);
  });
}

/** The worker-side dialer: a link to `pid` that connects in the background. */
function dial(pid: number): Link {
  const existing = pending.get(pid);
  if (existing !== undefined) return existing;
  if (state.topology === "master_worker") throw new TopologyError(state.myid, pid, state.topology);
  const link = new PendingLink(pid);
  pending.set(pid, link);
  const master = peers.connectionTo(1);
  const connecting = state.myid > pid
    ? master.request(MSG.PEER_LOOKUP, { pid }).then((a) => {
      const { host, port } = a as { host: string; port: number };
      return connectTo(pid, host, port);
    })
    : Promise.all([waitIncoming(pid), master.request(MSG.CONNECT_BACK, { pid })]).then(([conn]) => conn);
  connecting.then(
    (conn) => link.resolve(conn),
    (err: unknown) => {
      // Not a failure of its own: a non-Error rejection (none is expected) made usable as one.
      const error = err instanceof Error ? err : new Error(String(err));
      const fail = (e: Error): void => {
        if (pending.get(pid) === link) pending.delete(pid);
        link.fail(e);
      };
      const gone = peers.goneDetail(pid);
      if (gone !== undefined || exitedError(error)) {
        fail(new ProcessExitedError(pid, gone ?? "it exited while this worker connected to it"));
      } // The master's refusal (a topology that does not connect them) is its last word.
      else if (error instanceof RemoteError) fail(error);
      else setTimeout(() => fail(error), GONE_GRACE_MS);
    },
  );
  return link;
}

/** Whether `err` says the process is gone (the master's answer to a lookup or a connect-back). */
function exitedError(err: Error): boolean {
  const e = err as { code?: unknown; remote?: { code?: unknown } };
  return e.code === "ERR_PROCESS_EXITED" || e.remote?.code === "ERR_PROCESS_EXITED";
}

/** Worker side of CONNECT_TO: make sure a connection to lower pid `pid` exists (or is coming). */
export async function ensureConnected(pid: number, host: string, port: number): Promise<void> {
  const peer = peers.get(pid);
  if (peer !== undefined && !peer.conn.closed) return;
  let link = pending.get(pid);
  if (link === undefined) {
    link = new PendingLink(pid);
    pending.set(pid, link);
    const made = link;
    connectTo(pid, host, port).catch((err: unknown) => {
      pending.delete(pid);
      // Not a failure of its own: a non-Error rejection (none is expected) made usable as one.
      made.fail(err instanceof Error ? err : new Error(String(err)));
    });
  }
  await link.ready();
}

/** Installs the dialer (workers only). */
export function enableWorkerLinks(): void {
  peers.setDialer(dial);
}

registerHandler(MSG.CONNECT_TO, (conn, frame) => {
  const { pid, host, port } = decode(frame.body) as { pid: number; host: string; port: number };
  ensureConnected(pid, host, port).then(
    () => {
      if (!conn.closed) conn.respond(frame.id, null);
    },
    (err: unknown) => {
      if (!conn.closed) conn.respondError(frame.id, toWireError(err, state.myid));
    },
  );
});

registerHandler(MSG.MEMBERS, (_conn, frame) => {
  state.members = (decode(frame.body) as { workers: number[] }).workers;
});

registerHandler(MSG.PEER_GONE, (_conn, frame) => {
  const { pid, detail } = decode(frame.body) as { pid: number; detail: string };
  if (state.members !== null) state.members = state.members.filter((p) => p !== pid);
  const peer = peers.get(pid);
  if (peer !== undefined) peer.conn.close(new ConnectionLostError(detail, { peer: peer.conn.label }));
  else peers.markGone(pid, detail);
  pending.get(pid)?.fail(new ProcessExitedError(pid, detail));
  pending.delete(pid);
});
