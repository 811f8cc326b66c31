/**
 * ChannelLike: the contract between a RemoteChannel and the store behind it on its owner.
 * Channel implements it (channel.ts); so can any user-defined store, e.g. one backed by a file
 * or a database, whose methods may answer directly or with a promise.
 *
 * @example
 * ```ts
 * import { Channel, RemoteChannel, type ChannelLike } from "distributed";
 * const makeStore = (): ChannelLike<number> => new Channel<number>(4); // a Channel is one
 * const rc = new RemoteChannel<number>(makeStore);                    // its store lives on this process
 * await rc.put(1);
 * await rc.take(); // 1
 * ```
 * @module
 */

/**
 * What a RemoteChannel needs from the store behind it; Channel implements it, and so can any
 * user-defined store. Every method may answer directly or with a promise.
 *
 * @example
 * ```ts
 * import { Channel, type ChannelLike } from "distributed";
 * const store: ChannelLike<string> = new Channel<string>(4);
 * await store.put("a");
 * await store.fetch(); // "a", still there
 * await store.take();  // "a", removed
 * ```
 */
export interface ChannelLike<T> {
  /** Stores `value` (or hands it to a taker) and then answers with it. */
  put(value: T): Promise<T> | T;
  /** Removes and answers with the first item. */
  take(): Promise<T> | T;
  /** Answers with the first item without removing it. */
  fetch(): Promise<T> | T;
  /** Whether an item can be taken now. */
  isready(): Promise<boolean> | boolean;
  /** Answers once an item can be taken. */
  wait(): Promise<void> | void;
  /** Stops further puts. */
  close(): void | Promise<void>;
  /** Whether the store still accepts puts. */
  isopen(): boolean | Promise<boolean>;
}
