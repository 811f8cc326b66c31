/**
 * How SPMD messages travel: as one more message type of the cluster (MSG.SPMD), registered
 * with the router, over the connections the cluster already has (master to worker, and
 * worker to worker, made on first use, authenticated with the cookie, watched by heartbeats).
 * Every rank is a cluster process; a communicator is a list of pids. Typed arrays in a message
 * travel as frame segments: no per-element work on either side.
 *
 * The cluster's knowledge of who is gone (the peers' removal, the master's PEER_GONE) is what
 * makes a communicator fail loudly: every communicator that holds the pid fails at once.
 * Messages for a communicator not made here yet (a rank that sends before another has entered
 * `spmd`'s function, or a split's new communicator) wait in `early` until it is.
 *
 * @example
 * ```ts
 * attach("w", endpoint);                       // endpoint.deliver gets the envelopes of "w"
 * post(3, { c: "w", s: 0, k: "", q: 0, i: 0, t: 1, v: new Float64Array(8) });
 * ```
 * @module
 */
import { registerHandler } from "../cluster/dispatch.ts";
import { peers } from "../cluster/peers.ts";
import { state } from "../cluster/state.ts";
import { decode } from "../protocol/codec.ts";
import { MSG } from "../protocol/messages.ts";
import type { Envelope } from "./mailbox.ts";

/** What the wire needs of a communicator on this process. */
export interface Endpoint {
  deliver(env: Envelope): void;
  /** A pid is gone: the communicator fails if it holds it. */
  peerGone(pid: number, detail: string): void;
}

const endpoints = new Map<string, Endpoint>();
const early = new Map<string, Envelope[]>();
/** Bounds what an id nobody attaches can hold (a rank that left the communicator's function early). */
const EARLY_LIMIT = 100_000;

/** Routes communicator `id`'s envelopes to `endpoint`, first those that came early. */
export function attach(id: string, endpoint: Endpoint): void {
  endpoints.set(id, endpoint);
  const waiting = early.get(id);
  early.delete(id);
  for (const env of waiting ?? []) endpoint.deliver(env);
}

/** Stops routing `id` (after finalize); later envelopes for it are dropped. */
export function detach(id: string): void {
  endpoints.delete(id);
  early.delete(id);
}

/** Sends an envelope to the process `pid` (this one: delivered in place). */
export function post(pid: number, env: Envelope): void {
  if (pid === state.myid) return void receive(env);
  peers.connectionTo(pid).send(MSG.SPMD, 0, env);
}

/**
 * Sends only over a connection that is already up (no new link for it): a goodbye after
 * finalize must not open links, whose set-up would keep an ending process alive.
 */
export function postIfConnected(pid: number, env: Envelope): void {
  const peer = peers.get(pid);
  if (peer !== undefined && !peer.conn.closed) peer.conn.send(MSG.SPMD, 0, env);
}

function receive(env: Envelope): void {
  const endpoint = endpoints.get(env.c);
  if (endpoint !== undefined) return endpoint.deliver(env);
  const list = early.get(env.c) ?? [];
  if (list.length < EARLY_LIMIT) list.push(env);
  early.set(env.c, list);
}

/**
 * Lets the connection to `pid` stop keeping this process alive (a launcher's rank after
 * finalize: its link to rank 0, the master, was held while it served).
 */
export function releaseLink(pid: number): void {
  const peer = peers.get(pid);
  if (peer !== undefined && !peer.conn.closed) peer.conn.release();
}

/** Tells every communicator here that `pid` is gone (the peers' removal, or a launcher that lost rank 0). */
export function notifyGone(pid: number, detail: string): void {
  for (const endpoint of [...endpoints.values()]) endpoint.peerGone(pid, detail);
}

registerHandler(MSG.SPMD, (_conn, frame) => receive(decode(frame.body, frame) as Envelope));
peers.onRemoved(notifyGone);
