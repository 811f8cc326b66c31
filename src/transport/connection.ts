/**
 * One authenticated (or authenticating) connection to another process: frames in and out,
 * requests matched to responses, writes coalesced per microtask.
 *
 * The socket is kept referenced only while a request on it is pending (or when `keepAlive`),
 * so a master whose script has finished can exit instead of hanging on idle worker sockets.
 *
 * @example
 * ```ts
 * const conn = new Connection(socket, { maxFrameBytes: 1 << 30, label: "worker 2" });
 * conn.onFrame = (frame) => handle(frame);
 * const value = await conn.request(MSG.CALL_FETCH, [spec, args]);
 * ```
 * @module
 */
import { ConnectionLostError, ProtocolError, RemoteError, SerializationError, type WireError } from "../errors.ts";
import { decode, encode, type Encoded } from "../protocol/codec.ts";
import type { ShareTarget } from "../protocol/shared-memory-ids.ts";
import { encodeFrame, frameBytes, FrameReader, type Frame } from "../protocol/frame.ts";
import { MSG, messageName } from "../protocol/messages.ts";
import { isScratch, releaseScratch } from "../protocol/scratch.ts";
import { writeStderr } from "../runtime/host.ts";
import type { ByteStream } from "../runtime/net.ts";
import { peerHostUnreachable } from "../runtime/tcp-state.ts";

/** Options for a Connection. */
export interface ConnectionOptions {
  /** Largest frame accepted once authenticated. */
  maxFrameBytes: number;
  /** How to name the peer in errors, e.g. "worker 3 (127.0.0.1:4567)". */
  label: string;
  /** Keep the process alive while this connection is open (a worker's link to its master). */
  keepAlive?: boolean;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

const EMPTY: Encoded = { body: new Uint8Array([0xc0]), segments: [], handles: [], shared: [] };

/** Frames accepted before authentication are small: nobody unauthenticated can make us allocate. */
export const PREAUTH_MAX_FRAME_BYTES = 4096;

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
    new ConnectionLostError(`Connection to ${this.label} closed${reason ? `: ${reason.message}` : ""}`, { peer: this.label, cause: reason });

