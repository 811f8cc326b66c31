/**
 * Atomic: one number on shared memory, updated atomically by every thread, thread worker or
 * worker process on this host it is passed to (Julia's `Threads.Atomic`). Passed by handle:
 * they all see the same memory.
 *
 * Any integer width (`Int8Array` ... `BigUint64Array`, Julia's `Atomic{Int8}` ... `Atomic{UInt64}`)
 * or a float (`Float32Array`, `Float64Array`), on 8 bytes; every update returns the value before,
 * as Julia's `atomic_*!` do. The kinds are in atomic-kinds.ts, the operations in atomic-cell.ts.
 *
 * Its participants are fixed when it is made, as a SharedArray's are (`pids`, by default this
 * process, its thread workers, and its worker processes on this host). With threads only, the
 * number is on a SharedArrayBuffer; with worker processes among them, on a /dev/shm mapping
 * that every participant maps (Node, Bun and Deno processes alike). The atomic operations work
 * the same on both (measured exact across processes of all three runtimes under contention).
 *
 * **`Atomics.wait` and `Atomics.waitAsync`** need a SharedArrayBuffer, which no runtime builds
 * over a mapped file: on an Atomic shared with worker processes (`buffer` a plain ArrayBuffer)
 * they throw a TypeError and `Atomics.notify` wakes nobody; poll `load()` with a pause instead,
 * or take a SpinLock or ReentrantLock, which do (lock.ts).
 *
 * Why one file: the Atomic type is one piece: its memory (chosen from the participants), its
 * operations on that memory (the integer ones on Atomics, the Float64 ones a compare-and-swap
 * loop on the same bits) and its wire form, which rebuilds it on the same memory elsewhere; the
 * helpers below it serve only those.
 *
 * @example
 * ```ts
 * import { Atomic, capture, range, threads } from "distributed";
 * const total = new Atomic(Int32Array);          // 0
 * await threads.parallelFor(range(0, 10_000), capture({ total }, () => total.add(1)));
 * total.load();                                   // 10000, every time
 * const sum = new Atomic(Float64Array, 0.5);
 * sum.add(0.25);                                  // returns the old value, 0.5
 * ```
 * @module
 */
import { registerClass } from "../protocol/class-registry.ts";
import { cellFor, type CellOps } from "./atomic-cell.ts";
import {
  type AtomicKind,
  atomicKindName,
  atomicKindOf,
  type AtomicValue,
  describeKind,
  isAtomicKind,
  KIND_LIST,
  valueCheck,
} from "./atomic-kinds.ts";
import { defaultParticipants, isMapped, memoryFromWire, memoryToWire, type MemoryWire, placeMemory } from "./shared-memory.ts";

export type { AtomicKind, AtomicValue } from "./atomic-kinds.ts";

type ValueOf<K extends AtomicKind> = AtomicValue<K>;
/** Options of an Atomic. */
export interface AtomicOptions {
  /** The participating processes (default: this one, its thread workers, and its worker processes on this host). */
  pids?: readonly number[];
}

// The memory and participants of an Atomic being decoded (the constructor takes them from here).
let arriving: { buffer: SharedArrayBuffer | ArrayBuffer; pids: readonly number[] } | undefined;

/**
 * A number on shared memory with atomic operations.
 *
 * @example
 * ```ts
 * import { addprocs, Atomic, remotecallFetch, rmprocs } from "distributed";
 * const pids = await addprocs(2);          // worker processes; made after them, hits is shared with them
 * const hits = new Atomic(Int32Array);      // 0, on 8 bytes of shared memory
 * hits.add(5);                              // 0: the value before
 * hits.cas(5, 7);                           // 5: it was 5, so it is 7 now
 * await Promise.all(pids.map((p) => remotecallFetch((h: Atomic) => h.add(1), p, hits)));
 * hits.load();                              // 9
 * const small = new Atomic(Uint8Array, 255);
 * small.add(1);                             // 255; it wraps to 0, as Julia's UInt8 does
 * new Atomic(Float64Array, 1.5).max(2);     // 1.5; it is 2 now
 * await rmprocs(pids);
 * ```
 */
export class Atomic<K extends AtomicKind = Int32ArrayConstructor> {
  /**
   * The shared memory (8 bytes): a SharedArrayBuffer among threads, an ArrayBuffer over a
   * /dev/shm mapping when worker processes take part (no Atomics.wait on it; see the module).
   */
  readonly buffer: SharedArrayBuffer | ArrayBuffer;
  /** The kind of number, e.g. Int32Array. */
  readonly kind: K;
  /** The participating processes, fixed when it was made. */
  readonly pids: readonly number[];
  readonly #ops: CellOps;
  readonly #checked: <V>(value: V) => V;

