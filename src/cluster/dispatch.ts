/**
 * The message router: every frame another process sends to this one comes here and goes to
 * the handler registered for its type. The modules that serve a kind of message register
 * their handlers when they load: calls and references (src/remote/call-server.ts,
 * ref-server.ts), channels (src/remote/channel-owner.ts), pools (src/remote/pool-link.ts),
 * links and the directory (this folder). The worker entry sets the hooks for JOIN, EXIT and
 * INTERRUPT. The same code runs on the master and on workers.
 *
 * The router also enforces who may send what: messages only the master sends, and requests
 * only the master answers.
 *
 * @example
 * ```ts
 * registerHandler(MSG.CHAN_OP, (conn, frame) => serveChannelOp(conn, frame));
 * attachDispatch(conn); // conn's frames now reach the registered handlers
 * ```
 * @module
 */
import { ProtocolError, toWireError } from "../errors.ts";
import type { Frame } from "../protocol/frame.ts";
import { messageName, MSG } from "../protocol/messages.ts";
import type { Connection } from "../transport/connection.ts";
import { state } from "./state.ts";

/** Hooks the worker entry installs for JOIN, EXIT and INTERRUPT. */
export const dispatchHooks = {
  onJoin: (conn: Connection, _frame: Frame): void => {
    conn.close(new ProtocolError(`${conn.label} sent JOIN to a process that is not a fresh worker`));
  },
  onExit: (_conn: Connection): void => {},
  /** INTERRUPT arrived (src/remote/call-server.ts fails the calls in flight; the worker entry raises SIGINT on itself, as a Ctrl-C would). */
  onInterrupt: (): void => {},
};

/** Serves one message type. */
export type Handler = (conn: Connection, frame: Frame) => void;
/** Handlers by message type (a dense table: message types are small integers). */
const handlers: Array<Handler | undefined> = [];

/**
 * @internal Lets the modules that serve a message type (calls, references, channels, pools,
 * links) register their handler. One handler per type: a second registration is a bug.
 */
export function registerHandler(type: number, handler: Handler): void {
  // A plain Error: two modules of this package claiming one message type is a bug here, found at load.
  if (handlers[type] !== undefined) {
    throw new Error(`A handler for ${messageName(type)} is already registered (two modules serve the same message type)`);
  }
  handlers[type] = handler;
}

/** Routes a connection's frames to the registered handlers. */
export function attachDispatch(conn: Connection): void {
  conn.onFrame = (frame) => dispatch(conn, frame);
}

/** Messages only the master sends; from any other process they are a protocol violation. */
const FROM_MASTER_ONLY: ReadonlySet<number> = new Set([MSG.JOIN, MSG.EXIT, MSG.INTERRUPT, MSG.CONNECT_TO, MSG.PEER_GONE]);
/** Requests only the master answers (it alone knows where every worker listens). */
const TO_MASTER_ONLY: ReadonlySet<number> = new Set([MSG.PEER_LOOKUP, MSG.CONNECT_BACK]);

/** Message types that are requests (answered with RESULT_OK or RESULT_ERR). */
const REQUESTS: ReadonlySet<number> = new Set([
  MSG.JOIN,
  MSG.CALL_FETCH,
  MSG.CALL_WAIT,
  MSG.REF_FETCH,
  MSG.REF_WAIT,
  MSG.REF_READY,
  MSG.REF_PUT,
  MSG.CHAN_OP,
  MSG.PEER_LOOKUP,
  MSG.CONNECT_BACK,
  MSG.CONNECT_TO,
]);

function dispatch(conn: Connection, frame: Frame): void {
  // A worker obeys EXIT, JOIN, PEER_GONE... from its master only: another worker (or anything
  // else holding the cookie) sending them is confused, and obeying would stop or rename this one.
  if (FROM_MASTER_ONLY.has(frame.type) && conn.peerPid !== 1) {
    return conn.close(new ProtocolError(`${conn.label} sent ${messageName(frame.type)}, which only the master (pid 1) sends`));
  }
  if (TO_MASTER_ONLY.has(frame.type) && state.myid !== 1) {
    return conn.close(new ProtocolError(`${conn.label} sent ${messageName(frame.type)}, which only the master (pid 1) answers`));
  }
  try {
    route(conn, frame);
  } catch (err) {
    // A body that is not what its type says (handlers trust the shape once decoded). A request
    // is answered with the error, like any failed request. A notification has nobody waiting
    // for an answer: say why here and drop the connection, as for a malformed frame, since a
    // peer that sends it is not speaking this protocol.
    const bad = new ProtocolError(
      `${conn.label} sent a malformed ${messageName(frame.type)} message: ${(err as Error)?.message ?? String(err)}`,
    );
    if (REQUESTS.has(frame.type) && frame.id !== 0 && !conn.closed) conn.respondError(frame.id, toWireError(bad, state.myid));
    else conn.close(bad);
  }
}

function route(conn: Connection, frame: Frame): void {
  switch (frame.type) {
    case MSG.JOIN:
      return dispatchHooks.onJoin(conn, frame);
    case MSG.EXIT:
      return dispatchHooks.onExit(conn);
    case MSG.INTERRUPT:
      return dispatchHooks.onInterrupt();
    default: {
      const handler = handlers[frame.type];
      if (handler !== undefined) return handler(conn, frame);
      conn.close(new ProtocolError(`${conn.label} sent an unexpected ${messageName(frame.type)} message`));
    }
  }
}
