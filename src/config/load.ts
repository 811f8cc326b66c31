/**
 * The configuration in effect: the file found from the working directory (or DISTRIBUTED_CONFIG),
 * validated, read once. Precedence everywhere: an explicit option > the config file > the
 * environment (DISTRIBUTED_*) > the default.
 *
 * @example
 * ```ts
 * const { config, file } = await loadConfig();   // { config: { runtime: "bun", timeout: 120 }, file: ".../distributed.config.json" }
 * ```
 * @module
 */
import { cwd, env } from "../runtime/host.ts";
import { findConfigFile, forgetConfigFiles, readConfigFile } from "../runtime/config-file.ts";
import { validateConfig, type DistributedConfig } from "./schema.ts";

/** The configuration in effect and where it came from. */
export interface LoadedConfig {
  config: DistributedConfig;
  /** The file (undefined: none found). */
  file: string | undefined;
}

const cache = new Map<string, Promise<LoadedConfig>>();

/** Loads (once per directory) the configuration for `dir` (default: the working directory). */
export function loadConfig(dir: string = cwd()): Promise<LoadedConfig> {
  const explicit = env("DISTRIBUTED_CONFIG");
  const key = explicit ?? dir;
  let loaded = cache.get(key);
  if (loaded === undefined) {
    loaded = (async () => {
      const found = explicit !== undefined && explicit !== "" ? await readConfigFile(explicit) : await findConfigFile(dir);
      if (found === null) return { config: {}, file: undefined };
      return { config: validateConfig(found.value, found.file), file: found.file };
    })();
    cache.set(key, loaded);
  }
  return loaded;
}

/** Forgets what was loaded (tests; a script that changes directory and wants the new file). */
export function forgetConfig(): void {
  cache.clear();
  forgetConfigFiles();
}
