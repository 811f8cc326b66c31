/**
 * Batch jobs through Slurm's own commands: submit a script (sbatch), follow its state
 * (scontrol show job), cancel it (scancel). Each failure carries the command's own message.
 *
 * Why one file: submitting, following and cancelling are one job's life through Slurm's
 * commands; they share the command options, the parsing of scontrol's record and the errors a
 * failure becomes (SlurmCommandError, JobNotRunningError).
 *
 * @example
 * ```ts
 * import { submitJob } from "distributed/managers";
 * const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" }; // the environment sbatch runs with
 * const jobId = await submitJob("#!/bin/sh\n#SBATCH --ntasks=2\nsrun hostname\n", { env, dir: "/scratch/run" }); // e.g. "123456"
 * ```
 * @module
 */
import { DistributedError, runCommand, runCommandSync, type RunResult } from "../../src/internal.ts";

/** Where Slurm's commands run. */
export interface SlurmCommandOptions {
  env: Record<string, string>;
}

/** A job as `scontrol show job -o` describes it (the fields we use, and all of them raw). */
export interface JobRecord {
  jobId: string;
  /** PENDING, RUNNING, CONFIGURING, COMPLETED, CANCELLED, FAILED, TIMEOUT, NODE_FAIL, ... */
  state: string;
  /** Why it waits or ended, e.g. "Resources", "Priority", "BeginTime", "None". */
  reason: string;
  nodeList: string;
  numTasks: number | undefined;
  fields: Record<string, string>;
}

/**
 * Submits a job script (on sbatch's stdin, so no file is left behind); resolves with the job id.
 *
 * @example
 * ```ts
 * import { renderJobScript, sbatchLines, submitJob } from "distributed/managers";
 * const script = renderJobScript("#!/bin/sh\n{{sbatch}}\nsrun hostname\n", {
 *   sbatch: sbatchLines({ ntasks: 2, time: "00:05:00", partition: "debug" }),
 *   prologue: "",
 *   epilogue: "",
 * });
 * const env = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined));
 * const jobId = await submitJob(script, { env, dir: process.cwd() }); // e.g. "123456"; its output goes to slurm-123456.out there
 * ```
 */
export async function submitJob(script: string, options: SlurmCommandOptions & { dir: string }): Promise<string> {
  const r = await runCommand("sbatch", ["--parsable", `--chdir=${options.dir}`], { env: options.env, input: script, timeoutMs: 60_000 });
  if (r.status.code !== 0) throw new SlurmCommandError("sbatch", `sbatch refused the job: ${commandMessage(r, "sbatch")}`, r);
  const jobId = /^(\d+)(?:;\S+)?\s*$/m.exec(r.stdout)?.[1];
  if (jobId === undefined) {
    throw new SlurmCommandError("sbatch", `sbatch did not print a job id (output: ${JSON.stringify(r.stdout.trim())})`);
  }
  return jobId;
}

/**
 * Parses one line of `scontrol show job -o`: space-separated Key=Value pairs, where a value
 * may itself contain spaces (e.g. Command or Comment).
 *
 * @example
 * ```ts
 * parseJobRecord("JobId=7 JobName=x JobState=PENDING Reason=Resources NodeList=(null) NumTasks=4").state; // "PENDING"
 * ```
 */
export function parseJobRecord(line: string): JobRecord {
  const fields: Record<string, string> = {};
  const re = /(?:^|\s)([A-Za-z][\w:/.-]*)=(.*?)(?=\s+[A-Za-z][\w:/.-]*=|\s*$)/gs;
  for (let m = re.exec(line); m !== null; m = re.exec(line)) fields[m[1]!] = m[2]!;
  const tasks = Number(fields.NumTasks);
  return {
    jobId: fields.JobId ?? "",
    state: fields.JobState ?? "UNKNOWN",
    reason: fields.Reason ?? "None",
    nodeList: fields.NodeList ?? "",
    numTasks: Number.isInteger(tasks) && tasks > 0 ? tasks : undefined,
    fields,
  };
}

/** The job's current record; rejects with scontrol's message when Slurm does not know it. */
export async function jobRecord(jobId: string, options: SlurmCommandOptions): Promise<JobRecord> {
  const r = await runCommand("scontrol", ["show", "job", "-o", jobId], { env: options.env, timeoutMs: 30_000 });
  if (r.status.code !== 0) {
    throw new SlurmCommandError("scontrol", `scontrol show job ${jobId} failed: ${commandMessage(r, "scontrol")}`, r);
  }
  const line = r.stdout.split("\n").find((l) => l.startsWith(`JobId=${jobId} `));
  if (line === undefined) throw new SlurmCommandError("scontrol", `scontrol show job ${jobId} printed no record for it`);
  return parseJobRecord(line);
}

const WAITING = new Set(["PENDING", "CONFIGURING", "REQUEUED", "RESIZING", "SUSPENDED"]);

/**
 * Polls the job until it runs. Rejects when it ends without running (with its state and
 * reason) or when `timeoutMs` passes (the job is left as it is: the caller decides).
 */
export async function waitUntilRunning(
  jobId: string,
  options: SlurmCommandOptions & { timeoutMs: number; pollMs?: number },
): Promise<JobRecord> {
  const deadline = Date.now() + options.timeoutMs;
  // Often at first (an idle scheduler starts a job within a second), then less, up to 1 s.
  let pollMs = Math.min(options.pollMs ?? 50, 1000);
  for (;;) {
    const job = await jobRecord(jobId, options);
    if (job.state === "RUNNING") return job;
    if (!WAITING.has(job.state)) {
      throw new JobNotRunningError(
        job,
        `job ${jobId} ended before it ran: ${job.state}${job.reason !== "None" ? ` (reason: ${job.reason})` : ""}`,
      );
    }
    if (Date.now() >= deadline) {
      throw new JobNotRunningError(
        job,
        `job ${jobId} did not start within ${Math.round(options.timeoutMs / 1000)} s: still ${job.state}${
          job.reason !== "None" ? ` (reason: ${job.reason})` : ""
        }`,
      );
    }
    await new Promise((r) => setTimeout(r, Math.min(pollMs, Math.max(1, deadline - Date.now()))));
    pollMs = Math.min(pollMs * 1.25, 1000);
  }
}

