/**
 * Serves the messages other processes send to this one: calls, reference operations, and the
 * worker's JOIN/EXIT. The same code runs on the master and on workers.
 *
 * Each call runs in its own promise chain; a synchronous function that returns a plain value
 * is answered without any extra await (the round-trip fast path).
 *
 * @example
 * ```ts
 * attachDispatch(conn); // conn now answers CALL_FETCH, REF_FETCH, ...
 * ```
 * @module
 */
import { InterruptError, ProtocolError, toWireError, type WireError } from "../errors.ts";
import { resolveCallable, type CallBody } from "../code/invoke.ts";
import { decode } from "../protocol/codec.ts";
import type { Frame } from "../protocol/frame.ts";
import { MSG, messageName, type RefId } from "../protocol/messages.ts";
import { assertSendable } from "../protocol/sendable.ts";
import { writeStderr } from "../runtime/host.ts";
import type { Connection } from "../transport/connection.ts";
import { alreadySet, settleRef } from "../remote/future.ts";
import { refKey, refs, type RefEntry } from "../remote/refs.ts";
import { state } from "./state.ts";

/** Hooks the worker entry installs for JOIN and EXIT. */
export const dispatchHooks = {
  onJoin: (conn: Connection, _frame: Frame): void => {
    conn.close(new ProtocolError(`${conn.label} sent JOIN to a process that is not a fresh worker`));
  },
  onExit: (_conn: Connection): void => {},
  /** INTERRUPT arrived (the worker entry raises SIGINT on itself, as a Ctrl-C would). */
  onInterrupt: (): void => {
    interruptRunningCalls();
  },
};

type Handler = (conn: Connection, frame: Frame) => void;
const extraHandlers = new Map<number, Handler>();

/** @internal Lets other modules (links, channels, references) serve their own message types. */
export function registerHandler(type: number, handler: Handler): void {
  extraHandlers.set(type, handler);
}

/** Routes a connection's frames to this module. */
export function attachDispatch(conn: Connection): void {
  conn.onFrame = (frame) => dispatch(conn, frame);
}

/** Messages only the master sends; from any other process they are a protocol violation. */
const FROM_MASTER_ONLY: ReadonlySet<number> = new Set([MSG.JOIN, MSG.EXIT, MSG.INTERRUPT, MSG.CONNECT_TO, MSG.PEER_GONE]);
/** Requests only the master answers (it alone knows where every worker listens). */
const TO_MASTER_ONLY: ReadonlySet<number> = new Set([MSG.PEER_LOOKUP, MSG.CONNECT_BACK]);

/** Message types that are requests (answered with RESULT_OK or RESULT_ERR). */
const REQUESTS: ReadonlySet<number> = new Set([MSG.JOIN, MSG.CALL_FETCH, MSG.CALL_WAIT, MSG.REF_FETCH, MSG.REF_WAIT, MSG.REF_READY, MSG.REF_PUT, MSG.CHAN_OP, MSG.PEER_LOOKUP, MSG.CONNECT_BACK, MSG.CONNECT_TO]);

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
    const bad = new ProtocolError(`${conn.label} sent a malformed ${messageName(frame.type)} message: ${(err as Error)?.message ?? String(err)}`);
    if (REQUESTS.has(frame.type) && frame.id !== 0 && !conn.closed) conn.respondError(frame.id, toWireError(bad, state.myid));
    else conn.close(bad);
  }
}

function route(conn: Connection, frame: Frame): void {
  switch (frame.type) {
    case MSG.CALL_FETCH:
    case MSG.CALL_WAIT:
      return onCallRequest(conn, frame);
    case MSG.CALL:
    case MSG.REMOTE_DO:
      return onCallNotify(conn, frame);
    case MSG.REF_FETCH:
    case MSG.REF_WAIT:
    case MSG.REF_READY:
    case MSG.REF_PUT:
      return onRefRequest(conn, frame);
    case MSG.REF_DEL:
      for (const [[whence, id], n] of (decode(frame.body) as [Array<[RefId, number]>])[0]) refs.removeClient(refKey(whence, id), conn.peerPid, n);
      return;
    case MSG.REF_ADD:
      for (const [[whence, id], client] of (decode(frame.body) as [Array<[RefId, number]>])[0]) refs.addClient(refKey(whence, id), client);
      return;
    case MSG.JOIN:
      return dispatchHooks.onJoin(conn, frame);
    case MSG.EXIT:
      return dispatchHooks.onExit(conn);
    case MSG.INTERRUPT:
      return dispatchHooks.onInterrupt();
    default: {
      const handler = extraHandlers.get(frame.type);
      if (handler !== undefined) return handler(conn, frame);
      conn.close(new ProtocolError(`${conn.label} sent an unexpected ${messageName(frame.type)} message`));
    }
  }
}

// --- interrupts: reject the async calls in flight (a busy synchronous loop cannot be preempted) ---
const inFlight = new Set<(err: Error) => void>();

/** Makes every asynchronous call running here fail with InterruptError. Returns how many. */
export function interruptRunningCalls(): number {
  const n = inFlight.size;
  const err = new InterruptError(`The call was interrupted on process ${state.myid}`);
  for (const reject of [...inFlight]) reject(err);
  return n;
}

