/**
 * Length-prefixed frames. Pure: bytes in, frames out; no I/O.
 *
 * Layout (all integers big-endian):
 * ```
 * 0   u32  length of everything after this field
 * 4   u8   message type
 * 5   u32  id (request id for requests and their responses; 0 for notifications)
 * 9   u32  body length
 * 13  body (msgpack)
 *     zero padding to a multiple of 8 from the frame start
 *     segments: raw bytes of large typed arrays, each padded to a multiple of 8
 * ```
 * Segments let a 128 MiB Float64Array travel without passing through the msgpack encoder, and
 * arrive as an aligned view into the received frame (no per-element work, no second copy).
 *
 * Why one file: the writer (encodeFrame, frameBytes) and the reader (FrameReader) implement
 * the one layout above; side by side, their offsets, padding and alignment stay agreed.
 *
 * @example
 * ```ts
 * const reader = new FrameReader(1 << 20);
 * for (const chunk of encodeFrame(7, 1, body, [])) for (const f of reader.push(chunk)) f.type; // 7
 * ```
 * @module
 */
import { ProtocolError } from "../errors.ts";

/** Bytes before the body. */
export const HEADER_BYTES = 13;
/** Frames at least this large are copied into a fresh 8-aligned buffer when received. */
export const LARGE_FRAME_BYTES = 16 * 1024;

/** One decoded frame. `bytes` is the whole frame; segments start at `segmentsStart` in it. */
export interface Frame {
  type: number;
  id: number;
  body: Uint8Array;
  bytes: Uint8Array;
  segmentsStart: number;
}

/** Rounds up to a multiple of 8. */
export function align8(n: number): number {
  // Not `(n + 7) & ~7`: bitwise operators work on 32-bit signed integers and frames may
  // exceed 2 GiB.
  return Math.ceil(n / 8) * 8;
}

const PADDING = new Uint8Array(8);

/**
 * The size of the frame encodeFrame makes for a body and segments (header and padding
 * included): what the receiver's FrameReader compares with its limit.
 *
 * @example
 * ```ts
 * frameBytes(3, []); // 16
 * ```
 */
export function frameBytes(bodyLength: number, segments: readonly Uint8Array[]): number {
  let segmentBytes = 0;
  for (const s of segments) segmentBytes += align8(s.byteLength);
  const bodyEnd = HEADER_BYTES + bodyLength;
  return (segments.length > 0 ? align8(bodyEnd) : bodyEnd) + segmentBytes;
}

/**
 * Encodes one frame as a list of chunks to write in order (no copy of the segments).
 *
 * @example
 * ```ts
 * const chunks = encodeFrame(12, 5, new Uint8Array([0x90]), []);
 * ```
 */
export function encodeFrame(type: number, id: number, body: Uint8Array, segments: readonly Uint8Array[]): Uint8Array[] {
  const bodyEnd = HEADER_BYTES + body.byteLength;
  const total = frameBytes(body.byteLength, segments);
  if (total - 4 > 0xffffffff) {
    throw new RangeError(`A message of ${total} bytes is too large for one frame (the limit is 4 GiB); split the data into several calls`);
  }
  const small = body.byteLength <= 64 * 1024;
  const head = new Uint8Array(small ? bodyEnd : HEADER_BYTES);
  writeU32(head, 0, total - 4);
  head[4] = type;
  writeU32(head, 5, id >>> 0);
  writeU32(head, 9, body.byteLength);
  const chunks: Uint8Array[] = [head];
  if (small) head.set(body, HEADER_BYTES);
  else chunks.push(body);
  if (segments.length > 0) {
    const pad = align8(bodyEnd) - bodyEnd;
    if (pad > 0) chunks.push(PADDING.subarray(0, pad));
    for (const s of segments) {
      chunks.push(s);
      const p = align8(s.byteLength) - s.byteLength;
      if (p > 0) chunks.push(PADDING.subarray(0, p));
    }
  }
  return chunks;
}

/**
 * Reassembles frames from a byte stream. Throws ProtocolError on a malformed or oversized
 * frame; the caller then closes that connection.
 */
export class FrameReader {
  #maxFrameBytes: number;
  #pending: Uint8Array | null = null;
  /** Stopped before a frame over the limit that frames before it in the same read may lift (see push). */
  #deferred = false;
  #large: { buf: Uint8Array; filled: number } | null = null;
  /** The start of a large frame, kept as it arrived until enough of it has to trust its length. */
  #held: { chunks: Uint8Array[]; bytes: number; total: number } | null = null;

  /** @param maxFrameBytes the largest frame accepted (header included). */
  constructor(maxFrameBytes: number) {
    this.#maxFrameBytes = maxFrameBytes;
  }

  /** Changes the size limit (e.g. once a connection is authenticated). */
  setMaxFrameBytes(limit: number): void {
    this.#maxFrameBytes = limit;
  }

