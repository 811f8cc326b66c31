/**
 * The requests a connection has sent and not yet had answered: each gets an id, and the response
 * carrying that id settles it. When the connection closes, every one left rejects.
 *
 * @example
 * ```ts
 * const requests = new RequestTable();
 * const { id, promise } = requests.add();   // send the request frame with this id
 * requests.take(id)?.resolve(value);        // when the response with this id arrives
 * await promise;
 * ```
 * @module
 */

/** A request waiting for its response. */
export interface PendingRequest {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

/** Request ids wrap around below this (0xffffffff is never used; 0 is "not a request"). */
const LAST_ID = 0xfffffffe;

/** Pending requests by id. */
export class RequestTable {
  #pending = new Map<number, PendingRequest>();
  #nextId = 1;

  /** A new request: its id, and the promise its response settles. */
  add(): { id: number; promise: Promise<unknown> } {
    const id = this.#nextId;
    this.#nextId = this.#nextId >= LAST_ID ? 1 : this.#nextId + 1;
    const promise = new Promise<unknown>((resolve, reject) => this.#pending.set(id, { resolve, reject }));
    return { id, promise };
  }

  /** Removes and returns request `id`, or undefined if no such request is pending. */
  take(id: number): PendingRequest | undefined {
    const pending = this.#pending.get(id);
    if (pending !== undefined) this.#pending.delete(id);
    return pending;
  }

  /** Rejects every pending request with `error`, and forgets them. */
  rejectAll(error: Error): void {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) p.reject(error);
  }
}
