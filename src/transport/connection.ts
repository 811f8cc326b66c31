/**
 * One authenticated (or authenticating) connection to another process: frames in and out,
 * requests matched to responses, writes coalesced per microtask.
 *
 * The socket is kept referenced only while a request on it is pending (or when `keepAlive`),
 * so a master whose script has finished can exit instead of hanging on idle worker sockets.
 * The heartbeat (heartbeat.ts), the table of pending requests (requests.ts), the write queue
 * (write-queue.ts) and the words of the too-large error (frame-limit.ts) live beside it.
 *
 * Why one file: what is left is one socket's life: reading frames and routing them (responses,
 * pings, the backlog before a handler), sending with the size check, the hold count that refs
 * the socket, and close, which ends all of them; they share the closed flag, the socket and the
 * limits learned in the handshake.
 *
 * @example
 * ```ts
 * const conn = new Connection(socket, { maxFrameBytes: 1 << 30, label: "worker 2" });
 * conn.onFrame = (frame) => handle(frame);
 * const value = await conn.request(MSG.CALL_FETCH, [spec, args]);
 * ```
 * @module
 */
import { ConnectionLostError, ProtocolError, RemoteError, type WireError } from "../errors.ts";
import { decode, encode, type Encoded } from "../protocol/codec.ts";
import type { ShareTarget } from "../protocol/shared-memory-ids.ts";
import { encodeFrame, type Frame, frameBytes, FrameReader } from "../protocol/frame.ts";
import { MSG } from "../protocol/messages.ts";
import { writeStderr } from "../runtime/host.ts";
import type { ByteStream } from "../runtime/net.ts";
import { payloadTooLarge } from "./frame-limit.ts";
import { Heartbeat } from "./heartbeat.ts";
import { RequestTable } from "./requests.ts";
import { flushAllWrites, WriteQueue } from "./write-queue.ts";

/** Options for a Connection. */
export interface ConnectionOptions {
  /** Largest frame accepted once authenticated. */
  maxFrameBytes: number;
  /** How to name the peer in errors, e.g. "worker 3 (127.0.0.1:4567)". */
  label: string;
  /** Keep the process alive while this connection is open (a worker's link to its master). */
  keepAlive?: boolean;
}

const EMPTY: Encoded = { body: new Uint8Array([0xc0]), segments: [], handles: [], shared: [] };

/** Frames accepted before authentication are small: nobody unauthenticated can make us allocate. */
export const PREAUTH_MAX_FRAME_BYTES = 4096;
const NO_BYTES = new Uint8Array(0);

/** A framed, request/response connection over a socket. */
export class Connection {
  readonly label: string;
  /** The peer's pid, known after the handshake. */
  peerPid = 0;
  #handler: ((frame: Frame) => void) | null = null;
  #backlog: Frame[] = [];

  /**
   * Receives every frame that is not a response to one of our requests. While no handler is
   * set (null), frames are kept and handed over in order when one is: the first frames after a
   * handshake often arrive in the same read as its last message, before the new owner of the
   * connection has installed its handler.
   */
  get onFrame(): ((frame: Frame) => void) | null {
    return this.#handler;
  }

