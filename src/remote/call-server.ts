/**
 * Serves the calls other processes make to this one (CALL_FETCH, CALL_WAIT, CALL, REMOTE_DO):
 * runs each in its own promise chain, answers or settles the caller's Future, and lets
 * interrupt() reject the asynchronous calls in flight. The same code runs on the master and on
 * workers; the message router (src/cluster/dispatch.ts) hands these messages here.
 *
 * A synchronous function that returns a plain value is answered without any extra await (the
 * round-trip fast path).
 *
 * @example
 * ```ts
 * import { interruptRunningCalls } from "./call-server.ts";
 * interruptRunningCalls(); // every async call running here rejects with InterruptError
 * ```
 * @module
 */
import { InterruptError, toWireError } from "../errors.ts";
import { type CallBody, resolveCallable } from "../code/invoke.ts";
import { decode } from "../protocol/codec.ts";
import type { Frame } from "../protocol/frame.ts";
import { MSG, type RefId } from "../protocol/messages.ts";
import { assertSendable } from "../protocol/sendable.ts";
import { writeStderr } from "../runtime/host.ts";
import type { Connection } from "../transport/connection.ts";
import { dispatchHooks, registerHandler } from "../cluster/dispatch.ts";
import { state } from "../cluster/state.ts";
import { settleRef } from "./future.ts";
import { refKey, refs } from "./refs.ts";

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

/** Answers a request with an error; settles the caller's Future too, when the request made one. */
export function answerError(conn: Connection, frame: Frame, err: unknown, ref: RefId | undefined): void {
  const wire = toWireError(err, state.myid);
  if (ref !== undefined) settleRef(refKey(ref[0], ref[1]), false, err);
  if (!conn.closed) conn.respondError(frame.id, wire);
}

/** Answers a request with a value, or with the error that says why the value cannot be sent. */
export function reply(conn: Connection, id: number, value: unknown): void {
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
  writeStderr(
    `Error in remoteDo from ${conn.peerPid === 1 ? "the master" : `process ${conn.peerPid}`}: ${
      wire.stack || `${wire.name}: ${wire.message}`
    }\n`,
  );
}

registerHandler(MSG.CALL_FETCH, onCallRequest);
registerHandler(MSG.CALL_WAIT, onCallRequest);
registerHandler(MSG.CALL, onCallNotify);
registerHandler(MSG.REMOTE_DO, onCallNotify);
// INTERRUPT from the master, where the worker entry installed nothing else: fail the calls in flight.
dispatchHooks.onInterrupt = () => {
  interruptRunningCalls();
};
