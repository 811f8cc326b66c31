/**
 * RemoteChannel: a handle to a channel that lives on one process (`where`) and can be used
 * from any process that holds the handle, as in Julia. Passing it to another process sends
 * the handle, never the contents; the owner keeps the channel while any process holds a
 * handle (see handles.ts and refs.ts).
 *
 * Every operation goes to the owner, so every method returns a promise. A closed channel
 * raises ChannelClosedError whether the channel is here or on another process.
 *
 * Why one file: the handle's methods, its wire form and its reference counting are one class.
 *
 * @example
 * ```ts
 * import { addprocs, Channel, RemoteChannel, remoteDo } from "distributed";
 * await addprocs(2);
 * const jobs = new RemoteChannel<number>(() => new Channel(32));   // on this process
 * const results = new RemoteChannel<number>(() => new Channel(32), 2); // on worker 2
 * remoteDo(async (jobs, results) => { for await (const j of jobs) await results.put(j * j); }, 3, jobs, results);
 * await jobs.put(4);
 * await results.take(); // 16
 * ```
 * @module
 */
import type { ChannelLike } from "../channels/channel-like.ts";
import { whileHeld } from "../cluster/keepalive.ts";
import { peers } from "../cluster/peers.ts";
import { state } from "../cluster/state.ts";
import { encodeCall } from "../code/invoke.ts";
import { ChannelClosedError, ReleasedHandleError, RemoteError } from "../errors.ts";
import { noteSentHandle } from "../protocol/codec.ts";
import { registerClass } from "../protocol/class-registry.ts";
import { MSG } from "../protocol/messages.ts";
import { type ChannelOp, createOwnedChannel, defaultChannel, runChannelOp } from "./channel-owner.ts";
import { newRefId } from "./future.ts";
import { releaseHandle, trackHandle } from "./handles.ts";
import { refKey } from "./refs.ts";

let attaching: { whence: number; id: number } | null = null;

/**
 * A handle to a channel on process `where`.
 *
 * @example
 * ```ts
 * import { addprocs, Channel, RemoteChannel, remoteDo, rmprocs } from "distributed";
 * const [p] = await addprocs(1);
 * const jobs = new RemoteChannel<number>(() => new Channel<number>(32));        // on this process
 * const results = new RemoteChannel<number>(() => new Channel<number>(32), p);  // on worker p
 * remoteDo(async (jobs: RemoteChannel<number>, results: RemoteChannel<number>) => {
 *   for await (const j of jobs) await results.put(j * j); // until jobs is closed and drained
 * }, p, jobs, results);
 * for (const j of [1, 2, 3]) await jobs.put(j);
 * await jobs.close();
 * [await results.take(), await results.take(), await results.take()]; // [1, 4, 9]
 * await rmprocs(p);
 * ```
 */
export class RemoteChannel<T = unknown> implements AsyncIterable<T> {
  /** The process that holds the channel. */
  readonly where: number;
  /** The process that created the handle. */
  readonly whence: number;
  /** Identifies the channel together with `whence`. */
  readonly id: number;

  /**
   * `new RemoteChannel(factory?, pid?)`: runs `factory` on `pid` (default: this process) to
   * make the backing channel (default: `new Channel(1)`, as in Julia); the factory can return
   * any object with put, take, fetch, isready, wait, close and isopen.
   * `new RemoteChannel(pid)` is `new RemoteChannel(undefined, pid)`.
   */
  constructor(factory?: (() => ChannelLike<T>) | number, pid?: number) {
    const where = typeof factory === "number" ? factory : (pid ?? state.myid);
    if (!Number.isInteger(where) || where < 1) {
      throw new TypeError(`new RemoteChannel(factory, pid): pid must be a positive integer, got ${String(where)}`);
    }
    if (factory !== undefined && typeof factory !== "number" && typeof factory !== "function") {
      throw new TypeError(
        `new RemoteChannel(factory, pid): factory must be a function such as () => new Channel(32), got ${typeof factory}`,
      );
    }
    this.where = where;
    if (attaching !== null) {
      this.whence = attaching.whence;
      this.id = attaching.id;
      return;
    }
    this.whence = state.myid;
    this.id = newRefId();
    const build = typeof factory === "function" ? factory : undefined;
    if (where === state.myid) {
      createOwnedChannel(refKey(this.whence, this.id), build ?? defaultChannel, state.myid);
    } else {
      const [spec, args] = build !== undefined
        ? encodeCall(build, [], "new RemoteChannel")
        : encodeCall(defaultChannel, [], "new RemoteChannel");
      peers.connectionTo(where).send(MSG.CHAN_NEW, 0, [spec, args, [this.whence, this.id]]);
    }
    trackHandle(this, where, [this.whence, this.id]);
  }

