/**
 * What this process owns on behalf of references held anywhere in the cluster: the values of
 * Futures (a remotecall's result stays on the worker that computed it), the channels behind
 * RemoteChannels, and the WorkerPools other processes hold handles to. This is the owner's half
 * of the distributed GC.
 *
 * Each entry counts its holders per pid. A holder that sends a handle on tells the owner
 * first (REF_ADD for the receiver); a holder that drops one says so (REF_DEL); fetch() drops
 * the fetcher's hold. Counts are per pid and may dip below zero for a moment, when a receiver's
 * release overtakes the sender's ADD on another connection; the entry is freed only when every
 * count is zero, nothing is running on it and no call is still computing its value. Holders
 * that die are dropped (their pids are announced by the master).
 *
 * @example
 * ```ts
 * refs.create("1:7", { running: true }).clients.set(1, 1);
 * refs.settle("1:7", true, 42);
 * refs.removeClient("1:7", 1); // freed
 * ```
 * @module
 */
import type { ChannelLike } from "../channels/channel-like.ts";

/** One owned value. state: 0 pending, 1 value, 2 error. */
export interface RefEntry {
  kind: "future" | "channel" | "pool" | "chunk";
  state: 0 | 1 | 2;
  value: unknown;
  waiters: Array<(entry: RefEntry) => void> | null;
  /** Holders: pid -> number of handles it holds. */
  clients: Map<number, number>;
  /** Operations in progress on this entry (a fetch waiting, a channel take waiting). */
  inflight: number;
  /** A call is still computing the value. */
  running: boolean;
  /** For channels: the backing object once its factory has run (state 1), or the factory's error (state 2). */
  channel?: ChannelLike<unknown>;
}

/** Key of a reference: "whence:id". */
export function refKey(whence: number, id: number): string {
  return `${whence}:${id}`;
}

class RefStore {
  #entries = new Map<string, RefEntry>();

  /** The entry for `key`, created if missing. */
  create(key: string, options: { kind?: RefEntry["kind"]; running?: boolean } = {}): RefEntry {
    let entry = this.#entries.get(key);
    if (entry === undefined) {
      entry = {
        kind: options.kind ?? "future",
        state: 0,
        value: undefined,
        waiters: null,
        clients: new Map(),
        inflight: 0,
        running: options.running ?? false,
      };
      this.#entries.set(key, entry);
    } else {
      if (options.kind !== undefined) entry.kind = options.kind;
      if (options.running) entry.running = true;
    }
    return entry;
  }

  /**
   * Keeps `value`, an object of this process that others hold handles to (a WorkerPool), as the
   * entry's value until every holder has let go. The caller adds the first holder next.
   */
  keep(key: string, value: object): void {
    const entry = this.create(key, { kind: "pool" });
    if (entry.state === 0) {
      entry.state = 1;
      entry.value = value;
    }
  }

  /** The entry, if it exists. */
  get(key: string): RefEntry | undefined {
    return this.#entries.get(key);
  }

  /** `pid` now holds `n` more handles to `key`. */
  addClient(key: string, pid: number, n = 1): void {
    const entry = this.create(key);
    const count = (entry.clients.get(pid) ?? 0) + n;
    if (count === 0) entry.clients.delete(pid);
    else entry.clients.set(pid, count);
    this.#maybeFree(key, entry);
  }

  /** `pid` dropped `n` handles to `key`. */
  removeClient(key: string, pid: number, n = 1): void {
    this.addClient(key, pid, -n);
  }

  /** Forgets every hold of a process that is gone. */
  dropClient(pid: number): void {
    for (const [key, entry] of this.#entries) {
      if (entry.clients.delete(pid)) this.#maybeFree(key, entry);
    }
  }

  /** Sets the value (ok) or error; returns false if it was already set. */
  settle(key: string, ok: boolean, value: unknown): boolean {
    const entry = this.create(key);
    entry.running = false;
    if (entry.state !== 0) return false;
    entry.state = ok ? 1 : 2;
    entry.value = value;
    const waiters = entry.waiters;
    entry.waiters = null;
    if (waiters) { for (const w of waiters) w(entry); }
    this.#maybeFree(key, entry);
    return true;
  }

  /** Resolves once the entry holds a value or an error (waiting for a put if it is new). */
  whenReady(key: string): Promise<RefEntry> | RefEntry {
    const entry = this.create(key);
    if (entry.state !== 0) return entry;
    return new Promise((resolve) => (entry.waiters ??= []).push(resolve));
  }

  /** Runs `work` as an operation on the entry: it is not freed while the work runs. */
  async during<T>(key: string, work: (entry: RefEntry) => Promise<T> | T): Promise<T> {
    const entry = this.create(key);
    entry.inflight++;
    try {
      return await work(entry);
    } finally {
      entry.inflight--;
      this.#maybeFree(key, entry);
    }
  }

  /** Forgets an entry outright. */
  delete(key: string): void {
    this.#entries.delete(key);
  }

  /** How many Futures' values, channels and pools this process holds for others. */
  stats(): { futures: number; channels: number; pools: number } {
    let futures = 0;
    let channels = 0;
    let pools = 0;
    for (const entry of this.#entries.values()) {
      if (entry.kind === "channel") channels++;
      else if (entry.kind === "pool") pools++;
      else if (entry.kind !== "chunk") futures++;
    }
    return { futures, channels, pools };
  }

  /** How many entries of `kind` this process holds (DArray chunks are counted here, not in stats()). */
  count(kind: RefEntry["kind"]): number {
    let n = 0;
    for (const entry of this.#entries.values()) if (entry.kind === kind) n++;
    return n;
  }

  #maybeFree(key: string, entry: RefEntry): void {
    if (entry.clients.size > 0 || entry.inflight > 0 || entry.running || entry.waiters !== null) return;
    // A channel whose factory has not run yet, or a Future nobody has set, may still be
    // reached by an ADD that is on its way; both are freed once all holds are gone, which
    // they are: an empty client map after at least one change means every hold was dropped.
    this.#entries.delete(key);
  }
}

/** This process's reference store. */
export const refs: RefStore = new RefStore();
