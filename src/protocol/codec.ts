/**
 * The value codec: msgpackr, extended so that everything the API promises round-trips across
 * Node, Bun and Deno (never v8.serialize, whose format differs between engines).
 *
 * - Typed arrays and ArrayBuffers keep their type. Small ones travel inline; large ones
 *   (>= 16 KiB) travel as raw segments after the msgpack body and are decoded as views into
 *   the received frame: no per-element work.
 * - Map, Set, Date, BigInt (any size), undefined, RegExp come from msgpackr.
 * - Errors keep name, message, stack, `code` and an Error `cause`.
 * - Classes registered with registerClass (class-registry.ts) keep their prototype; handles
 *   (Future, ...) register custom encoders the same way, and are noted in `Encoded.handles`.
 * - Values on shared memory (SharedArray, Atomic) travel by id to a receiver that shares this
 *   process's memory (shared-memory-ids.ts), and are listed in `Encoded.shared`.
 *
 * Why one file: the encoder and the decoder are the two halves of one msgpackr configuration:
 * they share its extensions (binary, errors) and the per-call state (segments out, handles
 * noted, the frame segments come from) that those extensions read.
 *
 * @example
 * ```ts
 * import { addprocs, remotecallFetch } from "distributed";
 * const [p] = await addprocs(1);
 * // a Map of typed arrays arrives as a Map of typed arrays of the same type
 * await remotecallFetch((m: Map<number, Float64Array>) => m.get(1) instanceof Float64Array, p, new Map([[1, new Float64Array(4)]])); // true
 * ```
 * @module
 */
import { addExtension, Packr } from "msgpackr";
// Installs the reader of registered classes' instances, so decode knows them from the start.
import "./class-registry.ts";
import { align8, LARGE_FRAME_BYTES } from "./frame.ts";
import { acquireScratch } from "./scratch.ts";
import { beginSharing, endSharing, type SharedPair, type ShareTarget } from "./shared-memory-ids.ts";

/** Typed arrays at least this large travel as raw segments. */
export const SEGMENT_MIN_BYTES = LARGE_FRAME_BYTES;

/** A handle (Future, RemoteChannel, WorkerPool) found in an encoded value: who owns it, and its key. */
export interface HandleNote {
  owner: number;
  ref: [whence: number, id: number];
  /** Sent by its owner: the object itself (a pool), which the owner keeps while others hold handles. */
  local?: object;
}

/** An encoded value: the msgpack body and the raw segments that follow it in the frame. */
export interface Encoded {
  body: Uint8Array;
  segments: Uint8Array[];
  /** Handles the value carries (their owners must learn the receiver holds them). */
  handles: HandleNote[];
  /** Shared memory the value refers to by id: the transport hands these over before the frame. */
  shared: SharedPair[];
}

/** Where a body's segments live: the whole frame and the offset where segments begin. */
export interface SegmentSource {
  bytes: Uint8Array;
  segmentsStart: number;
}

type TypedArrayCtor = new (buffer: ArrayBufferLike, byteOffset?: number, length?: number) => ArrayBufferView;

const VIEW_TYPES: Array<[TypedArrayCtor, number]> = [
  [Int8Array, 1],
  [Uint8Array, 1],
  [Uint8ClampedArray, 1],
  [Int16Array, 2],
  [Uint16Array, 2],
  [Int32Array, 4],
  [Uint32Array, 4],
  [Float32Array, 4],
  [Float64Array, 8],
  [BigInt64Array, 8],
  [BigUint64Array, 8],
  [DataView as unknown as TypedArrayCtor, 1],
];
const ARRAY_BUFFER_CODE = VIEW_TYPES.length;

// msgpackr extension types (0x31, a registered class's instance, is class-registry.ts's).
const EXT_BINARY = 0x30;
const EXT_ERROR = 0x32;

// The value being encoded: its large binary segments (null when inline or outside encode), their
// aligned size so far, and the handles it carries. The frame being decoded: where its segments are.
let outSegments: Uint8Array[] | null = null;
let outSegmentBytes = 0;
let outHandles: HandleNote[] | null = null;
let inSource: SegmentSource | null = null;

/** @internal Called by a handle's encoder: the message being encoded carries this handle. */
export function noteSentHandle(note: HandleNote): void {
  outHandles?.push(note);
}

// Binary values are written raw (extension `pack`/`unpack`), never through msgpackr again:
//   inline:  [code, 0, ...bytes]
//   segment: [code, 1, u32 offset from the segments start, u32 byte length]
function packBinary(code: number, bytes: Uint8Array): Uint8Array {
  if (outSegments !== null && bytes.byteLength >= SEGMENT_MIN_BYTES) {
    // Copy now: the caller may change the array as soon as the call returns, while the
    // socket may still be writing. The copy goes into a pooled buffer whose pages are already
    // mapped (a copy into fresh memory costs ~6x more, in page faults); the connection gives
    // it back once written.
    const copy = acquireScratch(bytes.byteLength);
    copy.set(bytes);
    const offset = outSegmentBytes;
    outSegments.push(copy);
    outSegmentBytes += align8(copy.byteLength);
    const head = new Uint8Array(10);
    const view = new DataView(head.buffer);
    head[0] = code;
    head[1] = 1;
    view.setUint32(2, offset);
    view.setUint32(6, bytes.byteLength);
    return head;
  }
  const out = new Uint8Array(2 + bytes.byteLength);
  out[0] = code;
  out.set(bytes, 2);
  return out;
}

