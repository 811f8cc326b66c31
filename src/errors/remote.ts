/**
 * Errors of calls to other processes: the called function threw there, the process is gone, the
 * call was interrupted, or the topology does not connect the two. Also how an error travels:
 * toWireError, and the label rethrown stacks name this process by.
 *
 * @example
 * ```ts
 * import { addprocs, ProcessExitedError, RemoteError, remotecallFetch } from "distributed";
 * const [pid] = await addprocs(1);
 * try {
 *   await remotecallFetch(() => { throw new Error("boom"); }, pid!);
 * } catch (err) {
 *   if (err instanceof RemoteError) console.log(err.pid, err.remote.message); // 2 "boom"
 *   else if (err instanceof ProcessExitedError) console.log(`worker ${err.pid} is gone`);
 * }
 * ```
 * @module
 */
import { DistributedError, type WireError } from "./base.ts";

/**
 * An error thrown by a function running on another process. `remote` holds the original
 * name, message, stack and code; printing it shows "On worker N:" like Julia's RemoteException.
 *
 * @example
 * ```ts
 * import { addprocs, RemoteError, remotecallFetch } from "distributed";
 * const [pid] = await addprocs(1);
 * const err = await remotecallFetch(() => JSON.parse("{"), pid!).catch((e: unknown) => e);
 * if (err instanceof RemoteError) {
 *   err.pid;          // 2
 *   err.remote.name;  // "SyntaxError"
 * }
 * ```
 */
export class RemoteError extends DistributedError {
  /** Pid of the process where the error was thrown. */
  readonly pid: number;
  /** The original error as it was on the remote process. */
  readonly remote: WireError;
  constructor(pid: number, remote: WireError) {
    super("ERR_REMOTE", `On worker ${pid}:\n${remote.name}: ${remote.message}`);
    this.pid = pid;
    this.remote = remote;
    this.stack = `${this.name}: On worker ${pid}:\n${
      remote.stack || `${remote.name}: ${remote.message}`
    }\n--- rethrown on ${localLabel()} ---\n${(this.stack ?? "").split("\n").slice(1).join("\n")}`;
  }
}

/**
 * The process a call or reference depends on has exited (or its connection was lost). When this
 * process's connection to it broke, `cause` says why: a ConnectionLostError (codes
 * `ERR_CONNECTION_LOST`, `ERR_HEARTBEAT_TIMEOUT`, `ERR_HOST_TIMEOUT`) or the error that broke it.
 *
 * @example
 * ```ts
 * import { addprocs, ProcessExitedError, remotecall, rmprocs } from "distributed";
 * const [pid] = await addprocs(1);
 * const f = remotecall(() => new Promise(() => {}), pid!);
 * await rmprocs(pid!);
 * const err = await f.fetch().catch((e: unknown) => e);
 * if (err instanceof ProcessExitedError) console.log(err.pid, err.code); // 2 "ERR_PROCESS_EXITED"
 * ```
 */
export class ProcessExitedError extends DistributedError {
  /** Pid of the process that is gone. */
  readonly pid: number;
  constructor(pid: number, detail = "", options?: { cause?: unknown }) {
    super(
      "ERR_PROCESS_EXITED",
      `Worker ${pid} has exited${detail ? ` (${detail})` : ""}; the call or reference that needed it cannot complete`,
      options,
    );
    this.pid = pid;
  }
}

/**
 * A running call was interrupted with interrupt(). Thrown on the process running the call, so
 * the caller sees it inside a RemoteError (`err.remote.code === "ERR_INTERRUPTED"`).
 *
 * @example
 * ```ts
 * import { addprocs, interrupt, isDistributedError, remotecallFetch } from "distributed";
 * const [pid] = await addprocs(1);
 * const call = remotecallFetch(() => new Promise((resolve) => setTimeout(resolve, 60_000)), pid!);
 * setTimeout(() => interrupt(pid), 100);
 * const err = await call.catch((e: unknown) => e);
 * isDistributedError(err, "ERR_INTERRUPTED"); // true: a RemoteError carrying an InterruptError
 * ```
 */
export class InterruptError extends DistributedError {
  constructor(message = "The call was interrupted by interrupt()") {
    super("ERR_INTERRUPTED", message);
  }
}

/**
 * A call between two workers that the topology does not connect. Thrown on the worker that made
 * the call; on the master it arrives inside a RemoteError.
 *
 * @example
 * ```ts
 * import { addprocs, isDistributedError, remotecallFetch } from "distributed";
 * const [a, b] = await addprocs(2, { topology: "master_worker" });
 * const err = await remotecallFetch((to: number) => remotecallFetch(() => 1, to), a!, b!).catch((e: unknown) => e);
 * isDistributedError(err, "ERR_TOPOLOGY"); // true: worker a may talk only to the master
 * ```
 */
export class TopologyError extends DistributedError {
  constructor(from: number, to: number, topology: string, detail = "", advice?: string) {
    super(
      "ERR_TOPOLOGY",
      `Worker ${from} cannot reach worker ${to}: the cluster topology is ${topology}${detail}. ` +
        (advice !== undefined
          ? advice
          : topology === "master_worker"
          ? 'Workers talk only to the master (pid 1) there; add workers with { topology: "all_to_all" } to let them talk to each other'
          : "Connect them through the manager's ident/connectIdents, or use all_to_all"),
    );
  }
}

let label = "the master";
/** @internal Sets how this process names itself in rethrown stacks. */
export function setLocalLabel(value: string): void {
  label = value;
}
function localLabel(): string {
  return label;
}

/** @internal Converts any thrown value to its wire form. */
export function toWireError(err: unknown, pid?: number): WireError {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    const wire: WireError = { name: err.name, message: err.message, stack: err.stack ?? "" };
    if (typeof code === "string") wire.code = code;
    if (pid !== undefined) wire.pid = pid;
    if (err instanceof RemoteError) return { ...err.remote, pid: err.pid };
    return wire;
  }
  return { name: "Error", message: `A non-Error value was thrown: ${safeString(err)}`, stack: "", ...(pid !== undefined ? { pid } : {}) };
}

function safeString(value: unknown): string {
  try {
    return typeof value === "string" ? JSON.stringify(value) : String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
