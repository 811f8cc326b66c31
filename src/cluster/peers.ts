/**
 * The processes this one is connected to, by pid, and the ones that are gone (so that a call
 * to a dead worker fails at once with ProcessExitedError instead of hanging).
 *
 * @example
 * ```ts
 * const conn = peers.connectionTo(2); // throws ProcessExitedError if worker 2 has exited
 * ```
 * @module
 */
import { ProcessExitedError } from "../errors.ts";
import type { Encoded } from "../protocol/codec.ts";
import type { JoinReply } from "../protocol/messages.ts";
import type { Connection } from "../transport/connection.ts";
import type { ClusterManager, WorkerConfig } from "./manager.ts";
import { state } from "./state.ts";

/**
 * What sending to a peer needs: an open Connection, or a link still connecting that holds
 * messages until the connection is up (worker-to-worker connections are made on first use).
 */
export interface Link {
  readonly closed: boolean;
  send(type: number, id: number, value: unknown): void;
  sendEncoded(type: number, id: number, encoded: Encoded): void;
  request(type: number, value: unknown): Promise<unknown>;
  requestEncoded(type: number, encoded: Encoded): Promise<unknown>;
}

/** A known process. */
export interface Peer {
  pid: number;
  conn: Connection;
  /** Set on the master for the workers it launched. */
  manager?: ClusterManager;
  config?: WorkerConfig;
  info?: JoinReply;
  /** Where the peer listens. */
  address?: { host: string; port: number };
  /** It shares this process's memory (a thread worker, or the master of one): SharedArrays go by reference. */
  sharesMemory?: boolean;
  /** "exiting" once rmprocs asked it to leave. */
  state: "running" | "exiting";
  /** Resolves when the peer is gone (connection closed, and for launched workers, process ended). */
  gone: Promise<void>;
}

class Peers {
  #peers = new Map<number, Peer>();
  #dial: ((pid: number) => Link) | null = null;
  #gone = new Map<number, string>();
  /** Why a peer's connection broke, when it did: the `cause` of the errors that name it gone. */
  #goneCause = new Map<number, Error>();
  #listeners: Array<(pid: number, detail: string) => void> = [];

  /** Registers a connected peer. */
  add(peer: Peer): void {
    this.#peers.set(peer.pid, peer);
  }

  /** The peer with this pid, if connected. */
  get(pid: number): Peer | undefined {
    return this.#peers.get(pid);
  }

  /** All connected peers. */
  all(): Peer[] {
    return [...this.#peers.values()];
  }

  /** Pids of connected peers, ascending. */
  pids(): number[] {
    return [...this.#peers.keys()].sort((a, b) => a - b);
  }

  /** Records that a peer is gone; later calls to it fail with ProcessExitedError (with `cause` as theirs). */
  remove(pid: number, detail: string, cause?: Error): void {
    if (!this.#peers.delete(pid)) return;
    this.#gone.set(pid, detail);
    if (cause !== undefined) this.#goneCause.set(pid, cause);
    for (const listener of this.#listeners) listener(pid, detail);
  }

  /** Calls `fn` whenever a peer is removed. */
  onRemoved(fn: (pid: number, detail: string) => void): void {
    this.#listeners.push(fn);
  }

  /** Why a pid is gone, if it is. */
  goneDetail(pid: number): string | undefined {
    return this.#gone.get(pid);
  }

  /** Records that a pid is gone without ever having been connected here (told by the master). */
  markGone(pid: number, detail: string): void {
    if (this.#peers.has(pid)) return;
    if (!this.#gone.has(pid)) {
      this.#gone.set(pid, detail);
      for (const listener of this.#listeners) listener(pid, detail);
    }
  }

  /** @internal Installs how a worker reaches a peer it has no connection to yet. */
  setDialer(dial: (pid: number) => Link): void {
    this.#dial = dial;
  }

  /** The link to `pid` (connecting on first use between workers), or a clear error. */
  connectionTo(pid: number): Link {
    const peer = this.#peers.get(pid);
    if (peer !== undefined && !peer.conn.closed) return peer.conn;
    const detail = this.#gone.get(pid);
    if (detail !== undefined || peer !== undefined) {
      const cause = this.#goneCause.get(pid);
      throw new ProcessExitedError(pid, detail ?? "connection closed", cause !== undefined ? { cause } : undefined);
    }
    if (!Number.isInteger(pid) || pid < 1) throw new TypeError(`A pid must be a positive integer, got ${String(pid)}`);
    if (state.myid !== 1 && pid !== state.myid && this.#dial !== null) return this.#dial(pid);
    throw new RangeError(`No process with pid ${pid}: the workers are [${this.pids().join(", ")}] (add some with addprocs)`);
  }
}

/** This process's peers. */
export const peers: Peers = new Peers();
