/**
 * Errors of connections between processes: one that cannot be made, one that was lost, a peer
 * that fails the cookie check or breaks the protocol.
 *
 * @example
 * ```ts
 * import { addprocs, ConnectError, WorkerStartError } from "distributed";
 * const err = await addprocs(["node9"]).catch((e: unknown) => e);
 * if (err instanceof WorkerStartError && err.cause instanceof ConnectError) console.error(`cannot reach ${err.cause.target}`);
 * ```
 * @module
 */
import { DistributedError } from "./base.ts";

/**
 * A connection to another process could not be made: refused or unreachable
 * (`ERR_CONNECT_FAILED`, with the socket's error as `cause`), or not made in time
 * (`ERR_CONNECT_TIMEOUT`). During addprocs it is the `cause` of a WorkerStartError; between
 * two workers it reaches the master inside a RemoteError.
 *
 * @example
 * ```ts
 * import { addprocs, ConnectError, WorkerStartError } from "distributed";
 * // node9's worker starts, but a firewall rejects connections to its port.
 * const err = await addprocs(["node9"], { tunnel: false }).catch((e: unknown) => e);
 * if (err instanceof WorkerStartError && err.cause instanceof ConnectError) {
 *   err.cause.code;   // "ERR_CONNECT_FAILED"
 *   err.cause.target; // "10.0.0.9:40125"
 * }
 * ```
 */
export class ConnectError extends DistributedError {
  /** What this process tried to reach: `host:port` (through a proxy, it says so), or a worker. */
  readonly target: string;
  constructor(message: string, details: { target: string; code?: "ERR_CONNECT_FAILED" | "ERR_CONNECT_TIMEOUT"; cause?: unknown }) {
    super(details.code ?? "ERR_CONNECT_FAILED", message, details.cause !== undefined ? { cause: details.cause } : undefined);
    this.target = details.target;
  }
}

/**
 * A connection that was up is gone: it closed (`ERR_CONNECTION_LOST`, with the reason as
 * `cause` when there is one), nothing was heard from the peer for the heartbeat timeout
 * (`ERR_HEARTBEAT_TIMEOUT`), or the peer's host stopped acknowledging for the host timeout
 * (`ERR_HOST_TIMEOUT`). On the process whose connection to a worker broke, calls on that worker
 * then fail with ProcessExitedError, whose `cause` is this error (other processes, told by the
 * master, get the reason in the message only).
 *
 * @example
 * ```ts
 * import { addprocs, isDistributedError, ProcessExitedError, remotecallFetch } from "distributed";
 * const [pid] = await addprocs(["node9"], { hostTimeout: 10 });
 * // node9 loses power during the call.
 * const err = await remotecallFetch(() => new Promise(() => {}), pid!).catch((e: unknown) => e);
 * if (err instanceof ProcessExitedError && isDistributedError(err.cause, "ERR_HOST_TIMEOUT")) console.error("node9 is unreachable");
 * ```
 */
export class ConnectionLostError extends DistributedError {
  /** The other end, as the connection names it, e.g. `worker 3 (10.0.0.3:40125)`. */
  readonly peer: string;
  constructor(
    message: string,
    details: { peer: string; code?: "ERR_CONNECTION_LOST" | "ERR_HEARTBEAT_TIMEOUT" | "ERR_HOST_TIMEOUT"; cause?: unknown },
  ) {
    super(details.code ?? "ERR_CONNECTION_LOST", message, details.cause !== undefined ? { cause: details.cause } : undefined);
    this.peer = details.peer;
  }
}

/**
 * A peer broke the protocol: a bad or oversized frame (`ERR_BAD_FRAME`, `ERR_FRAME_TOO_LARGE`),
 * a version mismatch (`ERR_PROTOCOL_VERSION`), an unknown or misplaced message (`ERR_PROTOCOL`).
 *
 * @example
 * ```ts
 * import { addprocs, ProtocolError } from "distributed";
 * // A worker host with another version of the package installed.
 * const err = await addprocs(["oldhost"]).catch((e: unknown) => e);
 * if (err instanceof Error && err.cause instanceof ProtocolError) console.error(err.cause.code); // "ERR_PROTOCOL_VERSION"
 * ```
 */
export class ProtocolError extends DistributedError {
  constructor(message: string, code = "ERR_PROTOCOL") {
    super(code, message);
  }
}

/**
 * A connection failed the cookie challenge-response: the two ends do not share the cluster
 * cookie, or the port belongs to something else. During addprocs it is the `cause` of a
 * WorkerStartError.
 *
 * @example
 * ```ts
 * import { addprocs, AuthenticationError, WorkerStartError } from "distributed";
 * const err = await addprocs(1).catch((e: unknown) => e);
 * if (err instanceof WorkerStartError && err.cause instanceof AuthenticationError) console.error(err.cause.code); // "ERR_AUTH"
 * ```
 */
export class AuthenticationError extends DistributedError {
  constructor(message: string) {
    super("ERR_AUTH", message);
  }
}
