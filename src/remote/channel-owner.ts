/**
 * The owner's side of RemoteChannel: builds the backing channel from the factory, runs the
 * operations that holders send (CHAN_OP), and keeps the channel while anyone holds a handle
 * or an operation is still running on it.
 *
 * The waiting operations of a holder that has gone (killed, or removed) are withdrawn from the
 * channel: its take would otherwise receive the next item put, which would then be lost with
 * the answer nobody reads, and its waits would keep the channel from ever being freed.
 *
 * Why one file: the operations it runs, the holders' withdrawn waits and the channel's lifetime
 * all read and change one table of owned channels.
 *
 * @example
 * ```ts
 * createOwnedChannel("1:5", () => new Channel(32), 1);
 * await runChannelOp("1:5", "put", 42);
 * ```
 * @module
 */
import type { ChannelLike } from "../channels/channel-like.ts";
import { Channel, WITHDRAWABLE } from "../channels/channel.ts";
import { registerHandler } from "../cluster/dispatch.ts";
import { peers } from "../cluster/peers.ts";
import { state } from "../cluster/state.ts";
import { registerSystemFunction } from "../code/function-spec.ts";
import { type CallBody, resolveCallable } from "../code/invoke.ts";
import { ProcessExitedError, toWireError } from "../errors.ts";
import { decode } from "../protocol/codec.ts";
import { MSG, type RefId } from "../protocol/messages.ts";
import { assertSendable } from "../protocol/sendable.ts";
import { refKey, refs } from "./refs.ts";

/** The operations a holder can ask of a channel's owner. */
export const CHANNEL_OPS = ["put", "take", "fetch", "isready", "wait", "close", "isopen"] as const;
/** One of CHANNEL_OPS. */
export type ChannelOp = (typeof CHANNEL_OPS)[number];

/** RemoteChannel(pid) without a factory makes a Channel(1), as Julia's does. */
export function defaultChannel(): Channel<unknown> {
  return new Channel(1);
}
registerSystemFunction("defaultChannel", defaultChannel);

/** Builds the channel for `key` here, held by `creator`. Factory errors surface on first use. */
export function createOwnedChannel(key: string, build: () => unknown, creator: number): void {
  refs.create(key, { kind: "channel" });
  refs.addClient(key, creator);
  let made: unknown;
  try {
    made = build();
  } catch (err) {
    refs.settle(key, false, err);
    return;
  }
  Promise.resolve(made).then(
    (channel) => {
      if (!isChannelLike(channel)) {
        refs.settle(
          key,
          false,
          new TypeError(
            `The RemoteChannel factory returned ${
              describe(channel)
            }, not a channel (an object with put, take, fetch, isready, wait, close and isopen)`,
          ),
        );
      } else {
        refs.settle(key, true, channel);
      }
    },
    (err: unknown) => refs.settle(key, false, err),
  );
}

/** The waiting operations of each holder, by pid: withdrawn when that process is gone. */
const waiting = new Map<number, Set<(err: Error) => void>>();

peers.onRemoved((pid, detail) => {
  const ops = waiting.get(pid);
  if (ops === undefined) return;
  waiting.delete(pid);
  const err = new ProcessExitedError(pid, detail);
  for (const withdraw of ops) withdraw(err);
});

/** Runs a put, take, fetch or wait of process `from` on a Channel, withdrawn if `from` goes. */
async function runWithdrawable(
  from: number,
  channel: Channel<unknown>,
  op: "put" | "take" | "fetch" | "wait",
  arg: unknown,
): Promise<unknown> {
  const { promise, withdraw } = channel[WITHDRAWABLE](op, arg);
  const gone = peers.goneDetail(from);
  if (gone !== undefined) withdraw(new ProcessExitedError(from, gone));
  let ops = waiting.get(from);
  if (ops === undefined) waiting.set(from, ops = new Set());
  ops.add(withdraw);
  try {
    const value = await promise;
    return op === "take" || op === "fetch" ? value : null;
  } finally {
    ops.delete(withdraw);
    if (ops.size === 0 && waiting.get(from) === ops) waiting.delete(from);
  }
}

/**
 * Runs one operation on an owned channel (waiting for the factory if needed), for process
 * `from` (default: this one). A Channel's waiting operations are withdrawn when `from` has
 * gone; another store cannot withdraw one, so a take of a process that has gone may still
 * receive an item there.
 */
export function runChannelOp(key: string, op: ChannelOp, arg: unknown, from: number = state.myid): Promise<unknown> {
  return refs.during(key, async () => {
    const entry = await refs.whenReady(key);
    if (entry.state === 2) throw entry.value;
    const channel = entry.value as ChannelLike<unknown>;
    if (from !== state.myid && channel instanceof Channel && (op === "put" || op === "take" || op === "fetch" || op === "wait")) {
      return runWithdrawable(from, channel, op, arg);
    }
    switch (op) {
      case "put":
        await channel.put(arg);
        return null;
      case "take":
        return await channel.take();
      case "fetch":
        return await channel.fetch();
      case "isready":
        return await channel.isready();
      case "wait":
        await channel.wait();
        return null;
      case "close":
        await channel.close();
        return null;
      case "isopen":
        return await channel.isopen();
      default:
        throw new TypeError(`Unknown channel operation ${JSON.stringify(op)}; expected one of ${CHANNEL_OPS.join(", ")}`);
    }
  });
}

function isChannelLike(value: unknown): value is ChannelLike<unknown> {
  if (typeof value !== "object" || value === null) return false;
  return CHANNEL_OPS.every((op) => typeof (value as Record<string, unknown>)[op] === "function");
}

function describe(value: unknown): string {
  return value === null
    ? "null"
    : typeof value === "object"
    ? `an object without ${CHANNEL_OPS.filter((op) => typeof (value as Record<string, unknown>)[op] !== "function").join(", ")}`
    : typeof value;
}

registerHandler(MSG.CHAN_NEW, (conn, frame) => {
  let body: CallBody;
  try {
    body = decode(frame.body, frame) as CallBody;
  } catch {
    return;
  }
  const ref = body[2]!;
  const key = refKey(ref[0], ref[1]);
  let callable: ReturnType<typeof resolveCallable>;
  try {
    callable = resolveCallable(body);
  } catch (err) {
    createOwnedChannel(key, () => {
      throw err;
    }, conn.peerPid);
    return;
  }
  createOwnedChannel(
    key,
    () => (callable instanceof Promise ? callable.then(([fn, args]) => fn(...args)) : callable[0](...callable[1])),
    conn.peerPid,
  );
});

registerHandler(MSG.CHAN_OP, (conn, frame) => {
  let ref: RefId;
  let op: ChannelOp;
  let arg: unknown;
  try {
    [ref, op, arg] = decode(frame.body, frame) as [RefId, ChannelOp, unknown];
  } catch (err) {
    conn.respondError(frame.id, toWireError(err, state.myid));
    return;
  }
  runChannelOp(refKey(ref[0], ref[1]), op, arg, conn.peerPid).then(
    (value) => {
      if (conn.closed) return;
      try {
        assertSendable(value, `the value taken from RemoteChannel ${ref[0]}:${ref[1]}`);
        conn.respond(frame.id, value);
      } catch (err) {
        conn.respondError(frame.id, toWireError(err, state.myid));
      }
    },
    (err: unknown) => {
      if (!conn.closed) conn.respondError(frame.id, toWireError(err, state.myid));
    },
  );
});
