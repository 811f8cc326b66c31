/**
 * Atomic: one number on shared memory, updated atomically by every thread, thread worker or
 * worker process on this host it is passed to (Julia's `Threads.Atomic`). Passed by handle:
 * they all see the same memory.
 *
 * Integer kinds use the CPU's atomic instructions (`Atomics`); Float64 updates are a
 * compare-and-swap loop on the number's bits, as Julia's `Atomic{Float64}` is.
 *
 * Its participants are fixed when it is made, as a SharedArray's are (`pids`, by default this
 * process, its thread workers, and its worker processes on this host). With threads only, the
 * number is on a SharedArrayBuffer; with worker processes among them, on a /dev/shm mapping
 * that every participant maps (Node, Bun and Deno processes alike). The atomic operations work
 * the same on both (measured exact across processes of all three runtimes under contention).
 *
 * **`Atomics.wait` and `Atomics.waitAsync`** need a SharedArrayBuffer, which no runtime builds
 * over memory mapped from a file: on an Atomic shared with worker processes (`buffer` is then
 * a plain ArrayBuffer) they throw a TypeError, and `Atomics.notify` wakes nobody. To wait for
 * another process to change the value, poll it: `while (a.load() === 0) await sleep(1)`, or
 * block a thread between loads with `Atomics.wait` on a private
 * `new Int32Array(new SharedArrayBuffer(4))` and a timeout. An Atomic among threads only
 * (`buffer instanceof SharedArrayBuffer`) can be waited on as usual.
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
import { defaultParticipants, isMapped, memoryFromWire, memoryToWire, placeMemory, type MemoryWire } from "./shared-memory.ts";

/** The typed-array kinds an Atomic can hold. */
export type AtomicKind = Int32ArrayConstructor | Uint32ArrayConstructor | BigInt64ArrayConstructor | BigUint64ArrayConstructor | Float64ArrayConstructor;

type ValueOf<K extends AtomicKind> = K extends BigInt64ArrayConstructor | BigUint64ArrayConstructor ? bigint : number;

