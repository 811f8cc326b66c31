/**
 * Channel: a first-in first-out queue that tasks wait on, with Julia's `Channel` semantics.
 * A channel of size n holds up to n items (`put` waits while it is full); size 0 is a
 * rendezvous (`put` waits until a `take` receives the value); size Infinity never makes `put`
 * wait. Closing stops puts; what is already buffered can still be taken.
 *
 * Everything is resolved by the operation that unblocks it (no polling, no timers), and all
 * waiting is strictly first come, first served: items leave in put order, waiting putters enter
 * the buffer in arrival order, and waiting takers are served in arrival order.
 *
 * Why one file: the channel is one state machine (the buffer, the waiting putters and the
 * waiting readers, which every operation and close move between); it is longer than the house
 * norm because every method carries its doc example, the logic itself being about 120 lines.
 * What a RemoteChannel needs of a store, ChannelLike, is in channel-like.ts.
 *
 * @example
 * ```ts
 * import { Channel } from "distributed";
 * const jobs = new Channel<number>(8);
 * const producer = (async () => {
 *   for (let i = 0; i < 100; i++) await jobs.put(i); // waits while 8 items are unread
 *   jobs.close();
 * })();
 * let sum = 0;
 * for await (const job of jobs) sum += job; // ends once the channel is closed and drained
 * await producer;
 * ```
 * @module
 */
import { ChannelClosedError, DistributedError } from "../errors.ts";
import type { ChannelLike } from "./channel-like.ts";
import { Queue } from "./queue.ts";

type ReadOp = "take" | "fetch" | "wait";

/** @internal The key of Channel's withdrawable operations (see Channel[WITHDRAWABLE]). */
export const WITHDRAWABLE: unique symbol = Symbol("distributed.Channel.withdrawable");

/** @internal An operation that may be waiting, and the way to take it back. */
export interface Withdrawable<T> {
  promise: Promise<T | void>;
  /** Takes the operation off the channel if it is still waiting (a put's value is not added) and rejects it with `err`. */
  withdraw(err: Error): void;
}

/** A put waiting for space (or, on a size-0 channel, for a taker). */
interface Putter<T> {
  value: T;
  resolve(value: T): void;
  reject(err: Error): void;
}

/** A take, fetch or wait waiting for an item; only a take consumes the item it is given. */
interface Reader<T> {
  op: ReadOp;
  resolve(value: T): void;
  reject(err: Error): void;
}

/**
 * A channel of items of type `T`, as in Julia. See the module comment for the semantics.
 *
 * @example
 * ```ts
 * import { Channel, type ChannelLike } from "distributed";
 * const ch = new Channel<string>(); // size 0: put and take meet
 * const sent = ch.put("hello");     // pending until someone takes
 * await ch.take();                  // "hello"
 * await sent;                       // "hello"
 * ```
 */
export class Channel<T = unknown> implements ChannelLike<T>, AsyncIterable<T> {
  /** How many items the channel holds before put waits: 0 (rendezvous), n, or Infinity. */
  readonly size: number;
  #open = true;
  /** Set when close(reason) was given a reason; it becomes the `cause` of the errors that follow. */
  #reason: { value: unknown } | undefined;
  /** Buffered items, oldest first. Always empty on a size-0 channel. */
  readonly #items = new Queue<T>();
  /** Puts waiting for room, oldest first. Non-empty only when the buffer is full (or size is 0). */
  readonly #putters = new Queue<Putter<T>>();
  /** Takes, fetches and waits waiting for an item, oldest first. Non-empty only when nothing is ready. */
  readonly #readers = new Queue<Reader<T>>();

  /**
   * A new open channel that buffers up to `size` items: 0 (the default) for a rendezvous
   * channel, Infinity for an unbounded one.
   *
   * @example
   * ```ts
   * import { Channel } from "distributed";
   * new Channel<number>(10);       // holds 10 items
   * new Channel<number>(Infinity); // put never waits
   * // new Channel<number>(-1) throws a RangeError
   * ```
   */
  constructor(size: number = 0) {
    if (typeof size !== "number") {
      throw new TypeError(
        `new Channel(size): size must be a number (0, a positive integer or Infinity), got ${
          typeof size === "string" ? JSON.stringify(size) : `a ${typeof size}`
        }`,
      );
    }
    if (size !== Infinity && !(Number.isInteger(size) && size >= 0)) {
      throw new RangeError(`new Channel(size): size must be 0, a positive integer or Infinity (unbounded), got ${String(size)}`);
    }
    this.size = size === 0 ? 0 : size; // folds -0 into 0
  }

