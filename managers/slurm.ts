/**
 * SlurmManager: workers as the tasks of a Slurm allocation, started with srun.
 *
 * Three ways to get the allocation:
 * 1. Inside a job (`sbatch`, `salloc`, an interactive `srun --pty`): the job's own, one worker
 *    per task (`ntasks`/`nodes`/`ntasksPerNode` shape a smaller step).
 * 2. Outside any job (a login node, a laptop with Slurm's commands): a job submitted with
 *    sbatch from a template (slurm/templates/job.sbatch) with #SBATCH lines made from the
 *    options. addprocs waits until it runs (`queueTimeout`; the wait is not part of addprocs'
 *    `timeout`), then starts the workers in it, and marks the job's comment once they run
 *    (`distributed:workers-started`). The job ends when its workers end: rmprocs, the
 *    master's exit or its death (the job's script sees the workers' step gone, or the mark
 *    with no step left), or the master's exit hook cancels it.
 * 3. `jobId`: an existing allocation, e.g. from `salloc --no-shell`.
 * SPMD start-up, where srun starts the script itself on every task, is `init()` (spmd.ts).
 *
 * The workers: one srun step, `--input=all --label` (see slurm/srun.ts). The cookie is the first
 * line on srun's stdin; later lines are control lines addressed by task, so interrupt() and
 * rmprocs reach exactly one worker. A task that dies is a ProcessExitedError for its worker
 * alone. When the master dies, srun's stdin closes and every worker exits (--lifeline), as
 * they do when their connection to the master drops.
 *
 * Why one file: SlurmManager is one allocation's life: getting the job (inside it, submitted,
 * or attached), starting the workers' step in it, addressing its tasks (interrupt, stop, kill)
 * and giving back what it submitted, over the same job record and the process-wide exit hook.
 * Its parts are in slurm/ (the job commands, the script, srun's command line, the step, output).
 *
 * @example
 * ```ts
 * import { addprocs, pmap } from "distributed";
 * import { SlurmManager } from "distributed/managers";
 * // in an sbatch script (#SBATCH --ntasks=8): one worker per task
 * await addprocs(new SlurmManager());
 * // from a login node: submit, wait, add
 * await addprocs(new SlurmManager({ nodes: 2, ntasksPerNode: 4, time: "00:30:00", partition: "debug" }));
 * ```
 * @module
 */
import {
  type ClusterManager,
  DistributedError,
  envAll,
  fromFileUrl,
  type LaunchParams,
  loadConfig,
  type ManageOp,
  onExit,
  readTextFile,
  workerCommand,
  type WorkerConfig,
  workerEnv,
  WorkerStartError,
} from "../src/internal.ts";
import { cancelJob, cancelJobSync, JobNotRunningError, markWorkersStarted, submitJob, waitUntilRunning } from "./slurm/job.ts";
import { sbatchEnv, withJobDefaults } from "./slurm/sbatch-env.ts";
import { type JobRequest, renderJobScript, sbatchLines } from "./slurm/script.ts";
import { srunArgv, tasksOfAllocation } from "./slurm/srun.ts";
import { SrunStep, type StepTask } from "./slurm/step.ts";

/** Options of SlurmManager: what to ask Slurm for (mode 2), and how to start the workers. */
export interface SlurmManagerOptions extends JobRequest {
  /** Start the workers in this existing allocation (e.g. from `salloc --no-shell`). */
  jobId?: string | number;
  /** Submit a new job even when running inside one (default: only outside any job). */
  submit?: boolean;
  /** A job-script template of your own (a path; see slurm/templates/job.sbatch). */
  template?: string;
  /** Shell code the submitted job runs before the workers start (e.g. "module load bun"). */
  prologue?: string;
  /** Shell code the submitted job runs after they have ended. */
  epilogue?: string;
  /** Seconds the submitted job may wait in the queue before it is cancelled (default: no limit); for `jobId`, how long to wait for that job to run. */
  queueTimeout?: number;
  /** Seconds the running job waits for the workers before it gives the allocation back (default 300). */
  attachTimeout?: number;
  /** Extra srun options for the workers' step, e.g. ["--cpu-bind=cores"]. */
  srunFlags?: readonly string[];
}

