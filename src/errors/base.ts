/**
 * The base of the package's errors, and the test programs branch with.
 *
 * @example
 * ```ts
 * import { Channel, isDistributedError } from "distributed";
 * const err = await new Channel<number>(0).fetch().catch((e: unknown) => e);
 * isDistributedError(err, "ERR_CHANNEL_UNBUFFERED"); // true
 * ```
 * @module
 */
import { ERROR_CODES, type ErrorCode } from "./codes.ts";

/**
 * What travels on the wire for an error: enough to rebuild it on the other side.
 *
 * @example
 * ```ts
 * import { RemoteError, remotecallFetch, type WireError } from "distributed";
 * const err = await remotecallFetch(() => JSON.parse("{"), 2).catch((e: unknown) => e);
 * if (err instanceof RemoteError) {
 *   const original: WireError = err.remote; // { name: "SyntaxError", message: ..., stack: ..., pid: 2 }
 * }
 * ```
 */
export interface WireError {
  name: string;
  message: string;
  stack: string;
  code?: string;
  /** The pid the error happened on, when it crossed from another process. */
  pid?: number;
}

/**
 * Base class: every error this package throws on purpose carries a stable `code` (the list, with
 * causes and fixes, is in docs/guides/troubleshooting.md). Failures that need no fields beyond
 * the message are thrown as a DistributedError itself, with their own code.
 *
 * @example
 * ```ts
 * import { Channel, DistributedError } from "distributed";
 * const err = await new Channel<number>(0).fetch().catch((e: unknown) => e);
 * if (err instanceof DistributedError) console.log(err.code); // "ERR_CHANNEL_UNBUFFERED"
 * ```
 */
export class DistributedError extends Error {
  /** Stable machine-readable code, e.g. `ERR_PROCESS_EXITED`. */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

const KNOWN = new Set<string>(Object.keys(ERROR_CODES));
/** The codes of errors that carry another process's or thread's error in `remote`. */
const CARRIERS = new Set<string>(["ERR_REMOTE", "ERR_THREAD"]);

/**
 * Whether `value` is one of this package's errors, and, given a `code`, whether it is that one.
 *
 * What it checks, so that it also works where `instanceof` does not (an error rebuilt from
 * another thread or process, or thrown by a second copy of the package, such as the built one
 * beside the source): `value` is an Error-like object whose `code` is a string, and it is either
 * a `DistributedError` or its code is one of the package's codes (the table in
 * docs/guides/troubleshooting.md). With `code`: its own code is `code`, or it is a `RemoteError`
 * or `ThreadError` carrying, in `remote.code`, an error with that code from the process or thread
 * where it was thrown. So `isDistributedError(err, "ERR_INTERRUPTED")` holds for an
 * InterruptError thrown here and for one thrown on a worker that arrived as a RemoteError.
 *
 * @example
 * ```ts
 * import { addprocs, interrupt, isDistributedError, remotecallFetch } from "distributed";
 * const [pid] = await addprocs(1);
 * const call = remotecallFetch(() => new Promise((resolve) => setTimeout(resolve, 60_000)), pid!);
 * setTimeout(() => interrupt(pid), 100);
 * try {
 *   await call;
 * } catch (err) {
 *   // A RemoteError from worker pid, whose remote.code is "ERR_INTERRUPTED".
 *   if (isDistributedError(err, "ERR_INTERRUPTED")) console.log("interrupted, as asked");
 *   else throw err;
 * }
 * ```
 */
export function isDistributedError(value: unknown, code?: ErrorCode): value is DistributedError {
  if (typeof value !== "object" || value === null) return false;
  const own = (value as { code?: unknown }).code;
  if (typeof own !== "string" || typeof (value as { message?: unknown }).message !== "string") return false;
  if (!(value instanceof DistributedError) && !KNOWN.has(own)) return false;
  if (code === undefined || own === code) return true;
  if (!CARRIERS.has(own)) return false;
  const remote = (value as { remote?: unknown }).remote;
  return typeof remote === "object" && remote !== null && (remote as { code?: unknown }).code === code;
}