const KINDS = new Map<unknown, string>([
  [Int32Array, "Int32Array"],
  [Uint32Array, "Uint32Array"],
  [BigInt64Array, "BigInt64Array"],
  [BigUint64Array, "BigUint64Array"],
  [Float64Array, "Float64Array"],
]);

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
  readonly #cell: Int32Array | Uint32Array | BigInt64Array | BigUint64Array;
  readonly #float: Float64Array | undefined;

  /**
   * A new atomic number, `initial` (default 0), of the given kind (default Int32Array), shared
   * by `options.pids` (default: this process, its thread workers and its worker processes on
   * this host). Given a SharedArrayBuffer (or another Atomic's buffer) instead of options, it
   * is a second view of that memory.
   */
  constructor(kind: K = Int32Array as K, initial?: ValueOf<K>, memory?: SharedArrayBuffer | ArrayBuffer | AtomicOptions) {
    const received = arriving;
    arriving = undefined;
    if (!KINDS.has(kind)) throw new TypeError(`Atomic: the kind must be Int32Array, Uint32Array, BigInt64Array, BigUint64Array or Float64Array, got ${describe(kind)}`);
    this.kind = kind;
    if (received !== undefined) {
      this.buffer = received.buffer;
      this.pids = received.pids;
    } else if (memory instanceof SharedArrayBuffer || memory instanceof ArrayBuffer) {
      if (!((memory instanceof SharedArrayBuffer || isMapped(memory)) && memory.byteLength >= 8)) throw new TypeError("Atomic: buffer must be a SharedArrayBuffer (or another Atomic's buffer) of at least 8 bytes");
      this.buffer = memory;
      this.pids = Object.freeze(defaultParticipants());
    } else {
      const pids = memory?.pids ?? defaultParticipants();
      if (!pids.every((p) => Number.isInteger(p) && p >= 1)) throw new TypeError(`Atomic: pids must be process ids, got ${JSON.stringify(pids)}`);
      this.pids = Object.freeze([...pids]);
      this.buffer = placeMemory(8, this.pids, "Atomic");
    }
    if (kind === Float64Array) {
      this.#cell = new BigInt64Array(this.buffer, 0, 1);
      this.#float = new Float64Array(this.buffer, 0, 1);
    } else {
      this.#cell = new (kind as unknown as new (b: ArrayBufferLike, o: number, n: number) => Int32Array)(this.buffer, 0, 1);
      this.#float = undefined;
    }
    if (initial !== undefined) this.store(initial);
  }

  /** Whether the number is on a /dev/shm mapping shared with worker processes (then no Atomics.wait on it). */
  get mapped(): boolean {
    return isMapped(this.buffer);
  }

  /** The current value. */
  load(): ValueOf<K> {
    if (this.#float !== undefined) return bitsToFloat(Atomics.load(this.#cell as BigInt64Array, 0)) as ValueOf<K>;
    return Atomics.load(this.#cell as Int32Array, 0) as ValueOf<K>;
  }

  /** Sets the value; returns it. */
  store(value: ValueOf<K>): ValueOf<K> {
    this.#check(value);
    if (this.#float !== undefined) Atomics.store(this.#cell as BigInt64Array, 0, floatToBits(value as number));
    else Atomics.store(this.#cell as Int32Array, 0, value as number);
    return value;
  }

  /** Adds `delta`; returns the value before (Julia's `atomic_add!`). */
  add(delta: ValueOf<K>): ValueOf<K> {
    this.#check(delta);
    if (this.#float !== undefined) return this.#update((x) => x + (delta as number)) as ValueOf<K>;
    return Atomics.add(this.#cell as Int32Array, 0, delta as number) as ValueOf<K>;
  }

  /** Subtracts `delta`; returns the value before. */
  sub(delta: ValueOf<K>): ValueOf<K> {
    this.#check(delta);
    if (this.#float !== undefined) return this.#update((x) => x - (delta as number)) as ValueOf<K>;
    return Atomics.sub(this.#cell as Int32Array, 0, delta as number) as ValueOf<K>;
  }

  /** Sets the value to `replacement` if it is `expected`; returns the value before either way (Julia's `atomic_cas!`). */
  cas(expected: ValueOf<K>, replacement: ValueOf<K>): ValueOf<K> {
    this.#check(expected);
    this.#check(replacement);
    if (this.#float !== undefined) {
      return bitsToFloat(Atomics.compareExchange(this.#cell as BigInt64Array, 0, floatToBits(expected as number), floatToBits(replacement as number))) as ValueOf<K>;
    }
    return Atomics.compareExchange(this.#cell as Int32Array, 0, expected as number, replacement as number) as ValueOf<K>;
  }

  /** Sets the value; returns the value before (Julia's `atomic_xchg!`). */
  exchange(value: ValueOf<K>): ValueOf<K> {
    this.#check(value);
    if (this.#float !== undefined) return bitsToFloat(Atomics.exchange(this.#cell as BigInt64Array, 0, floatToBits(value as number))) as ValueOf<K>;
    return Atomics.exchange(this.#cell as Int32Array, 0, value as number) as ValueOf<K>;
  }

  /** Like `load()`, so an Atomic prints and compares by value in templates. */
  valueOf(): ValueOf<K> {
    return this.load();
  }

  toString(): string {
    return `Atomic<${KINDS.get(this.kind)}>(${String(this.load())})`;
  }

  #update(f: (x: number) => number): number {
    const cell = this.#cell as BigInt64Array;
    for (;;) {
      const bits = Atomics.load(cell, 0);
      const old = bitsToFloat(bits);
      if (Atomics.compareExchange(cell, 0, bits, floatToBits(f(old))) === bits) return old;
    }
  }

  #check(value: unknown): void {
    const big = this.kind === BigInt64Array || this.kind === BigUint64Array;
    if (big ? typeof value !== "bigint" : typeof value !== "number") {
      throw new TypeError(`Atomic<${KINDS.get(this.kind)}>: values are ${big ? "bigints" : "numbers"}, got ${typeof value}`);
    }
  }
}

const scratch = new DataView(new ArrayBuffer(8));
function floatToBits(x: number): bigint {
  scratch.setFloat64(0, x, true);
  return scratch.getBigInt64(0, true);
}
function bitsToFloat(bits: bigint): number {
  scratch.setBigInt64(0, bits, true);
  return scratch.getFloat64(0, true);
}

function describe(kind: unknown): string {
  return typeof kind === "function" ? kind.name || "an anonymous function" : kind === null ? "null" : typeof kind;
}

/** @internal The name of an Atomic's kind (for the codec). */
export function atomicKindName(kind: AtomicKind): string {
  return KINDS.get(kind)!;
}

/** @internal The kind for a name (for the codec). */
export function atomicKindOf(name: string): AtomicKind | undefined {
  for (const [k, n] of KINDS) if (n === name) return k as AtomicKind;
  return undefined;
}

registerClass(Atomic, {
  name: "distributed.Atomic",
  encode: (a: Atomic<AtomicKind>) => ({ memory: memoryToWire(a.buffer, `An ${a.toString()}`, a.pids), kind: atomicKindName(a.kind), pids: [...a.pids] }),
  decode: (w: unknown) => {
    const { memory, kind, pids } = w as { memory: MemoryWire; kind: string; pids: number[] };
    const K = atomicKindOf(kind);
    if (K === undefined) throw new TypeError(`An Atomic of unknown kind ${kind} arrived`);
    arriving = { buffer: memoryFromWire(memory), pids: Object.freeze(pids) };
    return new Atomic(K);
  },
});