/** Options that only mean something for a job being submitted. */
const SUBMIT_ONLY = [
  "time",
  "partition",
  "account",
  "qos",
  "mem",
  "memPerCpu",
  "constraint",
  "gres",
  "exclusive",
  "jobName",
  "output",
  "sbatchFlags",
  "template",
  "prologue",
  "epilogue",
  "queueTimeout",
  "attachTimeout",
] as const;

interface Job {
  id: string;
  /** Submitted by us: cancelled when its workers are gone or the master exits. */
  owned: boolean;
  /** Tasks in the allocation (srun's default step size). */
  tasks: number | undefined;
  /** The comment it was submitted with (kept when the workers' start is marked there). */
  comment: string;
}

const ownedJobs = new Set<string>();
const steps = new Set<SrunStep>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort on exit: cut srun (each worker sees its stdin close and exits) and give back
  // the allocations we asked for.
  onExit(() => {
    for (const step of steps) step.child.kill("SIGKILL");
    for (const id of ownedJobs) cancelJobSync(id, { env: workerEnv() });
  });
}

/**
 * Starts workers as the tasks of a Slurm allocation.
 *
 * @example
 * ```ts
 * import { addprocs, pmap, rmprocs } from "distributed";
 * import { SlurmManager } from "distributed/managers";
 * // from a login node: submits a job, waits up to an hour for it to run, then adds its 8 tasks
 * const slurm = new SlurmManager({ nodes: 2, ntasksPerNode: 4, time: "00:30:00", queueTimeout: 3600 });
 * const pids = await addprocs(slurm);
 * slurm.jobId;                                     // e.g. "123456"
 * await pmap((x: number) => x * x, [1, 2, 3]);     // on the job's tasks
 * await rmprocs(pids);                             // the workers end, and their job with them
 * ```
 */
export class SlurmManager implements ClusterManager {
  readonly name = "slurm";
  #options: SlurmManagerOptions;
  #job: Job | undefined;

  constructor(options: SlurmManagerOptions = {}) {
    if (typeof options !== "object" || options === null) throw new TypeError("SlurmManager(options): options must be an object");
    sbatchLines(options); // validates the request now, not after a queue wait
    const { jobId, queueTimeout, attachTimeout, srunFlags, template, prologue, epilogue } = options;
    if (jobId !== undefined && !/^\d+$/.test(String(jobId))) {
      throw new TypeError(`SlurmManager: option jobId must be a Slurm job id (digits), got ${JSON.stringify(jobId)}`);
    }
    for (const [name, v] of [["queueTimeout", queueTimeout], ["attachTimeout", attachTimeout]] as const) {
      if (v !== undefined && !(typeof v === "number" && v > 0)) {
        throw new RangeError(`SlurmManager: option ${name} must be a positive number of seconds, got ${String(v)}`);
      }
    }
    if (srunFlags !== undefined && !(Array.isArray(srunFlags) && srunFlags.every((f) => typeof f === "string" && f.startsWith("-")))) {
      throw new TypeError('SlurmManager: option srunFlags must be an array of srun options, e.g. ["--cpu-bind=cores"]');
    }
    for (const [name, v] of [["template", template], ["prologue", prologue], ["epilogue", epilogue]] as const) {
      if (v !== undefined && typeof v !== "string") throw new TypeError(`SlurmManager: option ${name} must be a string`);
    }
    this.#options = { ...options };
  }

  /** The job the workers run in, once known (after prepare). */
  get jobId(): string | undefined {
    return this.#job?.id;
  }

