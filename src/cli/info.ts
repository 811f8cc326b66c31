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
import { type From, resolveSetting } from "../config/resolve.ts";
import type { DistributedConfig } from "../config/schema.ts";
import { type Setting, type SettingName, SETTINGS } from "../config/settings.ts";
import { EnvVarError } from "../errors.ts";
import { findRuntime } from "../runtime/command.ts";
import { currentRuntime, type RuntimeName, RUNTIMES, runtimeVersion } from "../runtime/detect.ts";
import { cpuCount, cwd, env, envAll, writeStdout } from "../runtime/host.ts";
import { runCommand } from "../runtime/run.ts";
import { PACKAGE_VERSION } from "../version.ts";

interface RuntimeInfo {
  runtime: RuntimeName;
  path: string | null;
  version: string | null;
  problem?: string;
}

interface SettingReport {
  /** The configuration key (or the setting's name when it has none). */
  name: string;
  value: unknown;
  from: Exclude<From, "option">;
  /** The variable, when the value came from it. */
  variable?: string;
  /** Why the variable's value cannot be used. */
  problem?: string;
}

/** Every setting as this process would resolve it with no option given. */
function settingReports(config: DistributedConfig): SettingReport[] {
  const out: SettingReport[] = [];
  for (const name of Object.keys(SETTINGS) as SettingName[]) {
    const setting: Setting<unknown> = SETTINGS[name];
    const report = (r: Omit<SettingReport, "name">): void => void out.push({ name: setting.key ?? name, ...r });
    try {
      const { value, from } = resolveSetting(name, { config, env });
      const shown = name === "threads" && value === "auto" ? cpuCount() : value;
      report(
        from === "environment"
          ? { value: shown, from: "environment", variable: setting.env }
          : { value: shown ?? null, from: from as Exclude<From, "option"> },
      );
    } catch (err) {
      if (!(err instanceof EnvVarError)) throw err;
      report({ value: err.value, from: "environment", variable: err.variable, problem: err.message });
    }
  }
  out.push({ name: "slurm", value: config.slurm ?? {}, from: config.slurm !== undefined ? "config" : "default" });
  return out;
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
  const settings = settingReports(config);
  const report = {
    version: PACKAGE_VERSION,
    runningUnder: `${currentRuntime()} ${runtimeVersion()}`,
    runtimes,
    config: { file: file ?? null, searchedFrom: cwd() },
    settings,
  };
  if (options.json) {
    writeStdout(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  const lines = [`distributed ${PACKAGE_VERSION}, running under ${report.runningUnder}`, "", "runtimes:"];
  for (const r of runtimes) {
    lines.push(
      `  ${r.runtime.padEnd(5)} ${r.version ?? "not found"}${r.path !== null ? `  ${r.path}` : ""}${
        r.problem !== undefined && r.version === null && r.path !== null ? `  (${r.problem})` : ""
      }`,
    );
  }
  lines.push(
    "",
    `config: ${file ?? `none found (searched from ${cwd()} up to its project root)`}`,
    "",
    "settings (an option > the config > the environment > the default):",
  );
  for (const s of settings) {
    const from = s.variable === undefined ? s.from : `${s.from} ${s.variable}`;
    lines.push(
      `  ${s.name.padEnd(18)} ${JSON.stringify(s.value).padEnd(24)} (${from})${
        s.problem !== undefined ? `  not usable: ${s.problem}` : ""
      }`,
    );
  }
  writeStdout(`${lines.join("\n")}\n`);
}
