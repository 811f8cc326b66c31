/**
 * The master as the cluster's directory: it knows where every worker listens, answers
 * lookups, asks a higher pid to connect back to a lower one, enforces the topology, tells the
 * workers when one of them is gone, and connects eager topologies after addprocs.
 *
 * @example
 * ```ts
 * await connectEagerTopology([4, 5]); // after addprocs, for lazy: false or custom
 * ```
 * @module
 */
import { ProcessExitedError, TopologyError, toWireError } from "../errors.ts";
import { decode } from "../protocol/codec.ts";
import { MSG } from "../protocol/messages.ts";
import type { Connection } from "../transport/connection.ts";
import { registerHandler } from "./dispatch.ts";
import { type Peer, peers } from "./peers.ts";
import { state } from "./state.ts";

/** Whether the topology lets workers `a` and `b` talk to each other. */
export function connects(a: Peer, b: Peer): boolean {
  if (state.topology === "master_worker") return false;
  if (state.topology === "all_to_all") return true;
  const ia = a.config?.ident;
  const ib = b.config?.ident;
  return (ib !== undefined && (a.config?.connectIdents ?? []).includes(ib)) ||
    (ia !== undefined && (b.config?.connectIdents ?? []).includes(ia));
}

function reachable(from: number, to: number): Peer & { address: { host: string; port: number } } {
  const target = peers.get(to);
  if (target === undefined || target.address === undefined) {
    const gone = peers.goneDetail(to);
    if (gone !== undefined) throw new ProcessExitedError(to, gone);
    throw new RangeError(`No worker with pid ${to}: the workers are [${peers.pids().join(", ")}]`);
  }
  const source = peers.get(from);
  if (source !== undefined && !connects(source, target)) {
    throw new TopologyError(from, to, state.topology, state.topology === "custom" ? " and neither names the other in connectIdents" : "");
  }
  // A tunnelled worker listens on its host's loopback: only workers on the same host reach it.
  const tunnelled = [target, source].find((p) => p?.config?.via !== undefined);
  if (tunnelled !== undefined && source !== undefined && source.config?.hostLabel !== target.config?.hostLabel) {
    throw new TopologyError(
      from,
      to,
      state.topology,
      `, but worker ${tunnelled.pid} on ${tunnelled.config?.hostLabel} is reached only through an ssh tunnel from the master (tunnel: true)`,
      'Use tunnel: false when the hosts can reach each other, or add the workers with { topology: "master_worker" }',
    );
  }
  return target as Peer & { address: { host: string; port: number } };
}

function answer(conn: Connection, id: number, work: () => unknown): void {
  // The asker may be gone by the time the answer is ready: then there is no one to tell.
  Promise.resolve()
    .then(work)
    .then(
      (value) => {
        if (!conn.closed) conn.respond(id, value ?? null);
      },
      (err: unknown) => {
        if (!conn.closed) conn.respondError(id, toWireError(err, state.myid));
      },
    );
}

registerHandler(MSG.PEER_LOOKUP, (conn, frame) => {
  const { pid } = decode(frame.body) as { pid: number };
  answer(conn, frame.id, () => reachable(conn.peerPid, pid).address);
});

registerHandler(MSG.CONNECT_BACK, (conn, frame) => {
  const { pid } = decode(frame.body) as { pid: number };
  answer(conn, frame.id, async () => {
    reachable(conn.peerPid, pid);
    const lower = reachable(pid, conn.peerPid);
    await peers.connectionTo(pid).request(MSG.CONNECT_TO, { pid: conn.peerPid, host: lower.address.host, port: lower.address.port });
  });
});

/**
 * Master: tells every worker who the workers are, so that workers(), nworkers() and nprocs()
 * agree everywhere whatever the topology (connections are not membership). Sent before
 * addprocs resolves, so a call made after it sees the new membership.
 */
export function announceMembers(): void {
  if (state.myid !== 1) return;
  const workers = peers.pids();
  for (const peer of peers.all()) {
    if (!peer.conn.closed) peer.conn.send(MSG.MEMBERS, 0, { workers });
  }
}

/** Master: tells every worker that `pid` is gone, so they stop waiting on it and drop its references. */
export function announceGone(pid: number, detail: string): void {
  if (state.myid !== 1) return;
  for (const peer of peers.all()) {
    if (peer.pid !== pid && !peer.conn.closed) peer.conn.send(MSG.PEER_GONE, 0, { pid, detail });
  }
}
peers.onRemoved(announceGone);

/**
 * Master, after addprocs: for eager topologies (all_to_all with lazy: false, and custom),
 * each new worker connects to every lower pid it may talk to. Higher connects to lower, so
 * each pair gets exactly one connection.
 */
export async function connectEagerTopology(newPids: readonly number[]): Promise<void> {
  if (state.topology === "master_worker" || (state.topology === "all_to_all" && state.lazy)) return;
  await Promise.all(
    newPids.map(async (high) => {
      const h = peers.get(high);
      if (h === undefined) return;
      for (const low of peers.pids()) {
        const l = peers.get(low);
        if (low >= high || l === undefined || l.address === undefined || !connects(h, l)) continue;
        await h.conn.request(MSG.CONNECT_TO, { pid: low, host: l.address.host, port: l.address.port });
      }
    }),
  );
}
