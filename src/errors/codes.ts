/**
 * Every `code` the package's errors carry, with the class that carries it. It is the one list:
 * the troubleshooting guide's table (docs/guides/troubleshooting.md) and the code strings in the
 * source are both checked against it (test/unit/error-codes.test.ts), and `isDistributedError`
 * takes its keys. Codes of `DistributedError` itself are one-off failures that need no fields
 * beyond the message; the codes of the managers' errors (managers/slurm/) are listed here too,
 * since a program meets them through the same package.
 *
 * @example
 * ```ts
 * import { isDistributedError, type ErrorCode } from "distributed";
 * const retryable: ErrorCode[] = ["ERR_CONNECT_TIMEOUT", "ERR_PROCESS_EXITED"];
 * const shouldRetry = (err: unknown): boolean => retryable.some((code) => isDistributedError(err, code));
 * ```
 * @module
 */

/** @internal Each code with the name of the class that carries it, grouped as in the troubleshooting guide. */
export const ERROR_CODES = Object.freeze(
  {
    // Starting workers.
    ERR_WORKER_START: "WorkerStartError",
    ERR_RUNTIME_NOT_FOUND: "RuntimeNotFoundError",
    ERR_TSX_NOT_INSTALLED: "DistributedError",
    ERR_CLUSTER_OPTIONS: "ClusterOptionsError",
    ERR_NOT_MASTER: "DistributedError",
    ERR_COOKIE_IN_USE: "DistributedError",
    ERR_NO_COOKIE: "DistributedError",
    // Calls.
    ERR_PROCESS_EXITED: "ProcessExitedError",
    ERR_REMOTE: "RemoteError",
    ERR_INTERRUPTED: "InterruptError",
    ERR_TOPOLOGY: "TopologyError",
    ERR_UNDEFINED_NAME: "UndefinedNameError",
    ERR_UNSERIALIZABLE: "SerializationError",
    ERR_PAYLOAD_TOO_LARGE: "SerializationError",
    // Futures, channels, pools.
    ERR_RELEASED: "ReleasedHandleError",
    ERR_FUTURE_ALREADY_SET: "DistributedError",
    ERR_POOL_ELSEWHERE: "DistributedError",
    ERR_CHANNEL_CLOSED: "ChannelClosedError",
    ERR_CHANNEL_UNBUFFERED: "DistributedError",
    // Connections.
    ERR_CONNECT_FAILED: "ConnectError",
    ERR_CONNECT_TIMEOUT: "ConnectError",
    ERR_CONNECTION_LOST: "ConnectionLostError",
    ERR_HEARTBEAT_TIMEOUT: "ConnectionLostError",
    ERR_HOST_TIMEOUT: "ConnectionLostError",
    ERR_AUTH: "AuthenticationError",
    ERR_PROTOCOL: "ProtocolError",
    ERR_PROTOCOL_VERSION: "ProtocolError",
    ERR_BAD_FRAME: "ProtocolError",
    ERR_FRAME_TOO_LARGE: "ProtocolError",
    // Settings.
    ERR_CONFIG: "ConfigError",
    ERR_BAD_ENV_VAR: "EnvVarError",
    // Threads.
    ERR_THREAD: "ThreadError",
    ERR_THREAD_EXITED: "DistributedError",
    // Distributed arrays.
    ERR_DARRAY_DISTRIBUTION: "DArrayError",
    // Memory shared between processes.
    ERR_SHARED_MEMORY_NOT_PARTICIPANT: "SharedMemoryError",
    ERR_SHARED_MEMORY_OTHER_HOST: "SharedMemoryError",
    ERR_SHARED_MEMORY_PERMISSION: "SharedMemoryError",
    ERR_SHARED_MEMORY_TOO_LARGE: "SharedMemoryError",
    ERR_SHARED_MEMORY_UNAVAILABLE: "SharedMemoryError",
    ERR_SHARED_MEMORY_GONE: "SharedMemoryError",
    // Locks (SpinLock, ReentrantLock).
    ERR_LOCK_NOT_OWNER: "LockError",
    ERR_LOCK_RECURSIVE: "LockError",
    ERR_LOCK_ABANDONED: "LockError",
    // The CLI.
    ERR_USAGE: "UsageError",
    ERR_SCRIPT_NOT_FOUND: "ScriptNotFoundError",
    // Slurm (managers/slurm/).
    ERR_SLURM_COMMAND: "SlurmCommandError",
    ERR_JOB_NOT_RUNNING: "JobNotRunningError",
    ERR_MANAGER_NOT_PREPARED: "DistributedError",
    ERR_SLURM_ENV: "DistributedError",
    ERR_SPMD_LISTEN: "DistributedError",
    ERR_SPMD_TIMEOUT: "DistributedError",
    // SPMD communicators (src/spmd/).
    ERR_SPMD_RANK_EXITED: "SpmdError",
    ERR_SPMD_MISMATCH: "SpmdError",
    ERR_SPMD_PENDING: "SpmdError",
    ERR_SPMD_FINALIZED: "SpmdError",
    ERR_SPMD_ABORTED: "SpmdError",
    ERR_SPMD_LAUNCH: "DistributedError",
  } as const,
);

/**
 * A code of the package's errors, e.g. `"ERR_PROCESS_EXITED"`: what `isDistributedError` takes,
 * so a misspelt code is a compile error rather than a branch never taken. The full list, with
 * causes and fixes, is in docs/guides/troubleshooting.md.
 *
 * @example
 * ```ts
 * import type { ErrorCode } from "distributed";
 * const gone: ErrorCode = "ERR_PROCESS_EXITED";
 * ```
 */
export type ErrorCode = keyof typeof ERROR_CODES;
