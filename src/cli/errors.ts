/**
 * The CLI's own error: a command line that cannot work. Only its message is printed, and the
 * exit code is 2.
 *
 * @example
 * ```ts
 * throw new UsageError("give one of -p/--procs, --machine-file and --slurm");
 * ```
 * @module
 */

/** A usage error. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}