  /**
   * Stores `value` and resolves with it: at once if there is room or a taker is waiting,
   * otherwise once a take makes room (size 0: once a take receives it). Rejects with
   * ChannelClosedError if the channel is closed now or before the value is stored.
   *
   * @example
   * ```ts
   * import { Channel } from "distributed";
   * const ch = new Channel<number>(1);
   * await ch.put(1);       // stored
   * const p = ch.put(2);   // pending: the channel is full
   * await ch.take();       // 1, and 2 moves into the buffer
   * await p;               // 2
   * ```
   */
  put(value: T): Promise<T> {
    if (!this.#open) return Promise.reject(this.#closedError("put"));
    // Readers wait only while nothing is ready, so a waiting reader comes before the buffer.
    if (this.#readers.length > 0 && this.#deliver(value)) return Promise.resolve(value);
    if (this.#items.length < this.size) {
      this.#items.push(value);
      return Promise.resolve(value);
    }
    return new Promise<T>((resolve, reject) => this.#putters.push({ value, resolve, reject }));
  }

  /**
   * Removes and resolves with the first item, waiting for one if there is none. On a closed
   * channel the buffered items are still handed out; after that take rejects with
   * ChannelClosedError, and so do takes that are waiting when the channel is closed.
   *
   * @example
   * ```ts
   * import { Channel } from "distributed";
   * const ch = new Channel<string>(2);
   * await ch.put("a"); await ch.put("b");
   * await ch.take(); // "a"
   * ```
   */
  take(): Promise<T> {
    if (this.#items.length > 0) {
      const item = this.#items.shift() as T;
      // The take freed exactly one slot: the longest-waiting putter gets it.
      const putter = this.#putters.shift();
      if (putter !== undefined) {
        this.#items.push(putter.value);
        putter.resolve(putter.value);
      }
      return Promise.resolve(item);
    }
    // Only a size-0 channel has putters waiting beside an empty buffer: meet the earliest one.
    const putter = this.#putters.shift();
    if (putter !== undefined) {
      putter.resolve(putter.value);
      return Promise.resolve(putter.value);
    }
    if (!this.#open) return Promise.reject(this.#closedError("take"));
    return new Promise<T>((resolve, reject) => this.#readers.push({ op: "take", resolve, reject }));
  }

  /**
   * Resolves with the first item without removing it, waiting for one if there is none.
   * Rejects with ChannelClosedError when the channel is closed and empty, and always on a
   * size-0 channel (code ERR_CHANNEL_UNBUFFERED), which has no buffer to look into (as in Julia).
   *
   * @example
   * ```ts
   * import { Channel } from "distributed";
   * const ch = new Channel<number>(1);
   * await ch.put(7);
   * await ch.fetch(); // 7
   * ch.length;        // 1
   * ```
   */
  fetch(): Promise<T> {
    if (this.size === 0) {
      return Promise.reject(
        new DistributedError(
          "ERR_CHANNEL_UNBUFFERED",
          "Cannot fetch from an unbuffered channel (size 0): it has no buffer to look into, as in Julia; " +
            "use take(), or create the channel with a size of 1 or more",
        ),
      );
    }
    if (this.#items.length > 0) return Promise.resolve(this.#items.peek() as T);
    if (!this.#open) return Promise.reject(this.#closedError("fetch"));
    return new Promise<T>((resolve, reject) => this.#readers.push({ op: "fetch", resolve, reject }));
  }

  /**
   * Whether a take would get an item now without waiting: an item is buffered, or (size 0) a
   * putter is waiting.
   *
   * @example
   * ```ts
   * import { Channel } from "distributed";
   * const ch = new Channel<number>(1);
   * ch.isready(); // false
   * await ch.put(1);
   * ch.isready(); // true
   * ```
   */
  isready(): boolean {
    return this.size === 0 ? this.#putters.length > 0 : this.#items.length > 0;
  }

  /**
   * Resolves once isready() is true (at once if it is now), without taking anything. Rejects
   * with ChannelClosedError if the channel is, or becomes, closed with nothing to take. Another
   * task may still take the item before the caller runs.
   *
   * @example
   * ```ts
   * import { Channel } from "distributed";
   * const ch = new Channel<number>(1);
   * const ready = ch.wait();
   * await ch.put(1);
   * await ready;  // resolves; the item is still there
   * ch.length;    // 1
   * ```
   */
  wait(): Promise<void> {
    if (this.isready()) return Promise.resolve();
    if (!this.#open) return Promise.reject(this.#closedError("wait"));
    return new Promise<void>((resolve, reject) => this.#readers.push({ op: "wait", resolve: () => resolve(), reject }));
  }

  /**
   * Closes the channel: later puts reject, and so do puts still waiting (their values are not
   * added). Items already buffered can still be taken; takes, fetches and waits that are waiting
   * reject, since nothing is left. Closing again does nothing. A `reason` given becomes the
   * `cause` of those errors, and makes `for await` throw instead of ending quietly (like Julia's
   * `close(c, exception)`).
   *
   * @example
   * ```ts
   * import { Channel } from "distributed";
   * const ch = new Channel<number>(2);
   * await ch.put(1);
   * ch.close();
   * await ch.take();               // 1
   * await ch.take().catch((e) => e.code); // "ERR_CHANNEL_CLOSED"
   * ```
   */
  close(reason?: unknown): void {
    if (!this.#open) return;
    this.#open = false;
    if (reason !== undefined) this.#reason = { value: reason };
    for (let p = this.#putters.shift(); p !== undefined; p = this.#putters.shift()) p.reject(this.#closedError("put"));
    // Readers only wait while nothing is ready, and with the putters gone nothing will be.
    for (let r = this.#readers.shift(); r !== undefined; r = this.#readers.shift()) r.reject(this.#closedError(r.op));
  }

  /**
   * Whether the channel still accepts puts.
   *
   * @example
   * ```ts
   * import { Channel } from "distributed";
   * const ch = new Channel();
   * ch.isopen(); // true
   * ch.close();
   * ch.isopen(); // false
   * ```
   */
  isopen(): boolean {
    return this.#open;
  }

  /**
   * Whether nothing is there to take: no buffered item (size 0: no waiting putter).
   *
   * @example
   * ```ts
   * import { Channel } from "distributed";
   * const ch = new Channel<number>(3);
   * ch.isempty(); // true
   * ```
   */
  isempty(): boolean {
    return this.length === 0;
  }

  /**
   * How many items are buffered (Julia's `n_avail`); on a size-0 channel, how many putters wait.
   *
   * @example
   * ```ts
   * import { Channel } from "distributed";
   * const ch = new Channel<number>(3);
   * await ch.put(1); await ch.put(2);
   * ch.length; // 2
   * ```
   */
  get length(): number {
    return this.size === 0 ? this.#putters.length : this.#items.length;
  }

  /**
   * Takes items in order until the channel is closed and drained, then ends. Breaking out of
   * the loop leaves the channel open and the remaining items in it. If the channel was closed
   * with a reason, the loop throws the ChannelClosedError carrying it instead of ending.
   *
   * @example
   * ```ts
   * import { Channel } from "distributed";
   * const ch = new Channel<number>(Infinity);
   * for (const n of [1, 2, 3]) void ch.put(n);
   * ch.close();
   * for await (const n of ch) console.log(n); // 1, 2, 3
   * ```
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    for (;;) {
      let item: T;
      try {
        item = await this.take();
      } catch (err) {
        // The normal end of the stream; any other failure, or a close with a reason, propagates.
        if (err instanceof ChannelClosedError && this.#reason === undefined) return;
        throw err;
      }
      yield item;
    }
  }

  /**
   * @internal Runs `op` as the method of that name does, and returns with it a way to withdraw
   * it while it waits. The owner of a RemoteChannel runs other processes' operations so, and
   * withdraws the waiting ones of a process that has gone: otherwise its take would receive
   * the next item put, and the item would be lost with the answer nobody reads.
   *
   * @example
   * ```ts
   * const ch = new Channel<number>(1);
   * const { promise, withdraw } = ch[WITHDRAWABLE]("take");
   * withdraw(new Error("the taker has gone")); // promise rejects with it
   * await ch.put(1);                            // stays in the channel
   * ```
   */
  [WITHDRAWABLE](op: "put" | ReadOp, value?: T): Withdrawable<T> {
    // An operation that has to wait is pushed last onto its queue, synchronously, by the call.
    const queue: Queue<Putter<T>> | Queue<Reader<T>> = op === "put" ? this.#putters : this.#readers;
    const before = queue.length;
    const promise = op === "put" ? this.put(value as T) : op === "take" ? this.take() : op === "fetch" ? this.fetch() : this.wait();
    const entry = queue.length > before ? queue.last() : undefined;
    return {
      promise,
      withdraw: (err) => {
        if (entry !== undefined && (queue as Queue<typeof entry>).remove(entry)) entry.reject(err);
      },
    };
  }

  /**
   * Gives `value` to the waiting readers in arrival order: fetches and waits before the first
   * take see it and are released; that take consumes it. Returns whether a take consumed it.
   */
  #deliver(value: T): boolean {
    for (let r = this.#readers.shift(); r !== undefined; r = this.#readers.shift()) {
      r.resolve(value);
      if (r.op === "take") return true;
    }
    return false;
  }

  #closedError(op: "put" | ReadOp): ChannelClosedError {
    return new ChannelClosedError(op, this.#reason === undefined ? undefined : { cause: this.#reason.value });
  }
}
