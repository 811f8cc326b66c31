/**
 * Message types and the shapes of their bodies. Requests carry a non-zero id that their
 * response repeats; notifications carry id 0.
 *
 * @example
 * ```ts
 * encodeFrame(MSG.CALL_FETCH, 7, encode([spec, args]).body, []);
 * ```
 * @module
 */

/** Wire protocol version; both ends of every connection must agree. */
export const PROTOCOL_VERSION = 1;

/** Message type tags (one byte on the wire). */
export const MSG = {
  /** listener -> connector: `{ v, nonce, pid, max }` (max: the largest frame it accepts) */
  HELLO: 1,
  /** connector -> listener: `{ v, nonce, pid, mac, max }` */
  AUTH: 2,
  /** listener -> connector: `{ mac, pid }` */
  AUTH_OK: 3,
  /** either way: `{ reason }`, then the connection closes */
  AUTH_FAIL: 4,
  /** request master -> worker: JoinRequest */
  JOIN: 10,
  /** request: `[fnSpec, args]`; response: the value */
  CALL_FETCH: 11,
  /** notify: `[fnSpec, args, refId]`; the value stays on the callee; the frame id is refId's number */
  CALL: 12,
  /** request: `[fnSpec, args, refId]`; response when done (value stays) */
  CALL_WAIT: 13,
  /** notify: `[fnSpec, args]`; errors are printed on the callee */
  REMOTE_DO: 14,
  /** request: `[refId, release]`; response: the value once ready */
  REF_FETCH: 15,
  /** request: `[refId]`; response once ready */
  REF_WAIT: 16,
  /** request: `[refId]`; response: boolean */
  REF_READY: 17,
  /** notify: `[refIds]`; the caller no longer needs these values */
  REF_DEL: 18,
  /** notify master -> worker: exit now */
  EXIT: 19,
  /** request: `[refId, value]`; sets a Future held here (error if already set) */
  REF_PUT: 20,
  /** notify either way: a heartbeat on an idle connection (never dispatched) */
  PING: 21,
  /** notify to an owner: `[[refId, clientPid], ...]`: these processes now hold a handle */
  REF_ADD: 22,
  /** notify to an owner: `[fnSpec, args, refId]`: create a RemoteChannel from a factory */
  CHAN_NEW: 23,
  /** request to an owner: `[refId, op, arg]`; response: the operation's result */
  CHAN_OP: 24,
  /** request worker -> master: `{ pid }`; response: `{ host, port }` of that worker */
  PEER_LOOKUP: 25,
  /** request worker -> master: `{ pid }`: have that (higher) pid connect to me */
  CONNECT_BACK: 26,
  /** request master -> worker: `{ pid, host, port }`: connect to that (lower) pid */
  CONNECT_TO: 27,
  /** notify master -> workers: `{ pid, detail }`: that worker is gone */
  PEER_GONE: 28,
  /** notify master -> worker: interrupt the running calls (for workers no signal reaches) */
  INTERRUPT: 29,
  /** notify master -> worker: `{ workers }`: the cluster's worker pids, after each addprocs */
  MEMBERS: 33,
  /** response: the value */
  RESULT_OK: 30,
  /** response: a WireError */
  RESULT_ERR: 31,
  /** to a WorkerPool's owner: `[refId, op, pid]`; a request for take/wait/status, a notification (id 0) for put/push */
  POOL_OP: 32,
  /** notify rank -> rank of an SPMD communicator: an envelope `{ c, s, k, q, i, t, v }` (src/spmd/mailbox.ts) */
  SPMD: 34,
} as const;

/** A message type tag. */
export type MessageType = (typeof MSG)[keyof typeof MSG];

/** Identifies a value held by its owner: [pid that created the reference, number]. */
export type RefId = [whence: number, id: number];

/** What the master tells a worker when it joins the cluster. */
export interface JoinRequest {
  pid: number;
  /** Cluster topology, for worker-to-worker connections. */
  topology: string;
  /** Heartbeat interval, silence timeout and host timeout, in ms (a timeout of 0: that check is off). */
  heartbeat: [interval: number, timeout: number, hostTimeout: number];
  /**
   * The master's hostname and kernel boot id and PID namespace (runtime/shm/reach.ts): the
   * worker refuses to make shared memory with a master on another host. Absent from older masters.
   */
  host?: HostIdentity;
}

/** Where a process runs, as far as sharing memory goes: its hostname, boot id and PID namespace. */
export interface HostIdentity {
  hostname: string;
  /** Kernel boot id and PID namespace, or null when the process cannot tell. */
  memoryNamespace: string | null;
}

/** What a worker answers to JoinRequest. */
export interface JoinReply {
  ospid: number;
  hostname: string;
  cpus: number;
  runtime: string;
  runtimeVersion: string;
  packageVersion: string;
  /**
   * Why the worker cannot map memory shared with other processes on its host (Deno without
   * --allow-ffi, no koffi, no /dev/shm), or null when it can. Absent from older workers.
   */
  sharedMemory?: { code: string; message: string } | null;
  /**
   * The worker's kernel boot id and PID namespace (runtime/shm/reach.ts): a process on its
   * host can open its shared memory, and it theirs, only when these are equal. Null when it
   * cannot tell; absent from older workers.
   */
  memoryNamespace?: string | null;
}

/** Names a type tag for error messages. */
export function messageName(type: number): string {
  for (const [name, value] of Object.entries(MSG)) if (value === type) return name;
  return `unknown(${type})`;
}
