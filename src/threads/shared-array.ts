/**
 * SharedArray: a typed array with a shape on shared memory (Julia's `SharedArray`), seen by
 * every participant: this process, its worker processes on this host (Node, Bun and Deno
 * alike, mixed too), its thread workers (`addprocs(n, { manager: "threads" })`) and its thread
 * pool (`threads.parallelFor`). It is passed to them by handle, never copied; element access is
 * the typed array's own (`S.data[i]`), with `get`/`set` for indices.
 *
 * Indices are 0-based and, as in Julia, column-major: element (i, j) of a 3×4 array is
 * `data[i + 3 * j]`, so the first index varies fastest.
 *
 * The participants are fixed when the array is made (`S.pids`). With only threads among them
 * the memory is a SharedArrayBuffer; with worker processes it is a /dev/shm mapping (mode
 * 0600, unlinked at once: nothing is left in /dev/shm, whatever happens to the processes),
 * which each participant maps when the array first reaches it. A worker on another host, or a
 * process that cannot map (Deno without --allow-ffi), is refused with a SharedMemoryError
 * that says why; so is a size over what /dev/shm has free, before any worker is touched.
 *
 * Why one file: the SharedArray type is one piece (its memory chosen from the participants, its
 * shape and indexing, its wire form, which rebuilds it on the same memory elsewhere), and
 * Julia's functions on it (indexpids, localindices, sdata) are a few lines each, kept beside the
 * type they read, as Julia keeps them.
 *
 * @example
 * ```ts
 * import { addprocs, capture, distributed, localindices, myid, range, SharedArray } from "distributed";
 * await addprocs(2);                                               // processes, any runtime
 * const a = new SharedArray(Float64Array, [10]);                  // zeros, participants [1, 2, 3]
 * await distributed(range(0, 10), capture({ a }, (i: number) => { a.data[i] = i; }));
 * a.data;                                                          // Float64Array [0, 1, ..., 9]
 * const S = await SharedArray.create(Int32Array, [3, 4], { init: (S) => { for (const k of localindices(S)) S.data[k] = myid(); } });
 * ```
 * @module
 */
import { registerClass } from "../protocol/class-registry.ts";
import { Range } from "../parallel/range.ts";
import { remotecallFetch, runHere } from "../remote/calls.ts";
import { defaultParticipants, isMapped, memoryFromWire, memoryToWire, type MemoryWire, myPid, placeMemory } from "./shared-memory.ts";

/** Typed arrays a SharedArray can hold. */
export type SharedKind =
  | Int8ArrayConstructor
  | Uint8ArrayConstructor
  | Int16ArrayConstructor
  | Uint16ArrayConstructor
  | Int32ArrayConstructor
  | Uint32ArrayConstructor
  | Float32ArrayConstructor
  | Float64ArrayConstructor
  | BigInt64ArrayConstructor
  | BigUint64ArrayConstructor;

type Data<K extends SharedKind> = InstanceType<K>;

const KINDS: Record<string, SharedKind> = {
  Int8Array,
  Uint8Array,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
};

/** Options of SharedArray.create. */
export interface SharedArrayOptions<K extends SharedKind> {
  /** Run on every participant with the array, e.g. to fill its `localindices`. */
  init?: (S: SharedArray<K>) => unknown;
  /** The participating processes (default: this one, its thread workers, and its worker processes on this host). */
  pids?: readonly number[];
}

/**
 * A typed array with a shape, on memory shared by this process, its worker processes on this host,
 * its thread workers and threads.
 *
 * @example
 * ```ts
 * import { addprocs, localindices, myid, rmprocs, SharedArray } from "distributed";
 * const pids = await addprocs(2);                        // worker processes on this host share its memory
 * const S = await SharedArray.create(Int32Array, [3, 4], {
 *   init: (S) => { for (const k of localindices(S)) S.data[k] = myid(); }, // each participant fills its part
 * });
 * S.pids;       // [1, 2, 3]
 * S.data;       // Int32Array [1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3]
 * S.get(2, 3);  // 3: row 2, column 3 (0-based, column-major)
 * await rmprocs(pids);
 * ```
 */
export class SharedArray<K extends SharedKind = Float64ArrayConstructor> {
  /** The elements, column-major: a plain typed array on the shared memory. */
  readonly data: Data<K>;
  /**
   * The dimensions, e.g. [3, 4]; a copy of those given, read-only by its type but not frozen:
   * under Bun, a kernel that starts with `const [n1, n2] = S.shape` on a frozen array ran its
   * loops 5 to 10 times slower (npm run bench:advection).
   */
  readonly shape: readonly number[];
  /** The participating processes (Julia's `procs(S)`). */
  readonly pids: readonly number[];
  readonly #strides: number[];

