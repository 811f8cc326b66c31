/**
 * A user-implemented channel store for examples/seed003/08-remote-channels.ts (seed 003's
 * "RemoteChannel can thus be used to refer to user implemented AbstractChannel objects", like
 * `dictchannel.jl` in Julia's examples): `take` hands out the smallest value first rather than
 * the oldest. It implements `ChannelLike` (put, take, fetch, isready, wait, close, isopen), so
 * `new RemoteChannel(() => new PriorityChannel(), pid)` puts one on any process that loaded
 * this module.
 *
 * @example
 * ```ts
 * await everywhere(new URL("./priority-channel.ts", import.meta.url));
 * const pq = new RemoteChannel<number>(() => new PriorityChannel(), 2);
 * await pq.put(5); await pq.put(1);
 * await pq.take(); // 1
 * ```
 * @module
 */
import { ChannelClosedError, type ChannelLike } from "distributed";

/** A channel of numbers that are taken smallest first; unbounded. */
export class PriorityChannel implements ChannelLike<number> {
  readonly #items: number[] = [];
  readonly #waiters: Array<() => void> = [];
  #open = true;

  put(value: number): number {
    if (!this.#open) throw new ChannelClosedError("put");
    // Sorted insert: the smallest value is at the front.
    let at = this.#items.findIndex((x) => x > value);
    if (at < 0) at = this.#items.length;
    this.#items.splice(at, 0, value);
    for (const wake of this.#waiters.splice(0)) wake();
    return value;
  }

  async take(): Promise<number> {
    await this.#ready("take");
    return this.#items.shift()!;
  }

  async fetch(): Promise<number> {
    await this.#ready("fetch");
    return this.#items[0]!;
  }

  isready(): boolean {
    return this.#items.length > 0;
  }

  wait(): Promise<void> {
    return this.#ready("wait");
  }

  /** Resolves once a value is there; rejects once the channel is closed and empty. */
  async #ready(op: "take" | "fetch" | "wait"): Promise<void> {
    while (this.#items.length === 0) {
      if (!this.#open) throw new ChannelClosedError(op);
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  close(): void {
    this.#open = false;
    for (const wake of this.#waiters.splice(0)) wake();
  }

  isopen(): boolean {
    return this.#open;
  }
}
