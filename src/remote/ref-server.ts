/**
 * Serves the reference operations other processes send to this one, the owner of the
 * references it created: REF_FETCH, REF_WAIT, REF_READY and REF_PUT (answered), REF_ADD and
 * REF_DEL (the distributed reference count). The message router (src/cluster/dispatch.ts)
 * hands these messages here.
 *
 * @example
 * ```ts
 * import "./ref-server.ts"; // this process now answers f.fetch() for the Futures it owns
 * ```
 * @module
 */
import { toWireError, type WireError } from "../errors.ts";
import { decode } from "../protocol/codec.ts";
import type { Frame } from "../protocol/frame.ts";
import { MSG, type RefId } from "../protocol/messages.ts";
import type { Connection } from "../transport/connection.ts";
import { registerHandler } from "../cluster/dispatch.ts";
import { state } from "../cluster/state.ts";
import { answerError, reply } from "./call-server.ts";
import { alreadySet } from "./future.ts";
import { type RefEntry, refKey, refs } from "./refs.ts";

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

registerHandler(MSG.REF_FETCH, onRefRequest);
registerHandler(MSG.REF_WAIT, onRefRequest);
registerHandler(MSG.REF_READY, onRefRequest);
registerHandler(MSG.REF_PUT, onRefRequest);
registerHandler(MSG.REF_DEL, (conn, frame) => {
  for (const [[whence, id], n] of (decode(frame.body) as [Array<[RefId, number]>])[0]) {
    refs.removeClient(refKey(whence, id), conn.peerPid, n);
  }
});
registerHandler(MSG.REF_ADD, (_conn, frame) => {
  for (const [[whence, id], client] of (decode(frame.body) as [Array<[RefId, number]>])[0]) refs.addClient(refKey(whence, id), client);
});