function unpackBinary(data: Uint8Array): unknown {
  const code = data[0]!;
  let bytes: Uint8Array;
  let fresh: boolean;
  if (data[1] === 1) {
    if (inSource === null) throw new TypeError("A large binary value arrived without its frame segments");
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const start = inSource.segmentsStart + view.getUint32(2);
    const byteLength = view.getUint32(6);
    if (start + byteLength > inSource.bytes.byteLength) throw new RangeError("A binary segment overruns its frame");
    bytes = inSource.bytes.subarray(start, start + byteLength);
    fresh = false;
  } else {
    // Copy out of the message body: a fresh ArrayBuffer is aligned and owned by the value.
    bytes = Uint8Array.prototype.slice.call(data, 2);
    fresh = true;
  }
  if (code === ARRAY_BUFFER_CODE) return fresh ? bytes.buffer : Uint8Array.prototype.slice.call(bytes).buffer;
  const entry = VIEW_TYPES[code];
  if (entry === undefined) throw new TypeError(`Unknown binary type code ${code}`);
  const [Ctor, size] = entry;
  if (bytes.byteOffset % size !== 0) bytes = Uint8Array.prototype.slice.call(bytes);
  const length = Ctor === (DataView as unknown) ? bytes.byteLength : bytes.byteLength / size;
  return new Ctor(bytes.buffer, bytes.byteOffset, length);
}

for (let code = 0; code < VIEW_TYPES.length; code++) {
  addExtension({
    Class: VIEW_TYPES[code]![0],
    type: EXT_BINARY,
    pack: (view: ArrayBufferView) => packBinary(code, new Uint8Array(view.buffer, view.byteOffset, view.byteLength)),
    unpack: unpackBinary,
  } as never);
}
addExtension({
  Class: ArrayBuffer,
  type: EXT_BINARY,
  pack: (buffer: ArrayBuffer) => packBinary(ARRAY_BUFFER_CODE, new Uint8Array(buffer)),
  unpack: unpackBinary,
} as never);

const ERROR_CLASSES: Record<string, ErrorConstructor> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

addExtension({
  Class: Error,
  type: EXT_ERROR,
  write(err: Error): unknown[] {
    const code = (err as { code?: unknown }).code;
    const cause = (err as { cause?: unknown }).cause;
    return [err.name, err.message, err.stack ?? "", typeof code === "string" ? code : null, cause instanceof Error ? cause : null];
  },
  read([name, message, stack, code, cause]: [string, string, string, string | null, Error | null]): Error {
    const Ctor = ERROR_CLASSES[name] ?? Error;
    const err = new Ctor(message, cause ? { cause } : undefined);
    if (err.name !== name) Object.defineProperty(err, "name", { value: name, configurable: true, writable: true });
    err.stack = stack;
    if (code !== null) (err as { code?: string }).code = code;
    return err;
  },
} as never);

const packr = new Packr({
  moreTypes: true,
  useRecords: true,
  mapsAsObjects: false,
  int64AsType: "bigint",
  largeBigIntToString: false,
} as never);

/**
 * Encodes a value. Large binary data is returned in `segments`, not copied into `body` (unless
 * `inline`). Values on shared memory (SharedArray, Atomic) go by reference in `shared` when
 * `target` shares this process's memory, and are refused otherwise.
 * Call `assertSendable` first: msgpackr silently drops functions inside objects.
 */
export function encode(value: unknown, target: ShareTarget | null = null, inline = false): Encoded {
  const segments: Uint8Array[] = [];
  const handles: HandleNote[] = [];
  const shared: SharedPair[] = [];
  // Inline: everything in the body (a message to a thread is one buffer, not a frame).
  outSegments = inline ? null : segments;
  outHandles = handles;
  beginSharing(shared, target);
  outSegmentBytes = 0;
  try {
    // msgpackr never writes again into a region it has returned (it moves past it or starts a
    // new buffer), so the body needs no copy of its own.
    return { body: packr.pack(value), segments, handles, shared };
  } finally {
    outSegments = null;
    outHandles = null;
    endSharing();
  }
}

/** Decodes a body, resolving large binary values against the frame they arrived in. */
export function decode(body: Uint8Array, source: SegmentSource | null = null): unknown {
  inSource = source;
  try {
    return packr.unpack(body);
  } finally {
    inSource = null;
  }
}
