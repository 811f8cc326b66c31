/**
 * A communicator's incoming messages on one rank, matched with the receives waiting for them.
 * Point-to-point messages match on (source, tag), either of which may be "any", in arrival
 * order (MPI's non-overtaking rule: two messages from one source with one tag are received in
 * the order they were sent). Collective messages match exactly on (source, sequence number,
 * step), so a collective can never take a user's message or another collective's.
 *
 * A failure (a rank gone, a mismatched collective) rejects every waiting receive and every
 * later one, so nothing waits for a message that cannot come. While a receive waits, the
 * process is held open: a rank waiting for a message has nothing else that keeps it alive
 * (the cluster's connections do not, by design).
 *
 * @example
 * ```ts
 * import { spmdInit } from "distributed";
 * const comm = await spmdInit();
 * if (comm.rank > 0) await comm.send("hi", 0, comm.rank);
 * else for (let k = 1; k < comm.size; k++) console.log(await comm.recvStatus("any", "any")); // { value: "hi", source, tag }
 * await comm.finalize();
 * ```
 * @module
 */

/** What travels between ranks: communicator id, source rank, collective kind ("" for send/recv), sequence number, step, tag, value. */
export interface Envelope {
  c: string;
  s: number;
  k: string;
  q: number;
  i: number;
  t: number;
  v: unknown;
}

/** A received point-to-point message. */
export interface Status<T = unknown> {
  value: T;
  source: number;
  tag: number;
}

interface Waiter {
  source: number | "any";
  tag: number | "any";
  resolve: (s: Status) => void;
  reject: (e: Error) => void;
}

import { holdProcess } from "../cluster/keepalive.ts";

const key = (s: number, q: number, i: number): string => `${s}:${q}:${i}`;

/** The incoming side of one communicator on one rank. */
export class Mailbox {
  #p2p: Envelope[] = [];
  #p2pWaiting: Waiter[] = [];
  #coll = new Map<string, Envelope>();
  #collWaiting = new Map<string, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #failed: Error | null = null;
  #release: (() => void) | null = null;

  /** Holds the process open while a receive waits; lets go when none does. */
  #held(): void {
    const waiting = this.#p2pWaiting.length + this.#collWaiting.size;
    if (waiting > 0 && this.#release === null) this.#release = holdProcess();
    else if (waiting === 0 && this.#release !== null) {
      this.#release();
      this.#release = null;
    }
  }

  /** Hands an arrived message to its receive, or keeps it until one is posted. */
  deliver(env: Envelope): void {
    if (env.k === "") {
      const at = this.#p2pWaiting.findIndex((w) => matches(w, env));
      if (at < 0) return void this.#p2p.push(env);
      const [w] = this.#p2pWaiting.splice(at, 1);
      this.#held();
      w!.resolve({ value: env.v, source: env.s, tag: env.t });
      return;
    }
    const k = key(env.s, env.q, env.i);
    const waiting = this.#collWaiting.get(k);
    if (waiting === undefined) return void this.#coll.set(k, env);
    this.#collWaiting.delete(k);
    this.#held();
    waiting.resolve(env.v);
  }

  /** The next point-to-point message from `source` with `tag` (either may be "any"). */
  receive(source: number | "any", tag: number | "any"): Promise<Status> {
    if (this.#failed !== null) return Promise.reject(this.#failed);
    const at = this.#p2p.findIndex((env) => matches({ source, tag }, env));
    if (at >= 0) {
      const [env] = this.#p2p.splice(at, 1);
      return Promise.resolve({ value: env!.v, source: env!.s, tag: env!.t });
    }
    const p = new Promise<Status>((resolve, reject) => this.#p2pWaiting.push({ source, tag, resolve, reject }));
    this.#held();
    return p;
  }

  /** The message of step `step` of collective `seq` from `source`. */
  collective(source: number, seq: number, step: number): Promise<unknown> {
    if (this.#failed !== null) return Promise.reject(this.#failed);
    const k = key(source, seq, step);
    const env = this.#coll.get(k);
    if (env !== undefined) {
      this.#coll.delete(k);
      return Promise.resolve(env.v);
    }
    const p = new Promise<unknown>((resolve, reject) => this.#collWaiting.set(k, { resolve, reject }));
    this.#held();
    return p;
  }

  /** Collective messages already here for `seq`, whatever their step (to check their kind). */
  arrivedFor(seq: number): Envelope[] {
    return [...this.#coll.values()].filter((e) => e.q === seq);
  }

  /** Rejects every waiting and later receive with `err` (the first failure wins). */
  fail(err: Error): void {
    if (this.#failed !== null) return;
    this.#failed = err;
    for (const w of this.#p2pWaiting) w.reject(err);
    for (const w of this.#collWaiting.values()) w.reject(err);
    this.#p2pWaiting = [];
    this.#collWaiting.clear();
    this.#held();
  }

  /** The failure, if any. */
  get failed(): Error | null {
    return this.#failed;
  }

  /** What is left: messages nobody received and receives nothing matched, described for finalize. */
  leftovers(): string[] {
    const out: string[] = [];
    for (const e of this.#p2p) out.push(`a message from rank ${e.s} with tag ${e.t} was never received`);
    for (const w of this.#p2pWaiting) out.push(`a recv(source ${w.source}, tag ${w.tag}) is still waiting`);
    return out;
  }
}

function matches(w: { source: number | "any"; tag: number | "any" }, env: Envelope): boolean {
  return (w.source === "any" || w.source === env.s) && (w.tag === "any" || w.tag === env.t);
}
