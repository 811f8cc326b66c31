/**
 * The srun command that starts one worker per task of an allocation.
 *
 * - `--input=all`: srun's stdin reaches every task, so the cookie travels there and nowhere
 *   else (not argv, not the environment, not a file), followed by control lines.
 * - `--label`: every output line says which task wrote it, so address lines and output are
 *   attributed to the right worker even when tasks interleave or a site prints banners.
 * - `--kill-on-bad-exit=0`: one worker dying does not take the others down; it becomes a
 *   ProcessExitedError for that worker alone.
 *
 * @example
 * ```ts
 * srunArgv({ jobId: "42", ntasks: 8, srunFlags: [], command: { file: "/usr/bin/bun", args: ["/opt/d/main.js", "--worker"] } });
 * // ["srun", "--jobid=42", "--ntasks=8", "--input=all", "--label", "--kill-on-bad-exit=0", "--job-name=distributed-workers", "/usr/bin/bun", "/opt/d/main.js", "--worker"]
 * ```
 * @module
 */

/** What the step looks like. */
export interface SrunOptions {
  jobId: string;
  ntasks: number;
  nodes?: number | string;
  ntasksPerNode?: number;
  cpusPerTask?: number;
  /** The workers' working directory on the nodes (srun's own otherwise). */
  chdir?: string;
  /** The user's own srun options; they come after ours, so they win. */
  srunFlags: readonly string[];
  command: { file: string; args: readonly string[] };
}

/** The argument vector, srun first. */
export function srunArgv(options: SrunOptions): string[] {
  const argv = ["srun", `--jobid=${options.jobId}`, `--ntasks=${options.ntasks}`];
  if (options.nodes !== undefined) argv.push(`--nodes=${options.nodes}`);
  if (options.ntasksPerNode !== undefined) argv.push(`--ntasks-per-node=${options.ntasksPerNode}`);
  if (options.cpusPerTask !== undefined) argv.push(`--cpus-per-task=${options.cpusPerTask}`);
  if (options.chdir !== undefined) argv.push(`--chdir=${options.chdir}`);
  argv.push("--input=all", "--label", "--kill-on-bad-exit=0", "--job-name=distributed-workers");
  argv.push(...options.srunFlags, options.command.file, ...options.command.args);
  return argv;
}

/** The task count srun will start for an allocation described by these SLURM_* variables. */
export function tasksOfAllocation(env: Record<string, string | undefined>): number | undefined {
  const direct = Number(env.SLURM_NTASKS ?? env.SLURM_NPROCS);
  if (Number.isInteger(direct) && direct > 0) return direct;
  // sbatch -N 2 without -n: srun starts one task per node (or --ntasks-per-node of them).
  const nodes = Number(env.SLURM_JOB_NUM_NODES ?? env.SLURM_NNODES);
  const perNode = Number(env.SLURM_NTASKS_PER_NODE ?? 1);
  return Number.isInteger(nodes) && nodes > 0 && Number.isInteger(perNode) && perNode > 0 ? nodes * perNode : undefined;
}
