/**
 * The job script SlurmManager submits in mode 2: a template (slurm/templates/job.sbatch, or the
 * user's own) with `{{placeholders}}` filled from the options. Everything here is pure text.
 *
 * @example
 * ```ts
 * import { readFile } from "node:fs/promises";
 * import { renderJobScript, sbatchLines } from "distributed/managers";
 * const lines = sbatchLines({ nodes: 2, ntasksPerNode: 4, time: "00:30:00", partition: "debug" });
 * // ["#SBATCH --nodes=2", "#SBATCH --ntasks-per-node=4", "#SBATCH --time=00:30:00", "#SBATCH --partition=debug"]
 * const template = await readFile("slurm/templates/job.sbatch", "utf8");
 * renderJobScript(template, { sbatch: lines, prologue: "module load bun", epilogue: "", attachTimeout: 120 });
 * ```
 * @module
 */

/** What a job asks Slurm for; each becomes one `#SBATCH --<kebab-case>=<value>` line. */
export interface JobRequest {
  /** Nodes (`--nodes`), e.g. 2 or "2-4". */
  nodes?: number | string;
  /** Tasks in all (`--ntasks`); one worker per task. */
  ntasks?: number;
  /** Tasks per node (`--ntasks-per-node`). */
  ntasksPerNode?: number;
  /** CPUs per task (`--cpus-per-task`), e.g. for a thread pool in each worker. */
  cpusPerTask?: number;
  /** Time limit (`--time`), e.g. "00:30:00" or "1-00:00:00". */
  time?: string;
  /** Partition (`--partition`). */
  partition?: string;
  /** Account to charge (`--account`). */
  account?: string;
  /** Quality of service (`--qos`). */
  qos?: string;
  /** Memory per node (`--mem`), e.g. "4G". */
  mem?: string;
  /** Memory per CPU (`--mem-per-cpu`). */
  memPerCpu?: string;
  /** Node features (`--constraint`). */
  constraint?: string;
  /** Generic resources (`--gres`), e.g. "gpu:1". */
  gres?: string;
  /** Whole nodes (`--exclusive`). */
  exclusive?: boolean;
  /** Job name (`--job-name`; default "distributed"). */
  jobName?: string;
  /** The job's output file (`--output`; default "distributed-%j.out" in the working directory). */
  output?: string;
  /** Any other sbatch options, one per element, e.g. ["--mail-type=END", "--reservation=training"]. */
  sbatchFlags?: readonly string[];
}

const FLAG_OF: Record<Exclude<keyof JobRequest, "sbatchFlags" | "exclusive">, string> = {
  nodes: "--nodes",
  ntasks: "--ntasks",
  ntasksPerNode: "--ntasks-per-node",
  cpusPerTask: "--cpus-per-task",
  time: "--time",
  partition: "--partition",
  account: "--account",
  qos: "--qos",
  mem: "--mem",
  memPerCpu: "--mem-per-cpu",
  constraint: "--constraint",
  gres: "--gres",
  jobName: "--job-name",
  output: "--output",
};

const POSITIVE = new Set(["ntasks", "ntasksPerNode", "cpusPerTask"]);

/**
 * One sbatch argument as an #SBATCH line must hold it. sbatch splits those lines at white
 * space, cuts them at an unquoted `#` and removes quotes and backslashes, so an argument with
 * any of these is written in double quotes, with `"` and `\` escaped (sbatch reads that back
 * exactly).
 *
 * @example
 * ```ts
 * import { sbatchWord } from "distributed/managers";
 * sbatchWord("--comment=two words"); // '"--comment=two words"'
 * ```
 */