  #socket: ByteStream;
  #reader: FrameReader;
  #maxFrameBytes: number;
  /** The largest frame the peer accepts (told in its handshake; undefined: not told, no check). */
  #peerMaxFrameBytes: number | undefined;
  #pending = new Map<number, Pending>();
  #nextId = 1;
  #queue: Uint8Array[] = [];
  #queuedBytes = 0;
  #flushScheduled = false;
  /** Connections with frames queued but not yet written. */
  static readonly #unflushed = new Set<Connection>();
  #closed = false;
  #authenticated = false;
  #holds = 0;
  #keepAlive: boolean;
  #lastReceived = Date.now();
  #lastSent = Date.now();
  #heartbeat: ReturnType<typeof setInterval> | undefined;

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
   * Sends PING when idle for `intervalMs`, and closes the connection when the peer is gone:
   * - nothing heard for `hostTimeoutMs` and the peer's host no longer acknowledges our bytes
   *   (the kernel's view, see src/runtime/tcp-state.ts): a crashed, unplugged or partitioned
   *   host. A busy peer's kernel still acknowledges, so this never fires on a long call;
   * - nothing heard at all for `timeoutMs`: a hung or stopped process (the peer may also be
   *   busy in a long synchronous call, which cannot answer, so this one is long by default).
   * A timeout of 0 turns its check off. When this process itself was too busy to run the
   * timer, the silence is its own doing and is forgiven. Timers never keep the process alive.
   */
  startHeartbeat(intervalMs: number, timeoutMs: number, hostTimeoutMs = 0): void {
    clearInterval(this.#heartbeat);
    if (!(intervalMs > 0)) return;
    const checks = [intervalMs, timeoutMs > 0 ? timeoutMs / 2 : intervalMs, hostTimeoutMs > 0 ? hostTimeoutMs / 4 : intervalMs];
    const tick = Math.max(10, Math.min(...checks));
    let lastTick = Date.now();
    this.#heartbeat = setInterval(() => {
      const now = Date.now();
      // This process was blocked (a long synchronous section): bytes may be waiting unread.
      if (now - lastTick > tick * 3 + 1000) this.#lastReceived = Math.max(this.#lastReceived, now - tick);
      lastTick = now;
      const silent = now - this.#lastReceived;
      if (hostTimeoutMs > 0 && silent > hostTimeoutMs && peerHostUnreachable(this.#socket) === true) {
        this.close(
          new ConnectionLostError(`the host of ${this.label} stopped acknowledging: nothing heard for ${silent} ms and our bytes go unacknowledged (host timeout ${hostTimeoutMs} ms)`, {
            peer: this.label,
            code: "ERR_HOST_TIMEOUT",
          }),
        );
      } else if (timeoutMs > 0 && silent > timeoutMs) {
        this.close(new ConnectionLostError(`nothing heard from ${this.label} for ${silent} ms (heartbeat timeout ${timeoutMs} ms)`, { peer: this.label, code: "ERR_HEARTBEAT_TIMEOUT" }));
      } else if (now - this.#lastSent >= intervalMs && !this.#closed) {
        this.sendEncoded(MSG.PING, 0, EMPTY);
      }
    }, tick);
    (this.#heartbeat as { unref?: () => void }).unref?.();
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
    const id = this.#nextId;
    this.#nextId = this.#nextId >= 0xfffffffe ? 1 : this.#nextId + 1;
    const promise = new Promise<unknown>((resolve, reject) => this.#pending.set(id, { resolve, reject }));
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
    for (const chunk of encodeFrame(type, id, encoded.body, encoded.segments)) {
      this.#queue.push(chunk);
      this.#queuedBytes += chunk.byteLength;
    }
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      Connection.#unflushed.add(this);
      queueMicrotask(() => this.#flush());
    }
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
    if (bytes <= limit) return;
    const peer = this.peerPid === 1 ? "the master" : this.peerPid > 1 ? `worker ${this.peerPid}` : this.label;
    const enough = `DISTRIBUTED_MAX_FRAME_BYTES=${Math.ceil((bytes * 1.25) / 1048576) * 1048576}`;
    throw new SerializationError(
      messageWhat(type),
      `a message of ${sizeText(bytes)}, more than the ${sizeText(limit)} that ${peer} accepts (its DISTRIBUTED_MAX_FRAME_BYTES)`,
      `Raise the limit on the receiver (${this.peerPid === 1 ? `${enough} in the master's environment` : `e.g. addprocs(n, { env: { ${enough.replace("=", ': "')}" } })`}), ` +
        "or move the data through a SharedArray, or send it in chunks",
      "ERR_PAYLOAD_TOO_LARGE",
    );
  }

  /** Closes the connection; pending requests reject with closeError(reason). Idempotent. */
  close(reason?: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#heartbeat);
    this.#flush();
    this.#socket.end();
    // Give the final frames a moment to leave, then make sure the socket is gone.
    const timer = setTimeout(() => this.#socket.destroy(), 1000);
    (timer as { unref?: () => void }).unref?.();
    const error = this.closeError(reason);
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) p.reject(error);
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
    return new ProtocolError(`${this.label} closed the connection in the middle of a frame (${have} bytes of it had arrived)`, "ERR_BAD_FRAME");
  }

  /**
   * Writes every connection's queued frames now. Work about to run synchronously on this
   * process calls it first, so the calls just sent to other processes start at the same time
   * instead of after that work.
   */
  static flushAll(): void {
    for (const conn of [...Connection.#unflushed]) conn.#flush();
  }

  #flush(): void {
    this.#flushScheduled = false;
    Connection.#unflushed.delete(this);
    const queue = this.#queue;
    if (queue.length === 0 || this.#socket.destroyed) return;
    this.#queue = [];
    const bytes = this.#queuedBytes;
    this.#queuedBytes = 0;
    this.#lastSent = Date.now();
    if (queue.length === 1) {
      const only = queue[0]!;
      if (isScratch(only)) this.#socket.write(only, () => releaseScratch(only));
      else this.#socket.write(only);
    } else if (bytes <= 256 * 1024) {
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

  #onData(chunk: Uint8Array): void {
    this.#lastReceived = Date.now();
    let frames: Frame[];
    try {
      frames = this.#reader.push(chunk);
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
  }

  #onResponse(frame: Frame): void {
    const pending = this.#pending.get(frame.id);
    if (pending === undefined) {
      this.close(new ProtocolError(`${this.label} answered request ${frame.id}, which was never sent`));
      return;
    }
    this.#pending.delete(frame.id);
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