  set onFrame(handler: ((frame: Frame) => void) | null) {
    this.#handler = handler;
    while (handler !== null && this.#handler === handler && this.#backlog.length > 0 && !this.#closed) handler(this.#backlog.shift()!);
  }
  /** Called once when the connection is gone, with the reason if it broke. */
  onClose: (reason: Error | undefined) => void = () => {};
  /** Builds the error that pending requests reject with when the connection is lost. */
  closeError: (reason: Error | undefined) => Error = (reason) =>
    new ConnectionLostError(`Connection to ${this.label} closed${reason ? `: ${reason.message}` : ""}`, {
      peer: this.label,
      cause: reason,
    });

  #socket: ByteStream;
  #reader: FrameReader;
  #maxFrameBytes: number;
  /** The largest frame the peer accepts (told in its handshake; undefined: not told, no check). */
  #peerMaxFrameBytes: number | undefined;
  #requests = new RequestTable();
  #writes: WriteQueue;
  #closed = false;
  #authenticated = false;
  #holds = 0;
  #keepAlive: boolean;
  #heartbeat: Heartbeat;

  /**
   * Called with the handles (Future, RemoteChannel) a sent message carries, once it has been
   * encoded, so their owners can count the receiver as a holder. Set by the reference layer.
   */
  static handlesSent: ((dest: number, handles: Encoded["handles"]) => void) | null = null;
  /** Set by the cluster: whether process `dest` shares this one's memory (a thread worker). */
  static shareTarget: ((dest: number) => ShareTarget) | null = null;

  constructor(socket: ByteStream, options: ConnectionOptions) {
    this.#socket = socket;
    this.label = options.label;
    this.#maxFrameBytes = options.maxFrameBytes;
    this.#keepAlive = options.keepAlive ?? false;
    this.#reader = new FrameReader(PREAUTH_MAX_FRAME_BYTES);
    this.#heartbeat = new Heartbeat(this.label, socket, {
      ping: () => this.sendEncoded(MSG.PING, 0, EMPTY),
      lost: (reason) => this.close(reason),
      closed: () => this.#closed,
    });
    this.#writes = new WriteQueue(socket, () => this.#heartbeat.sent());
    if (!this.#keepAlive) socket.unref();
    socket.on("data", (chunk: Uint8Array) => this.#onData(chunk));
    // A socket handed over paused (after a proxy handshake, with early bytes put back) flows again here.
    socket.resume();
    // A peer that hung up mid-frame can surface as an error first (a late write after its
    // FIN fails): the unfinished frame is then the better reason.
    socket.on("error", (err: Error) => this.close(this.#unfinishedFrame() ?? err));
    socket.on("close", () => this.close(this.#unfinishedFrame()));
  }

  /** Whether the connection has closed. */
  get closed(): boolean {
    return this.#closed;
  }

  /** The largest frame this side accepts once authenticated (told to the peer in the handshake). */
  get maxFrameBytes(): number {
    return this.#maxFrameBytes;
  }

  /** The largest frame the peer accepts, if its handshake said. */
  get peerMaxFrameBytes(): number | undefined {
    return this.#peerMaxFrameBytes;
  }

  /**
   * Lifts the pre-authentication frame limit, and notes the peer's own limit: from then on a
   * message larger than that is refused here, before anything is written, instead of making
   * the peer drop the connection.
   */
  authenticated(peerPid: number, peerMaxFrameBytes?: number): void {
    this.peerPid = peerPid;
    this.#authenticated = true;
    this.#peerMaxFrameBytes = peerMaxFrameBytes;
    this.#reader.setMaxFrameBytes(this.#maxFrameBytes);
  }

  /** Keeps the process alive until the matching release(). */
  hold(): void {
    if (this.#holds++ === 0 && !this.#keepAlive && !this.#closed) this.#socket.ref();
  }

  /** Undoes one hold(). */
  release(): void {
    if (--this.#holds === 0 && !this.#keepAlive && !this.#closed) this.#socket.unref();
  }

  /**
   * Sends PING when idle for `intervalMs`, and closes the connection when nothing was heard for
   * `timeoutMs`, or for `hostTimeoutMs` while the peer's host stops acknowledging (see
   * heartbeat.ts). A timeout of 0 turns its check off.
   */
  startHeartbeat(intervalMs: number, timeoutMs: number, hostTimeoutMs = 0): void {
    this.#heartbeat.start(intervalMs, timeoutMs, hostTimeoutMs);
  }

  /** Sends an already-encoded message. Throws SerializationError if the peer would refuse its size. */
  sendEncoded(type: number, id: number, encoded: Encoded): void {
    if (this.#closed) throw this.closeError(undefined);
    this.checkSize(type, encoded);
    this.#enqueue(type, id, encoded);
  }

  /**
   * Encodes and sends a message. Throws (before sending anything) if the value cannot be
   * encoded, or if its frame is larger than the peer accepts.
   */
  send(type: number, id: number, value: unknown): void {
    const encoded = encodeFor(this.peerPid, value, (e) => this.checkSize(type, e));
    if (this.#closed) throw this.closeError(undefined);
    this.#enqueue(type, id, encoded);
  }

  /** Sends a request and resolves with the response value (RESULT_ERR rejects with RemoteError). */
  request(type: number, value: unknown): Promise<unknown> {
    let encoded: Encoded;
    try {
      encoded = encodeFor(this.peerPid, value, (e) => this.checkSize(type, e));
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#requestSized(type, encoded);
  }

  /** Like request, for an already-encoded body. Never throws: every failure rejects. */
  requestEncoded(type: number, encoded: Encoded): Promise<unknown> {
    if (this.#closed) return Promise.reject(this.closeError(undefined));
    try {
      this.checkSize(type, encoded);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#requestSized(type, encoded);
  }

  /** A request whose size was checked. */
  #requestSized(type: number, encoded: Encoded): Promise<unknown> {
    if (this.#closed) return Promise.reject(this.closeError(undefined));
    const { id, promise } = this.#requests.add();
    this.hold();
    this.#enqueue(type, id, encoded);
    return promise;
  }

  /** Queues a checked message's frame for the next flush. */
  #enqueue(type: number, id: number, encoded: Encoded): void {
    // Shared memory goes first, by reference, so it is known when the frame naming it arrives.
    if (encoded.shared.length > 0) {
      if (this.#socket.share === undefined) throw new ProtocolError(`${this.label} cannot receive shared memory`);
      this.#socket.share(encoded.shared);
    }
    for (const chunk of encodeFrame(type, id, encoded.body, encoded.segments)) this.#writes.push(chunk);
    this.#writes.schedule();
  }

  /** Answers request `id` with a value. */
  respond(id: number, value: unknown): void {
    this.send(MSG.RESULT_OK, id, value);
  }

  /** Answers request `id` with an error. */
  respondError(id: number, error: WireError): void {
    this.send(MSG.RESULT_ERR, id, error);
  }

  /**
   * Throws SerializationError (code ERR_PAYLOAD_TOO_LARGE) when a message of type `type` with
   * this encoding would exceed the peer's frame limit: the peer would close the connection on
   * it, failing every call in flight with a bare "connection lost".
   */
  checkSize(type: number, encoded: Encoded): void {
    const limit = this.#peerMaxFrameBytes;
    if (limit === undefined) return;
    const bytes = frameBytes(encoded.body.byteLength, encoded.segments);
    if (bytes > limit) throw payloadTooLarge(type, bytes, limit, this.peerPid, this.label);
  }

  /** Closes the connection; pending requests reject with closeError(reason). Idempotent. */
  close(reason?: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#heartbeat.stop();
    this.#writes.flush();
    this.#socket.end();
    // Give the final frames a moment to leave, then make sure the socket is gone.
    const timer = setTimeout(() => this.#socket.destroy(), 1000);
    (timer as { unref?: () => void }).unref?.();
    this.#requests.rejectAll(this.closeError(reason));
    this.#socket.unref();
    if (reason instanceof ProtocolError && this.#authenticated) this.#report(reason);
    this.onClose(reason);
  }

  /**
   * Says on stderr why this side dropped an authenticated peer that broke the protocol: the
   * peer only sees the connection close, and nothing else would tell a user why. Once per
   * connection, and never in a healthy cluster. (Refusals during the handshake are reported
   * by whoever awaited it: the worker's listener, or the error of addprocs.)
   */
  #report(reason: ProtocolError): void {
    const who = this.label.startsWith(`worker ${this.peerPid} `) || this.peerPid === 0 ? this.label : `${this.label} (pid ${this.peerPid})`;
    const why = reason.message.startsWith(`${this.label} `) ? `it ${reason.message.slice(this.label.length + 1)}` : reason.message;
    writeStderr(`Closed the connection to ${who}: ${why}\n`);
  }

  /** The reason to give when the peer hangs up in the middle of a frame (else undefined). */
  #unfinishedFrame(): ProtocolError | undefined {
    const have = this.#reader.buffered;
    if (have === 0) return undefined;
    return new ProtocolError(
      `${this.label} closed the connection in the middle of a frame (${have} bytes of it had arrived)`,
      "ERR_BAD_FRAME",
    );
  }

  /**
   * Writes every connection's queued frames now. Work about to run synchronously on this
   * process calls it first, so the calls just sent to other processes start at the same time
   * instead of after that work.
   */
  static flushAll(): void {
    flushAllWrites();
  }

  #onData(chunk: Uint8Array): void {
    this.#heartbeat.heard();
    // A read may hold the handshake's last message and, behind it, a frame larger than the
    // pre-authentication limit (a worker that sends a large message as soon as a new link is
    // up): the reader stops before it, and goes on once the handshake has lifted the limit.
    for (let next = chunk; !this.#closed; next = NO_BYTES) {
      let frames: Frame[];
      try {
        frames = this.#reader.push(next);
      } catch (err) {
        this.close(err as Error);
        return;
      }
      for (const frame of frames) {
        if (this.#closed) return;
        if (frame.type === MSG.RESULT_OK || frame.type === MSG.RESULT_ERR) this.#onResponse(frame);
        else if (frame.type === MSG.PING) continue;
        else if (this.#handler !== null) this.#handler(frame);
        else this.#backlog.push(frame);
      }
      if (!this.#reader.deferred) return;
    }
  }

  #onResponse(frame: Frame): void {
    const pending = this.#requests.take(frame.id);
    if (pending === undefined) {
      this.close(new ProtocolError(`${this.label} answered request ${frame.id}, which was never sent`));
      return;
    }
    this.release();
    let value: unknown;
    try {
      value = decode(frame.body, frame);
    } catch (err) {
      pending.reject(err as Error);
      return;
    }
    if (frame.type === MSG.RESULT_OK) pending.resolve(value);
    else pending.reject(new RemoteError((value as WireError).pid ?? this.peerPid, value as WireError));
  }
}

/**
 * Encodes a message for process `dest`; if it carries handles (Future, RemoteChannel), their
 * owners are told first that `dest` now holds them. Throws before anything is sent: `check`
 * (e.g. the receiver's size limit) runs before the owners are told.
 */
export function encodeFor(dest: number, value: unknown, check?: (encoded: Encoded) => void): Encoded {
  const encoded = encode(value, Connection.shareTarget?.(dest) ?? null);
  check?.(encoded);
  if (encoded.handles.length > 0) Connection.handlesSent?.(dest, encoded.handles);
  return encoded;
}
