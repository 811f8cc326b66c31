/**
 * `distributed slurm submit script.ts ...`: writes a job script from slurm/templates/run.sbatch
 * (or --template), whose command runs `distributed run --slurm script.ts` inside the job, and
 * submits it with sbatch (`--dry-run` prints it instead). Options win over the configuration
 * file's `slurm` section.
 *
 * @example
 * ```sh
 * distributed slurm submit job.ts --nodes 2 --ntasks-per-node 4 --time 00:30:00 --partition debug
 * # Submitted job 1234 (output: distributed-1234.out)
 * ```
 * @module
 */
import { type JobRequest, renderJobScript, sbatchLines, submitJob } from "../../managers/mod.ts";
import { sbatchEnv, withJobDefaults } from "../../managers/slurm/sbatch-env.ts";
import { loadConfig } from "../config/load.ts";
import type { RuntimeName } from "../runtime/detect.ts";
import { currentRuntime } from "../runtime/detect.ts";
import { findRuntime } from "../runtime/command.ts";
import { cwd, envAll, writeStdout } from "../runtime/host.ts";
import { fromFileUrl, readTextFile } from "../runtime/files.ts";
import { UsageError } from "../errors.ts";

/** What `slurm submit` was asked for. */
export interface SubmitRequest {
  script: string;
  args: string[];
  dryRun: boolean;
  request: { [K in keyof JobRequest]?: JobRequest[K] | undefined };
  prologue?: string | undefined;
  epilogue?: string | undefined;
  template?: string | undefined;
  threads?: number | undefined;
  runtime?: RuntimeName | undefined;
  topology?: string | undefined;
  timeout?: number | undefined;
}

/** A word for sh: quoted when it needs to be. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The command that runs the master in the job: this CLI, under this runtime, `run --slurm`. */
function masterCommand(r: SubmitRequest): string {
  const runtime = currentRuntime();
  const exe = findRuntime(runtime);
  const here = import.meta.url.endsWith(".ts") ? "../../bin/distributed.ts" : "../../bin/distributed.js";
  const cli = fromFileUrl(new URL(here, import.meta.url));
  const words = [exe, ...(runtime === "deno" ? ["run", "--allow-all"] : []), cli, "run", "--slurm"];
  if (r.threads !== undefined) words.push("--threads", String(r.threads));
  if (r.runtime !== undefined) words.push("--runtime", r.runtime);
  if (r.topology !== undefined) words.push("--topology", r.topology);
  if (r.timeout !== undefined) words.push("--timeout", String(r.timeout));
  words.push(r.script, ...(r.args.length > 0 ? ["--", ...r.args] : []));
  return `cd ${shellWord(cwd())} && ${words.map(shellWord).join(" ")}`;
}

/** Renders the job script and submits it (or prints it). */
export async function slurmSubmitCommand(r: SubmitRequest): Promise<void> {
  const { config } = await loadConfig();
  const defaults = config.slurm ?? {};
  let request: JobRequest = {};
  const fromConfig: Record<string, unknown> = {
    partition: defaults.partition,
    time: defaults.time,
    account: defaults.account,
    qos: defaults.qos,
    nodes: defaults.nodes,
    ntasks: defaults.ntasks,
    ntasksPerNode: defaults.ntasksPerNode,
    cpusPerTask: defaults.cpusPerTask,
    mem: defaults.mem,
    constraint: defaults.constraint,
    sbatchFlags: defaults.sbatchFlags,
  };
  for (
    const [k, v] of Object.entries({
      ...fromConfig,
      ...Object.fromEntries(Object.entries(r.request).filter(([, v]) => v !== undefined)),
    })
  ) {
    if (v !== undefined) (request as Record<string, unknown>)[k] = v;
  }
  // Slurm's SBATCH_* variables are the environment level: our defaults yield to them, and the
  // ones our #SBATCH lines outrank are kept from sbatch (it would let them override the lines).
  const env = envAll();
  request = withJobDefaults(request, env);
  let lines: string[];
  try {
    lines = sbatchLines(request);
  } catch (err) {
    throw new UsageError(
      (err as Error).message.replace(
        /^SlurmManager: option (\w+)/,
        (_, k: string) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`,
      ),
      { cause: err },
    );
  }
  const templatePath = r.template ?? defaults.template ??
    fromFileUrl(
      new URL(
        import.meta.url.endsWith(".ts") ? "../../slurm/templates/run.sbatch" : "../../../slurm/templates/run.sbatch",
        import.meta.url,
      ),
    );
  let template: string;
  try {
    template = readTextFile(templatePath);
  } catch (err) {
    throw new UsageError(`cannot read the job-script template ${templatePath}: ${(err as Error).message}`, { cause: err });
  }
  const script = renderJobScript(template, {
    sbatch: lines,
    prologue: r.prologue ?? defaults.prologue ?? "",
    epilogue: r.epilogue ?? defaults.epilogue ?? "",
    command: masterCommand(r),
  }, templatePath);
  if (r.dryRun) {
    writeStdout(script.endsWith("\n") ? script : `${script}\n`);
    return;
  }
  const id = await submitJob(script, { env: sbatchEnv(request, env), dir: cwd() });
  writeStdout(`Submitted job ${id} (output: ${(request.output ?? env.SBATCH_OUTPUT ?? "slurm-%j.out").replace(/%j/g, id)})\n`);
}
