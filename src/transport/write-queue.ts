/**
 * A connection's outgoing frames, coalesced per microtask: the frames queued during one turn of
 * the event loop leave in one write (small ones merged into one buffer, large ones written as
 * they are, without a copy). `flushAllWrites()` writes every queue now.
 *
 * @example
 * ```ts
 * const writes = new WriteQueue(socket, () => heartbeat.sent());
 * for (const chunk of encodeFrame(MSG.CALL, id, body, segments)) writes.push(chunk);
 * writes.schedule();   // written at the end of this microtask, with whatever else is queued
 * ```
 * @module
 */
import { isScratch, releaseScratch } from "../protocol/scratch.ts";
import type { ByteStream } from "../runtime/net.ts";

/** Queued frames merged into one write up to this many bytes. */
const MERGE_BYTES = 256 * 1024;

/** Queues with frames not yet written. */
const unflushed = new Set<WriteQueue>();

/**
 * Writes every connection's queued frames now. Work about to run synchronously on this process
 * calls it first, so the calls just sent to other processes start at the same time instead of
 * after that work.
 */
export function flushAllWrites(): void {
  for (const queue of [...unflushed]) queue.flush();
}

/** The frames waiting to be written to one socket. */
export class WriteQueue {
  readonly #socket: ByteStream;
  readonly #onWrite: () => void;
  #chunks: Uint8Array[] = [];
  #bytes = 0;
  #scheduled = false;

  /** `onWrite` is called each time queued bytes are written. */
  constructor(socket: ByteStream, onWrite: () => void) {
    this.#socket = socket;
    this.#onWrite = onWrite;
  }

  /** Adds a chunk of a frame (written by the next flush). */
  push(chunk: Uint8Array): void {
    this.#chunks.push(chunk);
    this.#bytes += chunk.byteLength;
  }

  /** Flushes at the end of this microtask, unless a flush is scheduled already. */
  schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    unflushed.add(this);
    queueMicrotask(() => this.flush());
  }

  /** Writes the queued chunks now. */
  flush(): void {
    this.#scheduled = false;
    unflushed.delete(this);
    const queue = this.#chunks;
    if (queue.length === 0 || this.#socket.destroyed) return;
    this.#chunks = [];
    const bytes = this.#bytes;
    this.#bytes = 0;
    this.#onWrite();
    if (queue.length === 1) {
      const only = queue[0]!;
      if (isScratch(only)) this.#socket.write(only, () => releaseScratch(only));
      else this.#socket.write(only);
    } else if (bytes <= MERGE_BYTES) {
      const merged = new Uint8Array(bytes);
      let at = 0;
      for (const chunk of queue) {
        merged.set(chunk, at);
        at += chunk.byteLength;
      }
      this.#socket.write(merged);
    } else {
      // Separate writes, not cork()+writev: Bun's writev joins the chunks into one new buffer
      // (a 128 MiB copy). Pooled copies go back to the pool once written.
      for (const chunk of queue) {
        if (isScratch(chunk)) this.#socket.write(chunk, () => releaseScratch(chunk));
        else this.#socket.write(chunk);
      }
    }
  }
}
