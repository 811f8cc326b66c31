/**
 * Shared memory by id: a value on shared memory (SharedArray, Atomic) is encoded as the id of
 * its SharedArrayBuffer, never as its bytes. The buffers themselves travel beside the message
 * (postMessage hands them over to the receiving thread), which registers them here before it
 * decodes the message, so the decoder finds each buffer by the id the message names.
 *
 * Only a receiver that shares this process's memory (a thread) can take shared memory by id;
 * for any other receiver the encoder refuses, saying why. A value on a file mapped into memory
 * goes as a handle to the mapping instead (src/threads/shared-memory.ts), to its participants
 * only (checkMapTarget). encode()
 * tells this module, around each value, where the value is going.
 *
 * @example
 * ```ts
 * // Sender, while encoding for a thread: the value's encoder asks for the buffer's id.
 * const id = shareBuffer(buffer, "SharedArray"); // "k3f9x2ab:0", and [id, buffer] goes in Encoded.shared
 * // Receiver: the pairs arrive with the message and are registered before decoding it.
 * registerSharedBuffers(encoded.shared);
 * sharedBufferById(id) === buffer; // true
 * ```
 * @module
 */
import { type SharedMemoryCode, SharedMemoryError } from "../errors.ts";

/** Shared memory by id: the receiver registers it (registerSharedBuffers) before decoding. */
export type SharedPair = [id: string, buffer: SharedArrayBuffer];

/**
 * Where an encoded value is going: a process that shares this one's memory (a thread worker,
 * a pool thread, the master of a thread worker) receives shared memory by reference; anywhere
 * else it cannot go, and the error says why (`why`).
 */
export interface ShareTarget {
  sharesMemory: boolean;
  /** It can map a file of this host into its memory (a Bun process or thread here). */
  canMap?: boolean;
  /** Who it is, for the error: e.g. "worker 3". */
  describe: string;
  /** Its pid, when it is a process of the cluster. */
  pid?: number;
  /** Why it does not share this process's memory (default: it is a separate process). */
  why?: string;
  /** The SharedMemoryError code of `why`. */
  whyCode?: SharedMemoryCode;
}

// The value being encoded: the shared memory it carries so far, and where it is going.
// Null outside encode().
let outShared: SharedPair[] | null = null;
let outTarget: ShareTarget | null = null;

const sharedIds = new WeakMap<SharedArrayBuffer, string>();
const sharedById = new Map<string, SharedArrayBuffer>();
let nextSharedId = 0;
const isolateTag = Math.random().toString(36).slice(2, 10);

/**
 * @internal Called by encode() before it encodes a value: the shared memory the value's
 * encoders meet is collected into `into`, and allowed only if `target` shares this memory.
 */
export function beginSharing(into: SharedPair[], target: ShareTarget | null): void {
  outShared = into;
  outTarget = target;
}

/** @internal Called by encode() once the value is encoded (or failed): no value is being encoded. */
export function endSharing(): void {
  outShared = null;
  outTarget = null;
}

/**
 * @internal Called by the encoder of a value on a SharedArrayBuffer (a SharedArray or Atomic
 * shared with threads only): returns the memory's id for the wire, or throws a
 * SharedMemoryError when the receiver is a separate process (not one of its `participants`).
 */
export function shareBuffer(buffer: SharedArrayBuffer, what: string, participants?: readonly number[]): string {
  // Not encoding (assertSendable walking a value ahead of the call): nothing to decide yet.
  if (outShared === null) return "";
  if (outTarget === null || !outTarget.sharesMemory) {
    const to = outTarget?.describe ?? "another process";
    if (outTarget?.why !== undefined) {
      throw new SharedMemoryError(
        outTarget.whyCode ?? "ERR_SHARED_MEMORY_NOT_PARTICIPANT",
        `${what} cannot be sent to ${to}: ${outTarget.why}. Send a copy of its values instead.`,
      );
    }
    const among = participants !== undefined ? ` (${participants.join(", ")})` : "";
    throw new SharedMemoryError(
      "ERR_SHARED_MEMORY_NOT_PARTICIPANT",
      `${what} cannot be sent to ${to}: it is a separate process, not one of the participants${among}, which are fixed when the value is made. ` +
        "Make it after addprocs (its participants are then this process, its thread workers, and its worker processes on this host), or name the process in { pids }. " +
        "Send a copy of its values instead.",
    );
  }
  let id = sharedIds.get(buffer);
  if (id === undefined) {
    id = `${isolateTag}:${nextSharedId++}`;
    sharedIds.set(buffer, id);
    sharedById.set(id, buffer);
  }
  if (!outShared.some(([known]) => known === id)) outShared.push([id, buffer]);
  return id;
}

/**
 * @internal Called by the encoder of a value on memory mapped from /dev/shm (a SharedArray or
 * Atomic shared with worker processes): throws when the receiver is not one of the
 * `participants` and cannot map it.
 */
export function checkMapTarget(what: string, participants: readonly number[]): void {
  if (outShared === null) return;
  // A participant maps it by construction (it could when the value was made).
  if (outTarget?.pid !== undefined && participants.includes(outTarget.pid)) return;
  if (outTarget === null || outTarget.canMap !== true) {
    const to = outTarget?.describe ?? "another process";
    throw new SharedMemoryError(
      outTarget?.whyCode ?? "ERR_SHARED_MEMORY_NOT_PARTICIPANT",
      `${what} is memory mapped by its participants (${participants.join(", ")}), and ${to} cannot map it: ${
        outTarget?.why ?? "it is not a process on this host that can"
      }. Send a copy of its values instead.`,
    );
  }
}

/** @internal Makes shared memory that arrived alongside a message known by its id (before decoding it). */
export function registerSharedBuffers(pairs: readonly SharedPair[]): void {
  for (const [id, buffer] of pairs) {
    if (!sharedById.has(id)) {
      sharedById.set(id, buffer);
      sharedIds.set(buffer, id);
    }
  }
}

/** @internal The shared memory with this id (it arrived before the message that names it). */
export function sharedBufferById(id: string): SharedArrayBuffer {
  const buffer = sharedById.get(id);
  if (buffer === undefined) throw new TypeError(`Shared memory ${id} was named by a message but never handed over to this thread`);
  return buffer;
}