/**
 * A Slurm job that did not reach RUNNING: it ended first (cancelled, failed, timed out in the
 * queue), or it was still waiting when the time allowed ran out. `job` is its last record, with
 * `state` and `reason`. SlurmManager reports it as a WorkerStartError whose `cause` it is.
 *
 * @example
 * ```ts
 * import { addprocs, WorkerStartError } from "distributed";
 * import { JobNotRunningError, SlurmManager } from "distributed/managers";
 * const err = await addprocs(new SlurmManager({ ntasks: 64, time: "01:00:00", queueTimeout: 600 })).catch((e: unknown) => e);
 * if (err instanceof WorkerStartError && err.cause instanceof JobNotRunningError) {
 *   err.cause.code;       // "ERR_JOB_NOT_RUNNING"
 *   err.cause.job.state;  // "PENDING"
 *   err.cause.job.reason; // "Resources"
 * }
 * ```
 */
export class JobNotRunningError extends DistributedError {
  /** The job's last record. */
  readonly job: JobRecord;
  constructor(job: JobRecord, message: string) {
    super("ERR_JOB_NOT_RUNNING", message);
    this.job = job;
  }
}

/**
 * A Slurm command (sbatch, scontrol, scancel) failed, or answered with something this package
 * cannot use. The message carries the command's own explanation (its stderr, or that it was not
 * found on PATH, or did not finish in time); `command` names it, and `cause` is the error of
 * starting it, when it could not be started.
 *
 * @example
 * ```ts
 * import { SlurmCommandError, submitJob } from "distributed/managers";
 * const script = "#!/bin/sh\n#SBATCH --partition=nosuchpartition\nsrun hostname\n";
 * const err = await submitJob(script, { env: { PATH: process.env.PATH ?? "" }, dir: process.cwd() }).catch((e: unknown) => e);
 * if (err instanceof SlurmCommandError) {
 *   err.code;    // "ERR_SLURM_COMMAND"
 *   err.command; // "sbatch"
 *   err.message; // "sbatch refused the job: sbatch: error: invalid partition specified: nosuchpartition"
 * }
 * ```
 */
export class SlurmCommandError extends DistributedError {
  /** The command that failed. */
  readonly command: "sbatch" | "scontrol" | "scancel";
  constructor(command: "sbatch" | "scontrol" | "scancel", message: string, result?: RunResult) {
    super("ERR_SLURM_COMMAND", message, result?.status.error !== undefined ? { cause: result.status.error } : undefined);
    this.command = command;
  }
}

/**
 * What the master writes into the job's comment once its workers' step runs, so that the job's
 * script knows they started even when the step came and went between two of its looks (a slow
 * prologue, a busy slurmctld): the template's waiting loop ends the job on it.
 */
export const WORKERS_STARTED_MARK = "distributed:workers-started";

/**
 * Marks a job as having had its workers (WORKERS_STARTED_MARK in its comment, after any comment
 * the job was submitted with). Rejects with scontrol's message.
 *
 * @example
 * ```ts
 * await markWorkersStarted("42", "", { env }); // Comment=distributed:workers-started
 * ```
 */
export async function markWorkersStarted(jobId: string, comment: string, options: SlurmCommandOptions): Promise<void> {
  const marked = comment === "" || comment === "(null)" ? WORKERS_STARTED_MARK : `${comment} ${WORKERS_STARTED_MARK}`;
  const r = await runCommand("scontrol", ["update", `JobId=${jobId}`, `Comment=${marked}`], { env: options.env, timeoutMs: 30_000 });
  if (r.status.code !== 0) {
    throw new SlurmCommandError("scontrol", `scontrol update JobId=${jobId} Comment=... failed: ${commandMessage(r, "scontrol")}`, r);
  }
}

/** Cancels a job; a job that has already ended is not an error. */
export async function cancelJob(jobId: string, options: SlurmCommandOptions): Promise<void> {
  const r = await runCommand("scancel", [jobId], { env: options.env, timeoutMs: 30_000 });
  if (r.status.code !== 0 && !/already completing or completed|Invalid job id/i.test(r.stderr)) {
    throw new SlurmCommandError("scancel", `scancel ${jobId} failed: ${commandMessage(r, "scancel")}`, r);
  }
}

/** The same, blocking, for exit hooks. */
export function cancelJobSync(jobId: string, options: SlurmCommandOptions): void {
  runCommandSync("scancel", [jobId], { env: options.env, timeoutMs: 10_000 });
}

/** A command's own explanation of a failure: its stderr (else stdout), or how it ended. */
export function commandMessage(r: RunResult, name: string): string {
  if (r.status.error !== undefined) {
    return (r.status.error as NodeJS.ErrnoException).code === "ENOENT"
      ? `${name} was not found on PATH; is this a Slurm cluster's login node (or is Slurm's bin directory missing from PATH)?`
      : r.status.error.message;
  }
  if (r.timedOut) return `${name} did not finish in time (slurmctld not answering?)`;
  const text = (r.stderr.trim() || r.stdout.trim()).split("\n").filter((l) => l.trim() !== "").join("; ");
  return text || `${name} exited with code ${r.status.code}`;
}
