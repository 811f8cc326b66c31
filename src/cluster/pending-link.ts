/**
 * A link to a worker that is still being connected to: it holds the messages and requests sent
 * meanwhile, in order, and sends them once the connection is up, or fails them all (with the
 * first reason given) if it never comes up. links.ts makes and resolves it.
 *
 * @example
 * ```ts
 * const link = new PendingLink(3);
 * link.send(MSG.REMOTE_DO, 0, body);   // held
 * link.resolve(conn);                  // sent now, in order
 * ```
 * @module
 */
import type { Encoded } from "../protocol/codec.ts";
import { messageName } from "../protocol/messages.ts";
import { writeStderr } from "../runtime/host.ts";
import { type Connection, encodeFor } from "../transport/connection.ts";
import type { Link } from "./peers.ts";
import { state } from "./state.ts";

/** Holds messages for a peer until the connection to it is up. */
export class PendingLink implements Link {
  readonly pid: number;
  #conn: Connection | null = null;
  #error: Error | null = null;
  #waiting: Array<{ run: (conn: Connection) => void; fail: (err: Error) => void }> = [];

  constructor(pid: number) {
    this.pid = pid;
  }

  get closed(): boolean {
    return this.#error !== null || (this.#conn?.closed ?? false);
  }

  resolve(conn: Connection): void {
    this.#conn = conn;
    for (const w of this.#waiting.splice(0)) w.run(conn);
  }

  fail(err: Error): void {
    // The first failure stands (PEER_GONE may come before or after the connection's own error).
    if (this.#error !== null) return;
    this.#error = err;
    for (const w of this.#waiting.splice(0)) w.fail(err);
  }

  /** Resolves once connected; rejects if connecting failed. */
  ready(): Promise<void> {
    if (this.#error !== null) return Promise.reject(this.#error);
    if (this.#conn !== null) return Promise.resolve();
    return new Promise((resolve, reject) => this.#waiting.push({ run: () => resolve(), fail: reject }));
  }

  send(type: number, id: number, value: unknown): void {
    this.sendEncoded(type, id, encodeFor(this.pid, value));
  }

  sendEncoded(type: number, id: number, encoded: Encoded): void {
    if (this.#error !== null) throw this.#error;
    if (this.#conn !== null) return this.#conn.sendEncoded(type, id, encoded);
    const run = (c: Connection): void => {
      try {
        c.sendEncoded(type, id, encoded);
      } catch (err) {
        // The peer's size limit is known only now, after the caller has returned: say so where
        // a remoteDo error would be said, and keep the messages queued behind this one.
        writeStderr(`Worker ${state.myid}: a ${messageName(type)} message to worker ${this.pid} was not sent: ${(err as Error).message}\n`);
      }
    };
    this.#waiting.push({ run, fail: () => {} });
  }

  request(type: number, value: unknown): Promise<unknown> {
    let encoded: Encoded;
    try {
      encoded = encodeFor(this.pid, value);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.requestEncoded(type, encoded);
  }

  requestEncoded(type: number, encoded: Encoded): Promise<unknown> {
    if (this.#error !== null) return Promise.reject(this.#error);
    if (this.#conn !== null) return this.#conn.requestEncoded(type, encoded);
    return new Promise((resolve, reject) => {
      this.#waiting.push({ run: (c) => c.requestEncoded(type, encoded).then(resolve, reject), fail: reject });
    });
  }
}
