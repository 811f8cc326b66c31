/**
 * The value codec: msgpackr, extended so that everything the API promises round-trips across
 * Node, Bun and Deno (never v8.serialize, whose format differs between engines).
 *
 * - Typed arrays and ArrayBuffers keep their type. Small ones travel inline; large ones
 *   (>= 16 KiB) travel as raw segments after the msgpack body and are decoded as views into
 *   the received frame: no per-element work.
 * - Map, Set, Date, BigInt (any size), undefined, RegExp come from msgpackr.
 * - Errors keep name, message, stack, `code` and an Error `cause`.
 * - Classes registered with {@link registerClass} keep their prototype; handles (Future, ...)
 *   register custom encoders the same way.
 *
 * @example
 * ```ts
 * const { body, segments } = encode(new Map([[1, new Float64Array(4)]]));
 * decode(body, { bytes, segmentsStart }); // Map { 1 => Float64Array(4) }
 * ```
 * @module
 */
import { addExtension, Packr } from "msgpackr";
import { align8, LARGE_FRAME_BYTES } from "./frame.ts";
import { acquireScratch } from "./scratch.ts";
import { SharedMemoryError, type SharedMemoryCode } from "../errors.ts";

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

/** Shared memory by id: the receiver registers it (registerSharedBuffers) before decoding. */
export type SharedPair = [id: string, buffer: SharedArrayBuffer];

/**
 * Where an encoded value is going: a process that shares this one's memory (a thread worker,
 * a pool thread, the master of a thread worker) receives shared memory by reference; anywhere
 * else it cannot go, and `refuse` says why.
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

const EXT_BINARY = 0x30;
const EXT_CLASS = 0x31;
const EXT_ERROR = 0x32;

let outSegments: Uint8Array[] | null = null;
let outHandles: HandleNote[] | null = null;
let outShared: SharedPair[] | null = null;
let outTarget: ShareTarget | null = null;

const sharedIds = new WeakMap<SharedArrayBuffer, string>();
const sharedById = new Map<string, SharedArrayBuffer>();
let nextSharedId = 0;
const isolateTag = Math.random().toString(36).slice(2, 10);

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
      throw new SharedMemoryError(outTarget.whyCode ?? "ERR_SHARED_MEMORY_NOT_PARTICIPANT", `${what} cannot be sent to ${to}: ${outTarget.why}. Send a copy of its values instead.`);
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
      `${what} is memory mapped by its participants (${participants.join(", ")}), and ${to} cannot map it: ${outTarget?.why ?? "it is not a process on this host that can"}. Send a copy of its values instead.`,
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

/** @internal Called by a handle's encoder: the message being encoded carries this handle. */
export function noteSentHandle(note: HandleNote): void {
  outHandles?.push(note);
}
let outSegmentBytes = 0;
let inSource: SegmentSource | null = null;

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

/** How a registered class is turned into plain data and back. */
export interface ClassCodec<T> {
  /** Name used on the wire; must be the same on every process. Default: the class name. */
  name?: string;
  /** To plain data. Default: the instance's own enumerable properties. */
  encode?: (instance: T) => unknown;
  /** From plain data. Default: an object with the class's prototype and those properties. */
  decode?: (data: unknown) => T;
}

interface RegisteredClass {
  name: string;
  Class: abstract new (...args: never[]) => unknown;
  encode: (instance: unknown) => unknown;
  decode: (data: unknown) => unknown;
}

const classesByName = new Map<string, RegisteredClass>();
const classesByCtor = new Map<unknown, RegisteredClass>();

/**
 * Lets instances of a class travel between processes with their prototype. Register the class
 * on every process, e.g. in a module loaded with `everywhere(url)`.
 *
 * @example
 * ```ts
 * export class Point { constructor(public x = 0, public y = 0) {} norm() { return Math.hypot(this.x, this.y); } }
 * registerClass(Point);
 * await remotecallFetch((p) => p.norm(), 2, new Point(3, 4)); // 5
 * ```
 */
export function registerClass<T extends object>(Class: abstract new (...args: never[]) => T, codec: ClassCodec<T> = {}): void {
  if (typeof Class !== "function") throw new TypeError(`registerClass expects a class, got ${typeof Class}`);
  const name = codec.name ?? Class.name;
  if (!name) throw new TypeError("registerClass: an anonymous class needs { name }");
  const existing = classesByName.get(name);
  if (existing && existing.Class !== Class) {
    throw new TypeError(`registerClass: the name "${name}" is already used by another class; pass { name } to tell them apart`);
  }
  const entry: RegisteredClass = {
    name,
    Class,
    encode: (codec.encode as (i: unknown) => unknown) ?? ((instance) => ({ ...(instance as object) })),
    decode: (codec.decode as (d: unknown) => unknown) ?? ((data) => Object.assign(Object.create(Class.prototype) as object, data)),
  };
  classesByName.set(name, entry);
  if (!classesByCtor.has(Class)) {
    // msgpackr matches extensions by instanceof, newest first, so a registered subclass is
    // found before its registered base class. All share one reader that dispatches by name.
    addExtension({
      Class,
      type: EXT_CLASS,
      write: (instance: object) => {
        const exact = classesByCtor.get(instance.constructor) ?? entry;
        return [exact.name, exact.encode(instance)];
      },
      read: readRegistered,
    } as never);
  }
  classesByCtor.set(Class, entry);
}

// The reader must exist before any class is registered here, so that an instance arriving
// first gets the "not registered" error below rather than msgpackr's unknown-extension one.
addExtension({ type: EXT_CLASS, read: (data: [string, unknown]) => readRegistered(data) } as never);

function readRegistered(data: [string, unknown]): unknown {
  const entry = classesByName.get(data[0]);
  if (entry === undefined) {
    throw new TypeError(
      `Received an instance of class "${data[0]}", which is not registered in this process; call registerClass(${data[0]}) in a module loaded with everywhere(url)`,
    );
  }
  return entry.decode(data[1]);
}

/** @internal The registration for an object's exact class, if any. */
export function registeredClassOf(value: object): RegisteredClass | undefined {
  return classesByCtor.get(value.constructor);
}

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
  outShared = shared;
  outTarget = target;
  outSegmentBytes = 0;
  try {
    // msgpackr never writes again into a region it has returned (it moves past it or starts a
    // new buffer), so the body needs no copy of its own.
    return { body: packr.pack(value), segments, handles, shared };
  } finally {
    outSegments = null;
    outHandles = null;
    outShared = null;
    outTarget = null;
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
