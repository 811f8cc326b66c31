/**
 * Slurm's own variables as the environment level of the job settings. sbatch reads SBATCH_*
 * input variables (SBATCH_PARTITION, SBATCH_TIMELIMIT, ...) and lets them override the job
 * script's #SBATCH lines. Our lines come from options and the configuration file, which outrank
 * the environment (option > file > environment > default), so sbatch runs without the variable
 * of each key the request sets; a variable whose key the request leaves unset still applies.
 * Our own defaults (job name, output file) apply only where sbatch's variable does not. Pure.
 *
 * @example
 * ```ts
 * const env = { SBATCH_PARTITION: "long", SBATCH_ACCOUNT: "proj", PATH: "/bin" };
 * sbatchEnv({ partition: "debug" }, env);      // { SBATCH_ACCOUNT: "proj", PATH: "/bin" }: --partition=debug wins, the account still applies
 * withJobDefaults({}, { SBATCH_JOB_NAME: "mine" }); // { output: "distributed-%j.out" }: the variable names the job
 * ```
 * @module
 */
import type { JobRequest } from "./script.ts";

/** sbatch's input variable for each request key that has one (man sbatch, INPUT ENVIRONMENT VARIABLES). */
export const SBATCH_VARIABLES: Partial<Record<keyof JobRequest, string>> = {
  partition: "SBATCH_PARTITION",
  time: "SBATCH_TIMELIMIT",
  account: "SBATCH_ACCOUNT",
  qos: "SBATCH_QOS",
  mem: "SBATCH_MEM_PER_NODE",
  memPerCpu: "SBATCH_MEM_PER_CPU",
  constraint: "SBATCH_CONSTRAINT",
  gres: "SBATCH_GRES",
  exclusive: "SBATCH_EXCLUSIVE",
  jobName: "SBATCH_JOB_NAME",
  output: "SBATCH_OUTPUT",
};

/** The same variables by sbatch option, long and short, for the options in `sbatchFlags`. */
const VARIABLE_OF_FLAG: Record<string, string> = {
  "--partition": "SBATCH_PARTITION",
  "-p": "SBATCH_PARTITION",
  "--time": "SBATCH_TIMELIMIT",
  "-t": "SBATCH_TIMELIMIT",
  "--account": "SBATCH_ACCOUNT",
  "-A": "SBATCH_ACCOUNT",
  "--qos": "SBATCH_QOS",
  "-q": "SBATCH_QOS",
  "--mem": "SBATCH_MEM_PER_NODE",
  "--mem-per-cpu": "SBATCH_MEM_PER_CPU",
  "--constraint": "SBATCH_CONSTRAINT",
  "-C": "SBATCH_CONSTRAINT",
  "--gres": "SBATCH_GRES",
  "--exclusive": "SBATCH_EXCLUSIVE",
  "--job-name": "SBATCH_JOB_NAME",
  "-J": "SBATCH_JOB_NAME",
  "--output": "SBATCH_OUTPUT",
  "-o": "SBATCH_OUTPUT",
};

/** Our defaults for a job, where neither the request nor sbatch's variable sets them. */
const DEFAULTS = { jobName: "distributed", output: "distributed-%j.out" } as const;

/** The request with our job name and output file where neither it nor sbatch's variable gives one. */
export function withJobDefaults(request: JobRequest, env: Readonly<Record<string, string | undefined>>): JobRequest {
  const out: JobRequest = { ...request };
  for (const key of ["jobName", "output"] as const) {
    const variable = env[SBATCH_VARIABLES[key]!];
    if (out[key] === undefined && (variable === undefined || variable === "")) out[key] = DEFAULTS[key];
  }
  return out;
}

/** sbatch's environment for a script with the request's #SBATCH lines: without the variables they outrank. */
export function sbatchEnv(request: JobRequest, env: Readonly<Record<string, string>>): Record<string, string> {
  const outranked = new Set<string>();
  for (const [key, variable] of Object.entries(SBATCH_VARIABLES)) {
    if (request[key as keyof JobRequest] !== undefined) outranked.add(variable!);
  }
  for (const flag of request.sbatchFlags ?? []) {
    const variable = VARIABLE_OF_FLAG[/^(--[a-z-]+|-[A-Za-z])/.exec(flag)?.[1] ?? ""];
    if (variable !== undefined) outranked.add(variable);
  }
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (!outranked.has(name)) out[name] = value;
  return out;
}