  /** Bytes held for a frame not yet complete. */
  get buffered(): number {
    return (this.#pending?.byteLength ?? 0) + (this.#large?.filled ?? 0) + (this.#held?.bytes ?? 0);
  }

  /**
   * Whether the last push stopped before a frame over the limit that came after complete ones:
   * those may lift the limit (a handshake's last message), so the caller handles them first,
   * then pushes an empty chunk to go on (that frame is refused then if the limit still stands).
   */
  get deferred(): boolean {
    return this.#deferred;
  }

  /** Feeds bytes; returns the frames completed by them. */
  push(chunk: Uint8Array): Frame[] {
    const out: Frame[] = [];
    let data = chunk;
    if (this.#deferred) {
      this.#deferred = false;
      data = this.#pending !== null ? concat(this.#pending, chunk) : chunk;
      this.#pending = null;
    }
    while (data.byteLength > 0) {
      const held = this.#held;
      if (held) {
        const n = Math.min(held.total - held.bytes, data.byteLength);
        held.chunks.push(data.subarray(0, n));
        held.bytes += n;
        data = data.subarray(n);
        if (held.bytes * TRUST_RATIO >= held.total) this.#adopt(held, out);
        continue;
      }
      const large = this.#large;
      if (large) {
        const n = Math.min(large.buf.byteLength - large.filled, data.byteLength);
        large.buf.set(data.subarray(0, n), large.filled);
        large.filled += n;
        data = data.subarray(n);
        if (large.filled === large.buf.byteLength) {
          this.#large = null;
          out.push(parseFrame(large.buf));
        }
        continue;
      }
      if (this.#pending) {
        data = concat(this.#pending, data);
        this.#pending = null;
      }
      if (data.byteLength < 4) {
        this.#pending = data;
        break;
      }
      const length = readU32(data, 0);
      const total = length + 4;
      if (length < HEADER_BYTES - 4) {
        throw new ProtocolError(`Malformed frame: declared length ${length} is shorter than a header`, "ERR_BAD_FRAME");
      }
      if (total > this.#maxFrameBytes) {
        if (out.length > 0) {
          this.#pending = data;
          this.#deferred = true;
          break;
        }
        throw new ProtocolError(
          `Refused a frame of ${total} bytes: the limit is ${this.#maxFrameBytes} bytes (option maxFrameBytes, env DISTRIBUTED_MAX_FRAME_BYTES)`,
          "ERR_FRAME_TOO_LARGE",
        );
      }
      if (total >= LARGE_FRAME_BYTES) {
        // Not allocated from the declared length alone: a peer that declares 1 GiB and sends
        // 20 bytes must not make us commit 1 GiB (Bun zero-fills some large allocations, which
        // takes seconds and real memory). The buffer comes once a quarter of the frame is here;
        // the bytes held until then are copied into it once, as later ones are on arrival.
        if (data.byteLength * TRUST_RATIO >= total) this.#large = { buf: allocAligned(total), filled: 0 };
        else this.#held = { chunks: [], bytes: 0, total };
        continue;
      }
      if (data.byteLength < total) {
        this.#pending = data;
        break;
      }
      out.push(parseFrame(data.subarray(0, total)));
      data = data.subarray(total);
    }
    return out;
  }

  /** Allocates the frame's buffer, moves the held bytes into it, and delivers it if complete. */
  #adopt(held: { chunks: Uint8Array[]; bytes: number; total: number }, out: Frame[]): void {
    const buf = allocAligned(held.total);
    let at = 0;
    for (const c of held.chunks) {
      buf.set(c, at);
      at += c.byteLength;
    }
    this.#held = null;
    if (at === held.total) out.push(parseFrame(buf));
    else this.#large = { buf, filled: at };
  }
}

/**
 * A large frame's buffer is allocated once this share of it (1 / TRUST_RATIO) has arrived, so
 * the memory a peer can make us commit is at most this many times what it actually sent.
 */
const TRUST_RATIO = 4;

function parseFrame(bytes: Uint8Array): Frame {
  const bodyLength = readU32(bytes, 9);
  const bodyEnd = HEADER_BYTES + bodyLength;
  if (bodyEnd > bytes.byteLength) {
    throw new ProtocolError(`Malformed frame: body of ${bodyLength} bytes overruns a frame of ${bytes.byteLength}`, "ERR_BAD_FRAME");
  }
  return { type: bytes[4]!, id: readU32(bytes, 5), body: bytes.subarray(HEADER_BYTES, bodyEnd), bytes, segmentsStart: align8(bodyEnd) };
}

function writeU32(b: Uint8Array, at: number, v: number): void {
  b[at] = v >>> 24;
  b[at + 1] = (v >>> 16) & 0xff;
  b[at + 2] = (v >>> 8) & 0xff;
  b[at + 3] = v & 0xff;
}

function readU32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a, 0);
  out.set(b, a.byteLength);
  return out;
}

/**
 * A buffer whose first byte is 8-aligned in its ArrayBuffer (a fresh ArrayBuffer always is).
 * It must be fresh: the typed arrays decoded from the frame are views into it. Filling fresh
 * memory costs page faults (~100 ms per 128 MiB here); prefaulting a spare in idle time was
 * tried and lost more to contention with back-to-back receives than it saved.
 */
function allocAligned(n: number): Uint8Array {
  return new Uint8Array(new ArrayBuffer(n));
}