  /** Finds the allocation: the given job, the one we run in, or a new one (submitted, and waited for). */
  async prepare(params: LaunchParams): Promise<void> {
    installExitHook();
    const srunFlags = (await loadConfig()).config.slurm?.srunFlags;
    if (this.#options.srunFlags === undefined && srunFlags !== undefined) this.#options = { ...this.#options, srunFlags };
    const o = this.#options;
    const env = envAll();
    if (o.jobId !== undefined) {
      this.#job = { id: String(o.jobId), owned: false, tasks: await this.#tasksOf(String(o.jobId)), comment: "" };
      return;
    }
    if (env.SLURM_JOB_ID !== undefined && o.submit !== true) {
      const stray = SUBMIT_ONLY.filter((k) => o[k] !== undefined);
      if (stray.length > 0) {
        throw new TypeError(
          `SlurmManager: running inside Slurm job ${env.SLURM_JOB_ID}, whose allocation is used as it is; ${
            stray.join(", ")
          } only apply to a job being submitted. ` +
            "Drop them, or pass submit: true to submit a new job from here.",
        );
      }
      this.#job = { id: env.SLURM_JOB_ID, owned: false, tasks: tasksOfAllocation(env), comment: "" };
      return;
    }
    await this.#submit(params);
  }

  /** Starts one worker per task in one srun step. */
  launch(params: LaunchParams, launched: (config: WorkerConfig) => void): Promise<void> {
    const job = this.#job;
    if (job === undefined) {
      throw new DistributedError("ERR_MANAGER_NOT_PREPARED", "SlurmManager.launch before prepare: use addprocs(new SlurmManager(...))");
    }
    const o = this.#options;
    const ntasks = o.ntasks ?? (o.nodes !== undefined && o.ntasksPerNode !== undefined ? Number(o.nodes) * o.ntasksPerNode : undefined) ??
      job.tasks;
    if (ntasks === undefined || !(ntasks > 0)) {
      throw new WorkerStartError(`Cannot tell how many tasks Slurm job ${job.id} has; pass ntasks`, {
        command: "(srun)",
        host: `slurm job ${job.id}`,
      });
    }
    const workerArgs = ["--worker", "--lifeline", "--control=SLURM_PROCID", `--timeout=${params.timeout}`, "--bind=0.0.0.0"];
    const command = workerCommand({
      runtime: params.runtime,
      exeflags: params.exeflags,
      entry: params.entry,
      args: workerArgs,
      dir: params.dir,
      ...(params.exename !== undefined ? { exename: params.exename } : {}),
    });
    const argv = srunArgv({
      jobId: job.id,
      ntasks,
      ...(o.nodes !== undefined ? { nodes: o.nodes } : {}),
      ...(o.ntasksPerNode !== undefined ? { ntasksPerNode: o.ntasksPerNode } : {}),
      ...(o.cpusPerTask !== undefined ? { cpusPerTask: o.cpusPerTask } : {}),
      ...(params.dirGiven ? { chdir: params.dir } : {}),
      srunFlags: o.srunFlags ?? [],
      command,
    });
    const display = argv.join(" ");
    const step = new SrunStep(argv, workerEnv(params.env), ntasks);
    steps.add(step);
    void step.child.exited.then(() => {
      steps.delete(step);
      if (job.owned && ![...steps].some((s) => s.live().length > 0)) void this.#release(job);
    });
    step.send(params.cookie);
    // Our job's script ends the job once the workers' step is gone, but only if it saw the
    // step, or this mark: a master that dies (SIGKILL) while the script is still in a slow
    // prologue, or between two of its looks, would otherwise leave the allocation held for
    // attachTimeout. Marked once the step exists (a task has written), never before: the
    // script would take "marked, no step" for "the workers have ended".
    if (job.owned) {
      void step.started.then(() =>
        markWorkersStarted(job.id, job.comment, { env: workerEnv() }).catch(() => {
          // Without the mark the script still ends the job when it sees the step end.
        })
      );
    }
    for (let index = 0; index < ntasks; index++) {
      const task = step.task(index);
      launched({
        stdout: task.stdout,
        stderr: task.stderr,
        exited: task.exited,
        stderrTail: () => task.stderrTail(),
        command: display,
        hostLabel: `Slurm job ${job.id} task ${index}`,
        userdata: task,
      });
    }
    return Promise.resolve();
  }

  /** Interrupts go to exactly one task: a control line on the step's stdin, on which that task raises SIGINT on itself. */
  manage(_pid: number, config: WorkerConfig, op: ManageOp): void {
    const task = config.userdata as StepTask;
    if (op === "interrupt" && !task.done) task.step.control("interrupt", task.index);
  }

  /**
   * Asks the task to stop; if it has not within 5 s (a worker stuck in synchronous code), and
   * every live task of its step is being stopped, ends the step (srun SIGTERM, then SIGKILL).
   */
  async kill(_pid: number, config: WorkerConfig): Promise<void> {
    const task = config.userdata as StepTask;
    if (task.done) return;
    task.step.control("stop", task.index);
    if (await settles(task.exited, 5000)) return;
    const stopping = stoppingTasks(task.step);
    stopping.add(task.index);
    if (!task.step.live().every((t) => stopping.has(t.index))) return;
    task.step.child.kill("SIGTERM");
    if (await settles(task.exited, 5000)) return;
    task.step.child.kill("SIGKILL");
    await task.exited;
  }

  async #submit(params: LaunchParams): Promise<void> {
    // The configuration file's slurm defaults, where an option is not given.
    const defaults = (await loadConfig()).config.slurm ?? {};
    const given = Object.fromEntries(Object.entries(this.#options).filter(([, v]) => v !== undefined));
    this.#options = { ...defaults, ...given } as SlurmManagerOptions;
    sbatchLines(this.#options);
    const o = this.#options;
    const env = workerEnv(params.env);
    const request = withJobDefaults(o, env);
    const templatePath = o.template ?? defaultTemplatePath();
    let template: string;
    try {
      template = readTextFile(templatePath);
    } catch (err) {
      throw new TypeError(`SlurmManager: cannot read the job-script template ${templatePath}: ${(err as Error).message}`);
    }
    const script = renderJobScript(
      template,
      {
        sbatch: sbatchLines(request),
        prologue: o.prologue ?? "",
        epilogue: o.epilogue ?? "",
        attachTimeout: o.attachTimeout ?? 300,
      },
      o.template ?? "slurm/templates/job.sbatch",
    );
    const fail = (message: string, cause: unknown): WorkerStartError =>
      new WorkerStartError(`SlurmManager: ${message}`, { command: "sbatch", host: "slurm", cause });
    let id: string;
    try {
      id = await submitJob(script, { env: sbatchEnv(request, env), dir: params.dir });
    } catch (err) {
      throw fail((err as Error).message, err);
    }
    ownedJobs.add(id);
    const job: Job = { id, owned: true, tasks: undefined, comment: "" };
    try {
      const record = await waitUntilRunning(id, { env, timeoutMs: (o.queueTimeout ?? Number.MAX_SAFE_INTEGER / 1e6) * 1000 });
      job.tasks = record.numTasks;
      job.comment = record.fields.Comment ?? "";
    } catch (err) {
      await this.#release(job);
      const why = (err as Error).message;
      throw fail(
        err instanceof JobNotRunningError && o.queueTimeout !== undefined && /did not start/.test(why)
          ? `${why}; it was cancelled (option queueTimeout: ${o.queueTimeout} s)`
          : why,
        err,
      );
    }
    this.#job = job;
  }

  /** The task count of an allocation we were given; waits (up to queueTimeout) while it is pending. */
  async #tasksOf(jobId: string): Promise<number | undefined> {
    try {
      const record = await waitUntilRunning(jobId, {
        env: workerEnv(),
        timeoutMs: (this.#options.queueTimeout ?? Number.MAX_SAFE_INTEGER / 1e6) * 1000,
      });
      return record.numTasks;
    } catch (err) {
      throw new WorkerStartError(`SlurmManager: cannot use job ${jobId}: ${(err as Error).message}`, {
        command: "scontrol",
        host: "slurm",
        cause: err,
      });
    }
  }

  async #release(job: Job): Promise<void> {
    if (!ownedJobs.delete(job.id)) return;
    // A failed scancel leaves nothing to undo: the job's script ends the job by itself once the
    // workers' step is gone, or after attachTimeout when they never started.
    await cancelJob(job.id, { env: workerEnv() }).catch(() => {});
  }
}

const stopping = new WeakMap<object, Set<number>>();
function stoppingTasks(step: object): Set<number> {
  let set = stopping.get(step);
  if (set === undefined) stopping.set(step, set = new Set());
  return set;
}

function settles(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([promise.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms)))]).finally(() =>
    clearTimeout(timer)
  );
}

/** slurm/templates/job.sbatch of this package, from the sources or from dist/. */
function defaultTemplatePath(): string {
  const up = import.meta.url.endsWith(".ts") ? "../" : "../../";
  return fromFileUrl(new URL(`${up}slurm/templates/job.sbatch`, import.meta.url));
}