  /**
   * A new array of zeros, shared by `pids` (default: this process, its thread workers, and its
   * worker processes on this host that can map memory).
   */
  constructor(kind: K, shape: number | readonly number[], options: { pids?: readonly number[] } = {}, received?: { data: Data<K> }) {
    const name = kindName(kind);
    const dims = typeof shape === "number" ? [shape] : [...shape];
    if (dims.length === 0 || !dims.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new TypeError(
        `SharedArray: the shape must be a non-negative integer or an array of them, e.g. [3, 4]; got ${JSON.stringify(shape)}`,
      );
    }
    const length = dims.reduce((a, b) => a * b, 1);
    const pids = [...(options.pids ?? defaultParticipants())];
    if (!pids.every((p) => Number.isInteger(p) && p >= 1)) {
      throw new TypeError(`SharedArray: pids must be process ids, got ${JSON.stringify(options.pids)}`);
    }
    const Kind = KINDS[name] as unknown as new (b: ArrayBufferLike, offset?: number, length?: number) => Data<K>;
    if (received !== undefined) {
      if (received.data.length !== length) throw new TypeError("SharedArray: data must be a typed array of the shape's length");
      this.data = received.data;
    } else {
      const bytes = length * (kind as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
      this.data = new Kind(placeMemory(bytes, pids, "SharedArray"), 0, length);
    }
    this.shape = dims;
    this.pids = Object.freeze(pids);
    this.#strides = [];
    let stride = 1;
    for (const d of dims) {
      this.#strides.push(stride);
      stride *= d;
    }
  }

  /**
   * A new array, with `init` run on every participant (and awaited) before it is returned.
   *
   * @example
   * ```ts
   * import { localindices, myid, SharedArray } from "distributed";
   * const S = await SharedArray.create(Int32Array, [3, 4], { init: (S) => { for (const k of localindices(S)) S.data[k] = myid(); } });
   * ```
   */
  static async create<K extends SharedKind>(
    kind: K,
    shape: number | readonly number[],
    options: SharedArrayOptions<K> = {},
  ): Promise<SharedArray<K>> {
    const S = new SharedArray(kind, shape, options.pids !== undefined ? { pids: options.pids } : {});
    if (options.init !== undefined) await runOnParticipants(S, options.init as (S: SharedArray<SharedKind>) => unknown);
    return S;
  }

  /**
   * A shared copy of an array (Julia's `SharedArray(A)`); the shape defaults to its length.
   *
   * @example
   * ```ts
   * import { SharedArray } from "distributed";
   * SharedArray.from(Float64Array, [1, 2, 3, 4], [2, 2]).get(1, 1); // 4
   * ```
   */
  static from<K extends SharedKind>(
    kind: K,
    values: ArrayLike<number> | ArrayLike<bigint>,
    shape?: readonly number[],
    options: { pids?: readonly number[] } = {},
  ): SharedArray<K> {
    const S = new SharedArray(kind, shape ?? [values.length], options);
    if (values.length !== S.length) {
      throw new RangeError(`SharedArray.from: ${values.length} values do not fill the shape [${S.shape.join(", ")}]`);
    }
    (S.data as unknown as { set(v: ArrayLike<unknown>): void }).set(values);
    return S;
  }

  /** Number of elements. */
  get length(): number {
    return this.data.length;
  }

  /**
   * The shared memory: a SharedArrayBuffer when the participants are threads of this process,
   * an ArrayBuffer over a /dev/shm mapping when worker processes take part (`mapped`), on which
   * `Atomics.wait` cannot be used.
   */
  get buffer(): SharedArrayBuffer | ArrayBuffer {
    return this.data.buffer as SharedArrayBuffer | ArrayBuffer;
  }

  /** Whether the memory is a /dev/shm mapping shared with worker processes (not a SharedArrayBuffer). */
  get mapped(): boolean {
    return isMapped(this.data.buffer);
  }

  /** The linear (column-major) index of (i, j, ...); checks bounds. */
  index(...indices: number[]): number {
    if (indices.length === 1) {
      const k = indices[0]!;
      if (!(Number.isInteger(k) && k >= 0 && k < this.data.length)) {
        throw new RangeError(`SharedArray: index ${k} is outside 0..${this.data.length - 1}`);
      }
      return k;
    }
    if (indices.length !== this.shape.length) {
      throw new RangeError(`SharedArray: ${indices.length} indices for a ${this.shape.length}-dimensional array`);
    }
    let k = 0;
    for (let d = 0; d < indices.length; d++) {
      const i = indices[d]!;
      if (!(Number.isInteger(i) && i >= 0 && i < this.shape[d]!)) {
        throw new RangeError(`SharedArray: index ${i} of dimension ${d} is outside 0..${this.shape[d]! - 1}`);
      }
      k += i * this.#strides[d]!;
    }
    return k;
  }

  /** Element (i, j, ...). */
  get(...indices: number[]): Data<K>[number] {
    return this.data[this.index(...indices)] as Data<K>[number];
  }

  /** Sets element (i, j, ...) to the last argument. */
  set(...indicesAndValue: [...number[], number | bigint]): void {
    const value = indicesAndValue.pop()!;
    (this.data as unknown as Record<number, number | bigint>)[this.index(...(indicesAndValue as number[]))] = value;
  }

  toString(): string {
    return `SharedArray<${kindName(this.data.constructor as SharedKind)}>[${this.shape.join("×")}]`;
  }
}

/** Runs init on every participant, each with the same array (by reference). */
async function runOnParticipants(S: SharedArray<SharedKind>, init: (S: SharedArray<SharedKind>) => unknown): Promise<void> {
  const me = myPid();
  // The local init runs after the remote ones have been sent, so all run at the same time.
  await Promise.all(S.pids.map((pid) => (pid === me ? runHere(() => init(S)) : remotecallFetch(init, pid, S))));
}

/**
 * The index of this process among the array's participants, 1-based as in Julia; 0 when it
 * does not participate.
 *
 * @example
 * ```ts
 * import { addprocs, indexpids, remotecallFetch, rmprocs, SharedArray } from "distributed";
 * const pids = await addprocs(2, { manager: "threads" });
 * const S = new SharedArray(Float64Array, [100]);                      // participants: 1, 2 and 3
 * indexpids(S);                                                        // 1: the master comes first
 * await remotecallFetch((S: SharedArray) => indexpids(S), pids[1], S); // 3
 * await rmprocs(pids);
 * ```
 */
export function indexpids(S: SharedArray<SharedKind>): number {
  return S.pids.indexOf(myPid()) + 1;
}

/**
 * The linear indices this process is assigned (Julia's `localindices`): the participants
 * split 0..length-1 into contiguous parts in order; empty for a non-participant.
 *
 * @example
 * ```ts
 * import { addprocs, localindices, remotecallFetch, rmprocs, SharedArray } from "distributed";
 * const pids = await addprocs(2, { manager: "threads" });
 * const S = new SharedArray(Float64Array, [10]);    // participants: 1, 2 and 3
 * String(localindices(S));                          // "range(0, 3)": the master's part
 * await remotecallFetch((S: SharedArray) => String(localindices(S)), pids[0], S); // "range(3, 6)"
 * await rmprocs(pids);
 * ```
 */
export function localindices(S: SharedArray<SharedKind>): Range {
  const idx = indexpids(S);
  if (idx === 0) return new Range(0, 0);
  const n = S.pids.length;
  const lo = Math.floor(((idx - 1) * S.length) / n);
  const hi = Math.floor((idx * S.length) / n);
  return new Range(lo, hi);
}

/**
 * The plain typed array of a SharedArray (Julia's `sdata`), or the array itself.
 *
 * @example
 * ```ts
 * import { sdata, SharedArray } from "distributed";
 * const S = SharedArray.from(Float64Array, [1, 2, 3, 4], [2, 2]);
 * const plain = sdata(S);           // Float64Array [1, 2, 3, 4]: S.data, on the shared memory
 * plain.reduce((a, b) => a + b, 0); // 10
 * ```
 */
export function sdata<K extends SharedKind>(S: SharedArray<K>): Data<K> {
  return S.data;
}

function kindName(kind: unknown): string {
  for (const [name, k] of Object.entries(KINDS)) if (k === kind) return name;
  throw new TypeError(
    `SharedArray: the element type must be a typed array class such as Float64Array or Int32Array, got ${
      typeof kind === "function" ? kind.name : String(kind)
    }`,
  );
}

interface Wire {
  /** The memory: a SharedArrayBuffer's id (threads) or a mapping's handle (processes). */
  memory: MemoryWire;
  kind: string;
  offset: number;
  shape: number[];
  pids: number[];
}

registerClass(SharedArray, {
  name: "distributed.SharedArray",
  encode: (S: SharedArray<SharedKind>): Wire => ({
    memory: memoryToWire(S.buffer, `A ${S.toString()}`, S.pids),
    kind: kindName(S.data.constructor),
    offset: S.data.byteOffset,
    shape: [...S.shape],
    pids: [...S.pids],
  }),
  decode: (w: unknown): SharedArray<SharedKind> => {
    const wire = w as Wire;
    const Kind = KINDS[wire.kind];
    if (Kind === undefined) throw new TypeError(`A SharedArray of unknown kind ${wire.kind} arrived`);
    const length = wire.shape.reduce((a, b) => a * b, 1);
    const make = Kind as unknown as new (b: ArrayBufferLike, o: number, n: number) => Data<SharedKind>;
    return new SharedArray(Kind, wire.shape, { pids: wire.pids }, { data: new make(memoryFromWire(wire.memory), wire.offset, length) });
  },
});
