/**
 * Error classes of the package, the module every other file imports them from. Each extends
 * DistributedError and has a stable `code` so programs can branch on it (the list, with causes
 * and fixes, is in docs/guides/troubleshooting.md and in ERROR_CODES), and a message that names
 * the value at fault and the fix. The classes live in src/errors/, one file per family, so that
 * each stays small; this floor imports nothing else.
 *
 * @example
 * ```ts
 * import { addprocs, isDistributedError, ProcessExitedError, RemoteError, remotecallFetch } from "distributed";
 * const [pid] = await addprocs(1);
 * try {
 *   await remotecallFetch(() => { throw new Error("boom"); }, pid!);
 * } catch (err) {
 *   if (err instanceof RemoteError) console.log(err.pid, err.remote.message);
 *   else if (err instanceof ProcessExitedError) console.log(`worker ${err.pid} is gone`);
 *   else if (isDistributedError(err)) console.log(err.code);
 * }
 * ```
 * @module
 */
export { ERROR_CODES, type ErrorCode } from "./errors/codes.ts";
export { DistributedError, isDistributedError, type WireError } from "./errors/base.ts";
export { InterruptError, ProcessExitedError, RemoteError, setLocalLabel, TopologyError, toWireError } from "./errors/remote.ts";
export { ClusterOptionsError, RuntimeNotFoundError, WorkerStartError } from "./errors/start.ts";
export { AuthenticationError, ConnectError, ConnectionLostError, ProtocolError } from "./errors/connection.ts";
export { SerializationError, UndefinedNameError } from "./errors/values.ts";
export { ChannelClosedError, ReleasedHandleError } from "./errors/handles.ts";
export { ConfigError, EnvVarError } from "./errors/settings.ts";
export { ThreadError } from "./errors/threads.ts";
export { DArrayError } from "./errors/arrays.ts";
export { type SharedMemoryCode, SharedMemoryError } from "./errors/shared-memory.ts";
export { type LockCode, LockError } from "./errors/lock.ts";
export { ScriptNotFoundError, UsageError } from "./errors/cli.ts";
export { type SpmdCode, SpmdError } from "./errors/spmd.ts";