  /** @internal A handle for an existing channel (received from another process). */
  static attach<T>(where: number, whence: number, id: number): RemoteChannel<T> {
    attaching = { whence, id };
    try {
      const rc = new RemoteChannel<T>(undefined, where);
      trackHandle(rc, where, [whence, id]);
      return rc;
    } finally {
      attaching = null;
    }
  }

  #released = false;

  async #op(op: ChannelOp, arg?: unknown): Promise<unknown> {
    if (this.#released) throw new ReleasedHandleError("RemoteChannel", op);
    // Here, only another process may complete the operation: stay alive meanwhile.
    if (this.where === state.myid) return whileHeld(() => runChannelOp(refKey(this.whence, this.id), op, arg));
    try {
      return await peers.connectionTo(this.where).request(MSG.CHAN_OP, [[this.whence, this.id], op, arg]);
    } catch (err) {
      if (
        err instanceof RemoteError && err.remote.code === "ERR_CHANNEL_CLOSED" &&
        (op === "put" || op === "take" || op === "fetch" || op === "wait")
      ) {
        throw new ChannelClosedError(op, { cause: err });
      }
      throw err;
    }
  }

  /** Puts a value (waiting while the channel is full); resolves with the value. */
  async put(value: T): Promise<T> {
    await this.#op("put", value);
    return value;
  }

  /** Takes the first value (waiting while the channel is empty). */
  take(): Promise<T> {
    return this.#op("take") as Promise<T>;
  }

  /** Reads the first value without removing it (waiting while empty). */
  fetch(): Promise<T> {
    return this.#op("fetch") as Promise<T>;
  }

  /** Whether a value can be taken now. */
  isready(): Promise<boolean> {
    return this.#op("isready") as Promise<boolean>;
  }

  /** Waits until a value can be taken. */
  async wait(): Promise<void> {
    await this.#op("wait");
  }

  /** Closes the channel: puts fail from now on; takes drain what is left. */
  async close(): Promise<void> {
    await this.#op("close");
  }

  /** Whether the channel is open. */
  isopen(): Promise<boolean> {
    return this.#op("isopen") as Promise<boolean>;
  }

  /** `for await (const x of rc)` takes values until the channel is closed and empty. */
  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    for (;;) {
      let value: T;
      try {
        value = await this.take();
      } catch (err) {
        if (err instanceof ChannelClosedError) return;
        throw err;
      }
      yield value;
    }
  }

  /** Drops this handle now (the owner frees the channel when no process holds one). */
  release(): void {
    this.#released = true;
    releaseHandle(this);
  }

  /** `using ch = new RemoteChannel(...)` releases the handle at the end of the block. */
  [Symbol.dispose](): void {
    this.release();
  }
}

registerClass(RemoteChannel, {
  name: "distributed.RemoteChannel",
  encode: (rc: RemoteChannel) => {
    noteSentHandle({ owner: rc.where, ref: [rc.whence, rc.id] });
    return [rc.where, rc.whence, rc.id];
  },
  decode: (data) => {
    const [where, whence, id] = data as [number, number, number];
    return RemoteChannel.attach(where, whence, id);
  },
});