export function sbatchWord(argument: string): string {
  return /[\s#"'\\]/.test(argument) ? `"${argument.replace(/["\\]/g, "\\$&")}"` : argument;
}

/**
 * The #SBATCH lines for a request. Throws a TypeError naming the option for a value that
 * cannot be one sbatch argument (empty, a line break, a count that is not a positive integer).
 *
 * @example
 * ```ts
 * import { sbatchLines } from "distributed/managers";
 * sbatchLines({ ntasks: 8, time: "01:00:00", exclusive: true, sbatchFlags: ["--mail-type=END"] });
 * // ["#SBATCH --ntasks=8", "#SBATCH --time=01:00:00", "#SBATCH --exclusive", "#SBATCH --mail-type=END"]
 * sbatchLines({ jobName: "my run" }); // ['#SBATCH "--job-name=my run"']: quoted, as sbatch splits at spaces
 * ```
 */
export function sbatchLines(request: JobRequest): string[] {
  const lines: string[] = [];
  for (const [key, flag] of Object.entries(FLAG_OF) as Array<[keyof typeof FLAG_OF, string]>) {
    const value = request[key];
    if (value === undefined) continue;
    if (POSITIVE.has(key) && !(Number.isInteger(value) && (value as number) > 0)) {
      throw new TypeError(
        `SlurmManager: option ${key} must be a positive integer, got ${typeof value === "number" ? String(value) : JSON.stringify(value)}`,
      );
    }
    if (key === "nodes") {
      const m = /^([1-9]\d*)(?:-([1-9]\d*))?$/.exec(String(value));
      if ((typeof value !== "number" && typeof value !== "string") || m === null || (m[2] !== undefined && Number(m[2]) < Number(m[1]))) {
        throw new TypeError(`SlurmManager: option nodes must be a positive integer or a range like "2-4", got ${JSON.stringify(value)}`);
      }
    } else if (!POSITIVE.has(key) && typeof value !== "string") {
      throw new TypeError(`SlurmManager: option ${key} must be a string, got ${typeof value}`);
    }
    const text = String(value);
    if (text === "" || /[\r\n]/.test(text)) {
      throw new TypeError(`SlurmManager: option ${key} must be a non-empty single line, got ${JSON.stringify(value)}`);
    }
    lines.push(`#SBATCH ${sbatchWord(`${flag}=${text}`)}`);
  }
  if (request.exclusive !== undefined && typeof request.exclusive !== "boolean") {
    throw new TypeError(`SlurmManager: option exclusive must be a boolean, got ${JSON.stringify(request.exclusive)}`);
  }
  if (request.exclusive === true) lines.push("#SBATCH --exclusive");
  const extra = request.sbatchFlags ?? [];
  if (!Array.isArray(extra) || !extra.every((f) => typeof f === "string" && f.startsWith("-") && !/[\r\n]/.test(f))) {
    throw new TypeError('SlurmManager: option sbatchFlags must be an array of sbatch options, one per element, e.g. ["--mail-type=END"]');
  }
  for (const flag of extra) lines.push(`#SBATCH ${sbatchWord(flag)}`);
  return lines;
}

/** What fills a template's placeholders. */
export interface ScriptParts {
  sbatch: readonly string[];
  prologue: string;
  epilogue: string;
  /** Seconds the job waits for the master's workers once it runs (job.sbatch). */
  attachTimeout?: number;
  /** The command the job runs (run.sbatch). */
  command?: string;
}

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

/**
 * Fills a job-script template. Placeholders in comment lines are left alone (so a template can
 * document them). `{{sbatch}}` must be there (otherwise the options would be silently lost);
 * an unknown placeholder is an error naming it.
 *
 * @example
 * ```ts
 * import { renderJobScript, sbatchLines } from "distributed/managers";
 * const template = "#!/bin/sh\n{{sbatch}}\n{{prologue}}\n{{command}}\n{{epilogue}}\n";
 * renderJobScript(template, {
 *   sbatch: sbatchLines({ ntasks: 4, time: "00:10:00" }),
 *   prologue: "module load bun",
 *   epilogue: "echo done",
 *   command: "srun bun run.ts",
 * });
 * // "#!/bin/sh\n#SBATCH --ntasks=4\n#SBATCH --time=00:10:00\nmodule load bun\nsrun bun run.ts\necho done\n"
 * ```
 */
export function renderJobScript(template: string, parts: ScriptParts, templateName = "the job-script template"): string {
  const values: Record<string, string> = {
    sbatch: parts.sbatch.join("\n"),
    prologue: parts.prologue,
    epilogue: parts.epilogue,
    ...(parts.attachTimeout !== undefined ? { attach_timeout: String(Math.ceil(parts.attachTimeout)) } : {}),
    ...(parts.command !== undefined ? { command: parts.command } : {}),
  };
  if (!template.startsWith("#!")) throw new TypeError(`${templateName} must start with a #! line (e.g. #!/bin/sh), as sbatch requires`);
  const lines = template.split("\n");
  const isComment = (line: string): boolean => line.trimStart().startsWith("#");
  if (!lines.some((line) => !isComment(line) && /\{\{\s*sbatch\s*\}\}/.test(line))) {
    throw new TypeError(`${templateName} has no {{sbatch}} placeholder (outside comments): the job's options would be lost`);
  }
  return lines
    .map((line) =>
      isComment(line) ? line : line.replace(PLACEHOLDER, (whole, name: string) => {
        const value = values[name];
        if (value === undefined) {
          throw new TypeError(
            `${templateName} has an unknown placeholder ${whole}; known: ${Object.keys(values).map((k) => `{{${k}}}`).join(", ")}`,
          );
        }
        return value;
      })
    )
    .join("\n");
}
