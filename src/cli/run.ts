/**
 * `distributed run`: adds workers (-p N, --machine-file, --slurm, or the config's `procs`),
 * sizes the thread pools (-t), then runs the script in this process with its own arguments.
 * Flags win over the configuration file, which wins over the environment (src/config/resolve.ts;
 * addprocs and the thread pool apply the same rule to what is not a flag here).
 *
 * @example
 * ```sh
 * distributed run -p 4 script.ts --size 100
 * ```
 * @module
 */
import { addprocs, type AddprocsOptions, type RuntimeName, threads } from "../mod.ts";
import { parseMachineFile, SlurmManager, SSHManager } from "../../managers/mod.ts";
import { loadConfig } from "../config/load.ts";
import { resolveSetting } from "../config/resolve.ts";
import type { DistributedConfig } from "../config/schema.ts";
import { type Setting, type SettingName, SETTINGS } from "../config/settings.ts";
import { env } from "../runtime/host.ts";
import { readTextFile } from "../runtime/files.ts";
import { importScript, setScriptArgv } from "../runtime/script.ts";
import { DistributedError, UsageError } from "../errors.ts";

/** What `run` was asked for. */
export interface RunRequest {
  script: string;
  args: string[];
  procs?: number | undefined;
  machineFile?: string | undefined;
  slurm: boolean;
  manager?: "processes" | "threads" | undefined;
  threads?: number | undefined;
  runtime?: RuntimeName | undefined;
  topology?: "all_to_all" | "master_worker" | "custom" | undefined;
  timeout?: number | undefined;
}

/**
 * `distributed run`: adds the workers, then runs the user's script in this process, as the
 * master (it imports the script, with the script's own arguments as its argv).
 */
export async function runScriptAsMaster(r: RunRequest): Promise<void> {
  const ways = [r.procs !== undefined, r.machineFile !== undefined, r.slurm].filter(Boolean).length;
  if (ways > 1) throw new UsageError("give one of -p/--procs, --machine-file and --slurm");
  for (const [name, v] of [["--procs", r.procs], ["--threads", r.threads]] as const) {
    if (v !== undefined && !(Number.isInteger(v) && v >= 0 && (name === "--procs" || v >= 1))) {
      throw new UsageError(`${name} must be a ${name === "--procs" ? "non-negative" : "positive"} integer, got ${String(v)}`);
    }
  }
  if (r.timeout !== undefined && !(r.timeout > 0)) {
    throw new UsageError(`--timeout must be a positive number of seconds, got ${String(r.timeout)}`);
  }
  const { config } = await loadConfig();
  // -t sizes this process's pool as an option; without it the pool resolves the file and then
  // DISTRIBUTED_THREADS itself, and addprocs passes the workers the file's threads.
  if (r.threads !== undefined) await threads.setNthreads(r.threads);
  const options: AddprocsOptions = {
    ...(r.runtime !== undefined ? { runtime: r.runtime } : {}),
    ...(r.topology !== undefined ? { topology: r.topology } : {}),
    ...(r.timeout !== undefined ? { timeout: r.timeout } : {}),
    ...(r.threads !== undefined ? { threads: r.threads } : {}),
  };
  if (r.machineFile !== undefined) {
    let text: string;
    try {
      text = readTextFile(r.machineFile);
    } catch (err) {
      throw new UsageError(`cannot read the machine file ${r.machineFile}: ${(err as Error).message}`, { cause: err });
    }
    await addprocs(new SSHManager(parseMachineFile(text, r.machineFile), sshSettings(config)), options);
  } else if (r.slurm) {
    if (!env("SLURM_JOB_ID")) {
      throw new DistributedError(
        "ERR_SLURM_ENV",
        "--slurm adds one worker per task of the Slurm job this runs in, but this is not running inside one (SLURM_JOB_ID is not set): run it in a job script, or submit one with `distributed slurm submit`",
      );
    }
    await addprocs(new SlurmManager(), options);
  } else {
    const procs = resolveSetting("procs", { option: r.procs, config, env }).value;
    if (procs > 0) await addprocs(procs, { ...options, ...(r.manager !== undefined ? { manager: r.manager } : {}) });
  }
  setScriptArgv(r.script, r.args);
  await importScript(r.script);
}

/** The SSH settings the file or the environment gives (the manager has the defaults). */
function sshSettings(config: DistributedConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(SETTINGS) as SettingName[]) {
    const setting: Setting<unknown> = SETTINGS[name];
    if (setting.ssh !== true || setting.option === undefined) continue;
    const { value, from } = resolveSetting(name, { config, env });
    if (from !== "default") out[setting.option] = value;
  }
  return out;
}
