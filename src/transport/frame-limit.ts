/**
 * The error that refuses a message larger than the peer accepts, in words a user can act on:
 * what the message carried, its size against the limit, and how to raise the limit or avoid it.
 *
 * @example
 * ```ts
 * throw payloadTooLarge(MSG.CALL, 300 << 20, 256 << 20, 2, "worker 2 (127.0.0.1:4567)");
 * // SerializationError ERR_PAYLOAD_TOO_LARGE: a call (its function and arguments) ... worker 2 accepts ...
 * ```
 * @module
 */
import { SerializationError } from "../errors.ts";
import { messageName, MSG } from "../protocol/messages.ts";

/**
 * The SerializationError (code ERR_PAYLOAD_TOO_LARGE) for a message of type `type` whose frame
 * of `bytes` bytes exceeds `limit`, the frame limit of the peer `peerPid` (named by `label`
 * before its handshake told its pid).
 */
export function payloadTooLarge(type: number, bytes: number, limit: number, peerPid: number, label: string): SerializationError {
  const peer = peerPid === 1 ? "the master" : peerPid > 1 ? `worker ${peerPid}` : label;
  const enough = `DISTRIBUTED_MAX_FRAME_BYTES=${Math.ceil((bytes * 1.25) / 1048576) * 1048576}`;
  return new SerializationError(
    messageWhat(type),
    `a message of ${sizeText(bytes)}, more than the ${sizeText(limit)} that ${peer} accepts (its DISTRIBUTED_MAX_FRAME_BYTES)`,
    `Raise the limit on the receiver (${
      peerPid === 1 ? `${enough} in the master's environment` : `e.g. addprocs(n, { env: { ${enough.replace("=", ': "')}" } })`
    }), ` +
      "or move the data through a SharedArray, or send it in chunks",
    "ERR_PAYLOAD_TOO_LARGE",
  );
}

/** What a message of type `type` carries, for the error that refuses it. */
function messageWhat(type: number): string {
  switch (type) {
    case MSG.CALL:
    case MSG.CALL_FETCH:
    case MSG.CALL_WAIT:
    case MSG.REMOTE_DO:
    case MSG.CHAN_NEW:
      return "a call (its function and arguments)";
    case MSG.RESULT_OK:
      return "the reply (the call's return value, or the value fetched or taken)";
    case MSG.RESULT_ERR:
      return "an error";
    case MSG.REF_PUT:
      return "the value put into a Future";
    case MSG.CHAN_OP:
      return "the value put into a RemoteChannel";
    default:
      return `a ${messageName(type)} message`;
  }
}

function sizeText(bytes: number): string {
  const mib = bytes / 1048576;
  return `${bytes} bytes${mib >= 0.1 ? ` (${mib.toFixed(1)} MiB)` : ""}`;
}
