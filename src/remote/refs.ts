/**
 * Values owned by this process on behalf of references (Futures) held elsewhere: the result
 * of a remotecall stays here until its holder fetches or releases it.
 *
 * @example
 * ```ts
 * refs.create("1:7"); refs.settle("1:7", true, 42);
 * (await refs.whenReady("1:7")).value; // 42
 * ```
 * @module
 */

/** One stored value. state: 0 pending, 1 value, 2 error. */
export interface RefEntry {
  state: 0 | 1 | 2;
  value: unknown;
  waiters: Array<(entry: RefEntry) => void> | null;
}

/** Key of a reference: "whence:id". */
export function refKey(whence: number, id: number): string {
  return `${whence}:${id}`;
}

class RefStore {
  #entries = new Map<string, RefEntry>();

  /** Creates a pending entry (idempotent). */
  create(key: string): RefEntry {
    let entry = this.#entries.get(key);
    if (entry === undefined) {
      entry = { state: 0, value: undefined, waiters: null };
      this.#entries.set(key, entry);
    }
    return entry;
  }

  /** The entry, if it exists. */
  get(key: string): RefEntry | undefined {
    return this.#entries.get(key);
  }

  /** Sets the value (ok) or error; returns false if it was already set. */
  settle(key: string, ok: boolean, value: unknown): boolean {
    const entry = this.create(key);
    if (entry.state !== 0) return false;
    entry.state = ok ? 1 : 2;
    entry.value = value;
    const waiters = entry.waiters;
    entry.waiters = null;
    if (waiters) for (const w of waiters) w(entry);
    return true;
  }

  /** Resolves once the entry holds a value or an error (waiting for a put if it is new). */
  whenReady(key: string): Promise<RefEntry> | RefEntry {
    const entry = this.create(key);
    if (entry.state !== 0) return entry;
    return new Promise((resolve) => (entry.waiters ??= []).push(resolve));
  }

  /** Forgets an entry. */
  delete(key: string): void {
    this.#entries.delete(key);
  }

  /** Number of stored entries (for tests of release). */
  get size(): number {
    return this.#entries.size;
  }
}

/** This process's reference store. */
export const refs: RefStore = new RefStore();
