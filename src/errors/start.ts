/**
 * Errors of starting workers: a worker that did not come up, a runtime that is not installed,
 * options that do not fit the cluster already running.
 *
 * @example
 * ```ts
 * import { addprocs, WorkerStartError } from "distributed";
 * try {
 *   await addprocs(2, { exeflags: ["--bogus-flag"] });
 * } catch (err) {
 *   if (err instanceof WorkerStartError) console.error(err.stderrTail);
 * }
 * ```
 * @module
 */
import { DistributedError } from "./base.ts";

/**
 * A worker could not be started or did not connect in time; names the command, host and stderr
 * tail. `cause` is the underlying failure, when there is one (a refused connection, a failed
 * cookie check, a Slurm command's error).
 *
 * @example
 * ```ts
 * import { addprocs, WorkerStartError } from "distributed";
 * const err = await addprocs(1, { exeflags: ["--bogus-flag"] }).catch((e: unknown) => e);
 * if (err instanceof WorkerStartError) {
 *   err.code;        // "ERR_WORKER_START"
 *   err.host;        // "localhost"
 *   err.stderrTail;  // "node: bad option: --bogus-flag"
 * }
 * ```
 */
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
      `${message}\n  command: ${details.command}\n  host: ${details.host}${
        tail ? `\n  stderr (last lines):\n    ${tail.split("\n").join("\n    ")}` : "\n  stderr: (empty)"
      }`,
      { cause: details.cause },
    );
    this.command = details.command;
    this.host = details.host;
    this.stderrTail = tail ?? "";
  }
}

/**
 * The runtime asked for (node, bun, deno) is not installed or not on PATH.
 *
 * @example
 * ```ts
 * import { addprocs, RuntimeNotFoundError } from "distributed";
 * const err = await addprocs(1, { runtime: "deno" }).catch((e: unknown) => e);
 * if (err instanceof RuntimeNotFoundError) console.error(err.message); // "Cannot start a deno worker: no `deno` executable was found ..."
 * ```
 */
export class RuntimeNotFoundError extends DistributedError {
  constructor(runtime: string, tried: string) {
    super(
      "ERR_RUNTIME_NOT_FOUND",
      `Cannot start a ${runtime} worker: no \`${runtime}\` executable was found (looked in ${tried}). ` +
        `Install ${runtime} (e.g. \`npm install -D ${runtime}\`), put it on PATH, or pass { exename: "/path/to/${runtime}" }`,
    );
  }
}

/**
 * addprocs asked for a cluster-wide setting (topology, lazy) that differs from the one the
 * existing workers use. Nothing was started.
 *
 * @example
 * ```ts
 * import { addprocs, ClusterOptionsError } from "distributed";
 * await addprocs(2, { topology: "master_worker" });
 * const err = await addprocs(1, { topology: "all_to_all" }).catch((e: unknown) => e);
 * err instanceof ClusterOptionsError; // true, err.code === "ERR_CLUSTER_OPTIONS"
 * ```
 */
export class ClusterOptionsError extends DistributedError {
  constructor(message: string) {
    super("ERR_CLUSTER_OPTIONS", message);
  }
}