  /**
   * A new atomic number, `initial` (default 0), of the given kind (default Int32Array), shared
   * by `options.pids` (default: this process, its thread workers and its worker processes on
   * this host). Given a SharedArrayBuffer (or another Atomic's buffer) instead of options, it
   * is a second view of that memory.
   */
  constructor(kind: K = Int32Array as K, initial?: ValueOf<K>, memory?: SharedArrayBuffer | ArrayBuffer | AtomicOptions) {
    const received = arriving;
    arriving = undefined;
    if (!isAtomicKind(kind)) throw new TypeError(`Atomic: the kind must be ${KIND_LIST}, got ${describeKind(kind)}`);
    this.kind = kind;
    if (received !== undefined) {
      this.buffer = received.buffer;
      this.pids = received.pids;
    } else if (memory instanceof SharedArrayBuffer || memory instanceof ArrayBuffer) {
      if (!((memory instanceof SharedArrayBuffer || isMapped(memory)) && memory.byteLength >= 8)) {
        throw new TypeError("Atomic: buffer must be a SharedArrayBuffer (or another Atomic's buffer) of at least 8 bytes");
      }
      this.buffer = memory;
      this.pids = Object.freeze(defaultParticipants());
    } else {
      const pids = memory?.pids ?? defaultParticipants();
      if (!pids.every((p) => Number.isInteger(p) && p >= 1)) {
        throw new TypeError(`Atomic: pids must be process ids, got ${JSON.stringify(pids)}`);
      }
      this.pids = Object.freeze([...pids]);
      this.buffer = placeMemory(8, this.pids, "Atomic");
    }
    this.#ops = cellFor(kind, this.buffer);
    this.#checked = valueCheck(kind, `Atomic<${atomicKindName(kind)}>`);
    if (initial !== undefined) this.store(initial);
  }

  /** Whether the number is on a /dev/shm mapping shared with worker processes (then no Atomics.wait on it). */
  get mapped(): boolean {
    return isMapped(this.buffer);
  }

  /** The current value (Julia's `x[]`). */
  load(): ValueOf<K> {
    return this.#ops.load() as ValueOf<K>;
  }

  /** Sets the value; returns it (Julia's `x[] = v`). */
  store(value: ValueOf<K>): ValueOf<K> {
    this.#ops.store(this.#checked(value));
    return value;
  }

  /** Adds `delta`, wrapping around at the width for integers; returns the value before (Julia's `atomic_add!`). */
  add(delta: ValueOf<K>): ValueOf<K> {
    return this.#ops.add(this.#checked(delta)) as ValueOf<K>;
  }

  /** Subtracts `delta`, wrapping around at the width for integers; returns the value before (Julia's `atomic_sub!`). */
  sub(delta: ValueOf<K>): ValueOf<K> {
    return this.#ops.sub(this.#checked(delta)) as ValueOf<K>;
  }

  /** Sets `replacement` if the value is `expected`; returns the value before (`atomic_cas!`; floats compare bits, as Julia's). */
  cas(expected: ValueOf<K>, replacement: ValueOf<K>): ValueOf<K> {
    return this.#ops.cas(this.#checked(expected), this.#checked(replacement)) as ValueOf<K>;
  }

  /** Sets the value; returns the value before (Julia's `atomic_xchg!`). */
  exchange(value: ValueOf<K>): ValueOf<K> {
    return this.#ops.exchange(this.#checked(value)) as ValueOf<K>;
  }

  /** Sets the larger of it and `value`; returns the value before (`atomic_max!`; on floats NaN wins, and 0 > -0, as in Julia). */
  max(value: ValueOf<K>): ValueOf<K> {
    return this.#ops.max(this.#checked(value)) as ValueOf<K>;
  }

  /** Sets the value to the smaller of it and `value`; returns the value before (Julia's `atomic_min!`; NaN and -0 as in `max`). */
  min(value: ValueOf<K>): ValueOf<K> {
    return this.#ops.min(this.#checked(value)) as ValueOf<K>;
  }

  /** Bitwise and with `mask`; returns the value before (Julia's `atomic_and!`). Integer kinds only (a TypeError on floats). */
  and(mask: ValueOf<K>): ValueOf<K> {
    return this.#ops.and(this.#checked(mask)) as ValueOf<K>;
  }

  /** Bitwise or with `mask`; returns the value before (Julia's `atomic_or!`). Integer kinds only. */
  or(mask: ValueOf<K>): ValueOf<K> {
    return this.#ops.or(this.#checked(mask)) as ValueOf<K>;
  }

  /** Bitwise exclusive or with `mask`; returns the value before (Julia's `atomic_xor!`). Integer kinds only. */
  xor(mask: ValueOf<K>): ValueOf<K> {
    return this.#ops.xor(this.#checked(mask)) as ValueOf<K>;
  }

  /** Sets the value to `~(value & mask)`; returns the value before (Julia's `atomic_nand!`). Integer kinds only. */
  nand(mask: ValueOf<K>): ValueOf<K> {
    return this.#ops.nand(this.#checked(mask)) as ValueOf<K>;
  }

  /** Like `load()`, so an Atomic prints and compares by value in templates. */
  valueOf(): ValueOf<K> {
    return this.load();
  }

  toString(): string {
    return `Atomic<${atomicKindName(this.kind)}>(${String(this.load())})`;
  }
}

registerClass(Atomic, {
  name: "distributed.Atomic",
  encode: (a: Atomic<AtomicKind>) => ({
    memory: memoryToWire(a.buffer, `An ${a.toString()}`, a.pids),
    kind: atomicKindName(a.kind),
    pids: [...a.pids],
  }),
  decode: (w: unknown) => {
    const { memory, kind, pids } = w as { memory: MemoryWire; kind: string; pids: number[] };
    const K = atomicKindOf(kind);
    if (K === undefined) throw new TypeError(`An Atomic of unknown kind ${kind} arrived`);
    arriving = { buffer: memoryFromWire(memory), pids: Object.freeze(pids) };
    return new Atomic(K);
  },
});
