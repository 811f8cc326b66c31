/**
 * The configuration in effect: the file found from the working directory (or DISTRIBUTED_CONFIG),
 * validated, read once. Precedence everywhere: an explicit option > the config file > the
 * environment (DISTRIBUTED_*) > the default.
 *
 * @example
 * ```ts
 * import { loadConfig } from "distributed";
 * const { config, file } = await loadConfig();   // { config: { runtime: "bun", timeout: 120 }, file: ".../distributed.config.json" }
 * ```
 * @module
 */
import { cwd, env } from "../runtime/host.ts";
import { findConfigFile, forgetConfigFiles, readConfigFile } from "../runtime/config-file.ts";
import { type DistributedConfig, validateConfig } from "./schema.ts";

/** The configuration in effect and where it came from. */
export interface LoadedConfig {
  config: DistributedConfig;
  /** The file (undefined: none found). */
  file: string | undefined;
}

const cache = new Map<string, Promise<LoadedConfig>>();
/** What has finished loading, for loadedConfig(). */
const done = new Map<string, LoadedConfig>();

function cacheKey(dir: string): string {
  const explicit = env("DISTRIBUTED_CONFIG");
  return explicit !== undefined && explicit !== "" ? `file:${explicit}` : `dir:${dir}`;
}

/**
 * Loads (once per directory) the configuration for `dir` (default: the working directory).
 *
 * @example
 * ```ts
 * import { loadConfig } from "distributed";
 * // with ./distributed.config.json holding { "runtime": "bun", "timeout": 120 }
 * const { config, file } = await loadConfig();
 * config.timeout;             // 120: addprocs uses it unless given its own `timeout`
 * file;                       // "/path/to/project/distributed.config.json" (undefined: no file found)
 * await loadConfig("/srv/job"); // the configuration found from another directory
 * ```
 */
export function loadConfig(dir: string = cwd()): Promise<LoadedConfig> {
  const explicit = env("DISTRIBUTED_CONFIG");
  const key = cacheKey(dir);
  let loaded = cache.get(key);
  if (loaded === undefined) {
    loaded = (async () => {
      const found = explicit !== undefined && explicit !== "" ? await readConfigFile(explicit) : await findConfigFile(dir);
      const result: LoadedConfig = found === null
        ? { config: {}, file: undefined }
        : { config: validateConfig(found.value, found.file), file: found.file };
      if (cache.get(key) === loaded) done.set(key, result);
      return result;
    })();
    cache.set(key, loaded);
  }
  return loaded;
}

/**
 * The configuration for `dir` if loadConfig has already finished reading it, else undefined:
 * for synchronous callers (threads.nthreads()) that must not start reading a file.
 */
export function loadedConfig(dir: string = cwd()): LoadedConfig | undefined {
  return done.get(cacheKey(dir));
}

/** Forgets what was loaded (tests; a script that changes directory and wants the new file). */
export function forgetConfig(): void {
  cache.clear();
  done.clear();
  forgetConfigFiles();
}