function interruptible(promise: Promise<unknown>): Promise<unknown> {
  return new Promise((resolve, reject) => {
    inFlight.add(reject);
    promise.then(
      (v) => {
        inFlight.delete(reject);
        resolve(v);
      },
      (e) => {
        inFlight.delete(reject);
        reject(e);
      },
    );
  });
}

/** Runs a decoded call; returns the value or a promise of it. Throws synchronously on sync errors. */
function run(body: CallBody): unknown {
  const callable = resolveCallable(body);
  if (callable instanceof Promise) return interruptible(callable.then(([fn, args]) => fn(...args)));
  const [fn, args] = callable;
  const result = fn(...args);
  return result instanceof Promise ? interruptible(result) : result;
}

function onCallRequest(conn: Connection, frame: Frame): void {
  let result: unknown;
  let body: CallBody;
  try {
    body = decode(frame.body, frame) as CallBody;
    if (frame.type === MSG.CALL_WAIT) holdForCaller(conn, body[2]!);
    result = run(body);
  } catch (err) {
    return answerError(conn, frame, err, frame.type === MSG.CALL_WAIT ? bodyRef(frame) : undefined);
  }
  if (result instanceof Promise) {
    result.then(
      (value) => answer(conn, frame, value, body[2]),
      (err) => answerError(conn, frame, err, body[2]),
    );
  } else {
    answer(conn, frame, result, body[2]);
  }
}

function answer(conn: Connection, frame: Frame, value: unknown, ref: RefId | undefined): void {
  if (frame.type === MSG.CALL_WAIT) {
    settleRef(refKey(ref![0], ref![1]), true, value);
    reply(conn, frame.id, null);
    return;
  }
  reply(conn, frame.id, value);
}

function answerError(conn: Connection, frame: Frame, err: unknown, ref: RefId | undefined): void {
  const wire = toWireError(err, state.myid);
  if (ref !== undefined) settleRef(refKey(ref[0], ref[1]), false, err);
  if (!conn.closed) conn.respondError(frame.id, wire);
}

function reply(conn: Connection, id: number, value: unknown): void {
  if (conn.closed) return;
  try {
    assertSendable(value, "the return value");
    conn.respond(id, value);
  } catch (err) {
    conn.respondError(id, toWireError(err, state.myid));
  }
}

function bodyRef(frame: Frame): RefId | undefined {
  try {
    return (decode(frame.body, frame) as CallBody)[2];
  } catch {
    return undefined;
  }
}

function onCallNotify(conn: Connection, frame: Frame): void {
  const isDo = frame.type === MSG.REMOTE_DO;
  let key: string | undefined;
  const fail = (err: unknown): void => {
    if (key !== undefined) settleRef(key, false, err);
    else if (isDo) reportRemoteDoError(conn, err);
  };
  try {
    const body = decode(frame.body, frame) as CallBody;
    if (!isDo) key = holdForCaller(conn, body[2]!);
    const result = run(body);
    if (result instanceof Promise) {
      result.then((value) => {
        if (key !== undefined) settleRef(key, true, value);
      }, fail);
    } else if (key !== undefined) {
      settleRef(key, true, result);
    }
  } catch (err) {
    // A body that could not be decoded (an argument of a class not registered here) still
    // names its Future in the frame id: fail it, or the caller's fetch would wait forever.
    if (key === undefined && !isDo && frame.id !== 0) key = holdForCaller(conn, [conn.peerPid, frame.id]);
    fail(err);
  }
}

/** The result of a call stays here, held by its caller until fetched or released. */
function holdForCaller(conn: Connection, ref: RefId): string {
  const key = refKey(ref[0], ref[1]);
  refs.create(key, { running: true });
  refs.addClient(key, conn.peerPid);
  return key;
}

function reportRemoteDoError(conn: Connection, err: unknown): void {
  const wire = toWireError(err);
  writeStderr(`Error in remoteDo from ${conn.peerPid === 1 ? "the master" : `process ${conn.peerPid}`}: ${wire.stack || `${wire.name}: ${wire.message}`}\n`);
}

function onRefRequest(conn: Connection, frame: Frame): void {
  let ref: RefId;
  let rest: unknown[];
  try {
    [ref, ...rest] = decode(frame.body, frame) as [RefId, ...unknown[]];
  } catch (err) {
    return answerError(conn, frame, err, undefined);
  }
  const key = refKey(ref[0], ref[1]);
  if (frame.type === MSG.REF_READY) return reply(conn, frame.id, (refs.get(key)?.state ?? 0) !== 0);
  if (frame.type === MSG.REF_PUT) {
    if (refs.settle(key, true, rest[0])) return reply(conn, frame.id, null);
    return conn.respondError(frame.id, toWireError(alreadySet({ where: state.myid, whence: ref[0], id: ref[1] }), state.myid));
  }
  const onReady = (entry: RefEntry): void => {
    if (entry.state === 1) reply(conn, frame.id, frame.type === MSG.REF_WAIT ? null : entry.value);
    else if (!conn.closed) conn.respondError(frame.id, entry.value as WireError);
    // The value is on its way to the fetcher, who holds it from now on.
    if (rest[0] === true) refs.removeClient(key, conn.peerPid);
  };
  void refs.during(key, async () => onReady(await refs.whenReady(key)));
}
