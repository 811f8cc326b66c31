/**
 * Error classes of the package. Each has a stable `code` so programs can branch on it, and a
 * message that names the value at fault and the fix.
 *
 * @example
 * ```ts
 * import { RemoteError, ProcessExitedError } from "distributed";
 * try { await remotecallFetch(() => { throw new Error("boom"); }, 2); }
 * catch (err) { if (err instanceof RemoteError) console.log(err.pid, err.remote.message); }
 * ```
 * @module
 */

/** What travels on the wire for an error: enough to rebuild it on the other side. */
export interface WireError {
  name: string;
  message: string;
  stack: string;
  code?: string;
  /** The pid the error happened on, when it crossed from another process. */
  pid?: number;
}

/** Base class: every error this package throws on purpose carries a stable `code`. */
export class DistributedError extends Error {
  /** Stable machine-readable code, e.g. `ERR_PROCESS_EXITED`. */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/**
 * An error thrown by a function running on another process. `remote` holds the original
 * name, message and stack; printing it shows "On worker N:" like Julia's RemoteException.
 *
 * @example
 * ```ts
 * const err = await remotecallFetch(() => JSON.parse("{"), 2).catch((e) => e);
 * err.pid;          // 2
 * err.remote.name;  // "SyntaxError"
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
    this.stack = `${this.name}: On worker ${pid}:\n${remote.stack || `${remote.name}: ${remote.message}`}\n--- rethrown on ${localLabel()} ---\n${
      (this.stack ?? "").split("\n").slice(1).join("\n")
    }`;
  }
}

/**
 * The process a call or reference depends on has exited (or its connection was lost).
 *
 * @example
 * ```ts
 * const f = remotecall(() => new Promise(() => {}), 2);
 * await rmprocs(2);
 * await f.fetch(); // rejects with ProcessExitedError, err.pid === 2
 * ```
 */
export class ProcessExitedError extends DistributedError {
  /** Pid of the process that is gone. */
  readonly pid: number;
  constructor(pid: number, detail = "") {
    super("ERR_PROCESS_EXITED", `Worker ${pid} has exited${detail ? ` (${detail})` : ""}; the call or reference that needed it cannot complete`);
    this.pid = pid;
  }
}

/** A worker could not be started or did not connect in time; names the command, host and stderr tail. */
export class WorkerStartError extends DistributedError {
  /** The command line that was run, for display (the cookie is never in it). */
  readonly command: string;
  /** The host the worker was to run on. */
  readonly host: string;
  /** The last lines the worker wrote to stderr, if any. */
  readonly stderrTail: string;
  constructor(message: string, details: { command: string; host: string; stderrTail?: string; cause?: unknown }) {
    const tail = details.stderrTail?.trim();
    super(
      "ERR_WORKER_START",
      `${message}\n  command: ${details.command}\n  host: ${details.host}${tail ? `\n  stderr (last lines):\n    ${tail.split("\n").join("\n    ")}` : "\n  stderr: (empty)"}`,
      { cause: details.cause },
    );
    this.command = details.command;
    this.host = details.host;
    this.stderrTail = tail ?? "";
  }
}

/** A peer broke the protocol: a bad or oversized frame, an unknown message, a version mismatch. */
export class ProtocolError extends DistributedError {
  constructor(message: string, code = "ERR_PROTOCOL") {
    super(code, message);
  }
}

/** A connection failed the cookie challenge-response. */
export class AuthenticationError extends DistributedError {
  constructor(message: string) {
    super("ERR_AUTH", message);
  }
}

/**
 * A shipped function uses names that the target process will not have.
 * Thrown at the call site, before anything is sent.
 *
 * @example
 * ```ts
 * const total = 5;
 * remotecall(() => total + 1, 2); // throws UndefinedNameError naming `total`
 * remotecall(capture({ total }, () => total + 1), 2); // fine
 * ```
 */
export class UndefinedNameError extends ReferenceError {
  /** Stable code. */
  readonly code = "ERR_UNDEFINED_NAME";
  /** The names the function uses that are not defined on the workers. */
  readonly names: string[];
  constructor(names: string[], where: string) {
    const list = names.map((n) => `\`${n}\``).join(", ");
    const one = names[0];
    super(
      `${where}: the shipped function uses ${list}, which ${names.length > 1 ? "are" : "is"} not defined on the workers. ` +
        `For a value: pass it as an argument or capture it with capture({ ${names.join(", ")} }, fn). ` +
        `For a function or class: define it on every process with everywhere({ ${one} }), or load its module with everywhere(moduleUrl)`,
    );
    this.name = "UndefinedNameError";
    this.names = names;
  }
}

/**
 * A value cannot be sent to another process (a function inside data, a symbol, an instance of a
 * class that was not registered with registerClass), or its message is larger than the
 * receiver's frame limit (DISTRIBUTED_MAX_FRAME_BYTES there). Names the path to the value.
 */
export class SerializationError extends TypeError {
  /**
   * Stable code: `ERR_UNSERIALIZABLE` for a value that cannot be encoded at all,
   * `ERR_PAYLOAD_TOO_LARGE` for a message larger than its receiver accepts.
   */
  readonly code: string;
  /** Where the value sits, e.g. `args[1].options.callback`. */
  readonly path: string;
  constructor(path: string, what: string, fix: string, code = "ERR_UNSERIALIZABLE") {
    super(`Cannot send ${path} to another process: it is ${what}. ${fix}`);
    this.name = "SerializationError";
    this.path = path;
    this.code = code;
  }
}

/** A running call was interrupted with interrupt(). */
export class InterruptError extends DistributedError {
  constructor(message = "The call was interrupted by interrupt()") {
    super("ERR_INTERRUPTED", message);
  }
}

/** The runtime asked for (node, bun, deno) is not installed or not on PATH. */
export class RuntimeNotFoundError extends DistributedError {
  constructor(runtime: string, tried: string) {
    super(
      "ERR_RUNTIME_NOT_FOUND",
      `Cannot start a ${runtime} worker: no \`${runtime}\` executable was found (looked in ${tried}). ` +
        `Install ${runtime} (e.g. \`npm install -D ${runtime}\`), put it on PATH, or pass { exename: "/path/to/${runtime}" }`,
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

/**
 * An operation on a Channel that cannot complete because the channel is closed: a put on a
 * closed channel (or one still waiting when close() was called), or a take, fetch or wait on a
 * channel that is closed and empty. `operation` says which; `cause` is the reason passed to
 * close(reason), if any.
 *
 * @example
 * ```ts
 * const ch = new Channel<number>(1);
 * ch.close();
 * const err = await ch.put(1).catch((e) => e);
 * err.code;      // "ERR_CHANNEL_CLOSED"
 * err.operation; // "put"
 * ```
 */
export class ChannelClosedError extends DistributedError {
  /** The operation that failed. */
  readonly operation: "put" | "take" | "fetch" | "wait";
  constructor(operation: "put" | "take" | "fetch" | "wait", options?: { cause?: unknown }) {
    super(
      "ERR_CHANNEL_CLOSED",
      operation === "put"
        ? "Cannot put on a closed channel: close() was called before the value could be stored, so it was not added; " +
            "close a channel only after its last put, or check isopen() before putting"
        : `Cannot ${operation} ${operation === "wait" ? "on" : "from"} a closed channel: it is closed and empty, so no item will come; ` +
            "stop when isopen() is false and isempty() is true, or read with `for await (const x of ch)`, which ends cleanly",
      options,
    );
    this.operation = operation;
  }
}

/**
 * addprocs asked for a cluster-wide setting (topology, lazy) that differs from the one the
 * existing workers use. Nothing was started.
 *
 * @example
 * ```ts
 * await addprocs(2, { topology: "master_worker" });
 * const err = await addprocs(1, { topology: "all_to_all" }).catch((e) => e);
 * err.code; // "ERR_CLUSTER_OPTIONS"
 * ```
 */
export class ClusterOptionsError extends DistributedError {
  constructor(message: string) {
    super("ERR_CLUSTER_OPTIONS", message);
  }
}

/** The stable codes of {@link SharedMemoryError}, one per way shared memory can be refused. */
export type SharedMemoryCode =
  /** A participant runs on another host: memory is shared on one host only. */
  | "ERR_SHARED_MEMORY_OTHER_HOST"
  /** Deno without --allow-ffi: it cannot map memory shared with other processes. */
  | "ERR_SHARED_MEMORY_PERMISSION"
  /** More bytes than /dev/shm has free. */
  | "ERR_SHARED_MEMORY_TOO_LARGE"
  /** This host or runtime cannot map shared memory at all (no /dev/shm, no koffi, not Linux). */
  | "ERR_SHARED_MEMORY_UNAVAILABLE"
  /** A handle arrived whose memory its sender no longer holds (it ended, or released the value). */
  | "ERR_SHARED_MEMORY_GONE"
  /** A value on shared memory was sent to a process that is not one of its participants. */
  | "ERR_SHARED_MEMORY_NOT_PARTICIPANT";

/**
 * A SharedArray or Atomic cannot be placed on, or sent to, memory shared with the processes
 * asked for. `code` says why: another host (use a DArray or a RemoteChannel), Deno without
 * `--allow-ffi`, a size over what /dev/shm holds, no way to map memory here, memory its sender
 * no longer holds, or a receiver that is not a participant. Thrown before anything is sent.
 *
 * @example
 * ```ts
 * const err = await remotecallFetch((s) => s.length, 2, new SharedArray(Float64Array, 10, { pids: [1] })).catch((e) => e);
 * err.code; // "ERR_SHARED_MEMORY_NOT_PARTICIPANT"
 * ```
 */
export class SharedMemoryError extends DistributedError {
  declare readonly code: SharedMemoryCode;
  constructor(code: SharedMemoryCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
