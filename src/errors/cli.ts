/**
 * Errors of the `distributed` command line. The CLI prints their message (`distributed: ...`)
 * and exits: with code 2 for a UsageError, 1 for anything else. Programs meet them only by
 * running the CLI.
 *
 * @example
 * ```ts
 * import { spawnSync } from "node:child_process";
 * const r = spawnSync("npx", ["distributed", "run", "-p", "2", "--slurm", "job.ts"], { encoding: "utf8" });
 * r.status; // 2: a UsageError
 * ```
 * @module
 */
import { DistributedError } from "./base.ts";

/**
 * A command line that cannot work: conflicting or malformed options. Only its message is
 * printed, with a pointer to `--help`, and the exit code is 2.
 *
 * @example
 * ```ts
 * import { spawnSync } from "node:child_process";
 * const r = spawnSync("npx", ["distributed", "run", "-p", "-1", "job.ts"], { encoding: "utf8" });
 * r.status; // 2
 * r.stderr; // "distributed: --procs must be a non-negative integer, got -1\nRun \"distributed --help\" ..."
 * ```
 */
export class UsageError extends DistributedError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("ERR_USAGE", message, options);
  }
}

/**
 * The script given to `distributed run` does not exist. The CLI prints the message and exits
 * with code 1.
 *
 * @example
 * ```ts
 * import { spawnSync } from "node:child_process";
 * const r = spawnSync("npx", ["distributed", "run", "no-such-job.ts"], { encoding: "utf8" });
 * r.status; // 1
 * r.stderr; // "distributed: No such script: no-such-job.ts (looked in /home/me/project)\n"
 * ```
 */
export class ScriptNotFoundError extends DistributedError {
  constructor(file: string, lookedIn: string) {
    super("ERR_SCRIPT_NOT_FOUND", `No such script: ${file} (looked in ${lookedIn})`);
  }
}
