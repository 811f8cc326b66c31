/**
 * `distributed info`: the runtimes found and their versions, the configuration file, and what
 * each setting resolves to and why (config, environment or default).
 *
 * @example
 * ```sh
 * distributed info          # a table
 * distributed info --json   # the same as JSON
 * ```
 * @module
 */
import { loadConfig } from "../config/load.ts";
import { findRuntime } from "../runtime/command.ts";
import { currentRuntime, RUNTIMES, runtimeVersion, type RuntimeName } from "../runtime/detect.ts";
import { cpuCount, cwd, env, writeStdout } from "../runtime/host.ts";
import { runCommand } from "../runtime/run.ts";
import { envAll } from "../runtime/host.ts";
import { PACKAGE_VERSION } from "../version.ts";

interface RuntimeInfo {
  runtime: RuntimeName;
  path: string | null;
  version: string | null;
  problem?: string;
}

interface Setting {
  name: string;
  value: unknown;
  from: "config" | "environment" | "default";
}

async function runtimeInfo(runtime: RuntimeName): Promise<RuntimeInfo> {
  let path: string;
  try {
    path = findRuntime(runtime);
  } catch (err) {
    return { runtime, path: null, version: null, problem: (err as Error).message.split("\n")[0]! };
  }
  if (runtime === currentRuntime()) return { runtime, path, version: runtimeVersion() };
  const r = await runCommand(path, ["--version"], { env: envAll(), timeoutMs: 15_000 });
  const first = r.stdout.split("\n")[0]?.trim() ?? "";
  if (r.status.code !== 0 || first === "") return { runtime, path, version: null, problem: `${path} --version failed` };
  return { runtime, path, version: first.replace(/^(deno |v)/, "").replace(/ \(.*$/, "") };
}

/** Prints the information. */
export async function infoCommand(options: { json: boolean }): Promise<void> {
  const [runtimes, loaded] = await Promise.all([Promise.all(RUNTIMES.map(runtimeInfo)), loadConfig()]);
  const { config, file } = loaded;
  const pick = (name: string, fromConfig: unknown, envName: string | undefined, fallback: unknown): Setting => {
    if (fromConfig !== undefined) return { name, value: fromConfig, from: "config" };
    const raw = envName !== undefined ? env(envName) : undefined;
    if (raw !== undefined && raw !== "") return { name, value: raw !== "" && Number.isFinite(Number(raw)) ? Number(raw) : raw, from: "environment" };
    return { name, value: fallback, from: "default" };
  };
  const settings: Setting[] = [
    pick("runtime", config.runtime, undefined, currentRuntime()),
    pick("timeout", config.timeout, "DISTRIBUTED_WORKER_TIMEOUT", 60),
    pick("threads", config.threads, "DISTRIBUTED_THREADS", cpuCount()),
    pick("topology", config.topology, undefined, "all_to_all"),
    pick("exeflags", config.exeflags, undefined, []),
    pick("procs", config.procs, undefined, 0),
    pick("ssh", config.ssh, undefined, {}),
    pick("slurm", config.slurm, undefined, {}),
  ];
  const report = { version: PACKAGE_VERSION, runningUnder: `${currentRuntime()} ${runtimeVersion()}`, runtimes, config: { file: file ?? null, searchedFrom: cwd() }, settings };
  if (options.json) {
    writeStdout(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  const lines = [`distributed ${PACKAGE_VERSION}, running under ${report.runningUnder}`, "", "runtimes:"];
  for (const r of runtimes) lines.push(`  ${r.runtime.padEnd(5)} ${r.version ?? "not found"}${r.path !== null ? `  ${r.path}` : ""}${r.problem !== undefined && r.version === null && r.path !== null ? `  (${r.problem})` : ""}`);
  lines.push("", `config: ${file ?? `none found (searched from ${cwd()} up to its project root)`}`, "", "settings (an option > the config > the environment > the default):");
  for (const s of settings) lines.push(`  ${s.name.padEnd(9)} ${JSON.stringify(s.value).padEnd(24)} (${s.from})`);
  writeStdout(`${lines.join("\n")}\n`);
}
