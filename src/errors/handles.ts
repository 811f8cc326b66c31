/**
 * Errors of handles (Future, Channel, RemoteChannel, WorkerPool) used in a way their state does
 * not allow: a closed channel, a released handle.
 *
 * @example
 * ```ts
 * import { Channel, ChannelClosedError } from "distributed";
 * const ch = new Channel<number>(1);
 * ch.close();
 * const err = await ch.put(1).catch((e: unknown) => e);
 * err instanceof ChannelClosedError; // true
 * ```
 * @module
 */
import { DistributedError } from "./base.ts";

/**
 * An operation on a Channel that cannot complete because the channel is closed: a put on a
 * closed channel (or one still waiting when close() was called), or a take, fetch or wait on a
 * channel that is closed and empty. `operation` says which; `cause` is the reason passed to
 * close(reason), if any.
 *
 * @example
 * ```ts
 * import { Channel, ChannelClosedError } from "distributed";
 * const ch = new Channel<number>(1);
 * ch.close();
 * const err = await ch.put(1).catch((e: unknown) => e);
 * if (err instanceof ChannelClosedError) {
 *   err.code;      // "ERR_CHANNEL_CLOSED"
 *   err.operation; // "put"
 * }
 * ```
 */
export class ChannelClosedError extends DistributedError {
  /** The operation that failed. */
  readonly operation: "put" | "take" | "fetch" | "wait";
  constructor(operation: "put" | "take" | "fetch" | "wait", options?: { cause?: unknown }) {
    super(
      "ERR_CHANNEL_CLOSED",
      operation === "put"
        ? "Cannot put on a closed channel: close() was called before the value could be stored, so it was not added; " +
          "close a channel only after its last put, or check isopen() before putting"
        : `Cannot ${operation} ${operation === "wait" ? "on" : "from"} a closed channel: it is closed and empty, so no item will come; ` +
          "stop when isopen() is false and isempty() is true, or read with `for await (const x of ch)`, which ends cleanly",
      options,
    );
    this.operation = operation;
  }
}

/** The handles whose release() ends their use, each with how its message names the operation and the fix. */
const RELEASED: Record<"Future" | "RemoteChannel" | "WorkerPool" | "DArray", (operation: string) => string> = {
  Future: (op) => `Future.${op}(): this Future was released with release(), so its value may be gone; fetch it before releasing it`,
  RemoteChannel: (op) => `RemoteChannel.${op}(): this handle was released with release(); use another handle to the channel`,
  WorkerPool: (op) => `WorkerPool.${op}: this handle was released with release(); use another handle to the pool`,
  DArray: (op) => `DArray.${op}: this DArray was released with release(), so its chunks may be gone; release it after its last use`,
};

/**
 * A Future, RemoteChannel or WorkerPool handle was used after its release() (or its `using`
 * block ended): the owner may have freed what it referred to. `handle` names the kind,
 * `operation` the method called.
 *
 * @example
 * ```ts
 * import { addprocs, ReleasedHandleError, remotecall } from "distributed";
 * const [pid] = await addprocs(1);
 * const f = remotecall(() => 42, pid!);
 * f.release();
 * const err = await f.fetch().catch((e: unknown) => e);
 * if (err instanceof ReleasedHandleError) console.log(err.code, err.handle, err.operation); // "ERR_RELEASED" "Future" "fetch"
 * ```
 */
export class ReleasedHandleError extends DistributedError {
  /** The kind of handle. */
  readonly handle: "Future" | "RemoteChannel" | "WorkerPool" | "DArray";
  /** The method that was called on it. */
  readonly operation: string;
  constructor(handle: "Future" | "RemoteChannel" | "WorkerPool" | "DArray", operation: string) {
    super("ERR_RELEASED", RELEASED[handle](operation));
    this.handle = handle;
    this.operation = operation;
  }
}
