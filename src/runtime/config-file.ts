/**
 * Finding the configuration file with cosmiconfig: `distributed.config.{ts,mts,js,mjs,cjs,json}`,
 * `.distributedrc` (JSON or YAML), `.distributedrc.{json,yaml,yml,js,mjs,cjs}`, or the
 * `distributed` key of package.json, from a directory up to its project's root.
 *
 * A .ts file is imported by the runtime itself where it can (Bun, Deno, Node with type
 * stripping), else through cosmiconfig's TypeScript loader.
 *
 * @example
 * ```ts
 * const found = await findConfigFile(process.cwd()); // { file: "/proj/distributed.config.ts", value: {...} } | null
 * ```
 * @module
 */
import type { Loader, PublicExplorer } from "cosmiconfig";
import { pathToFileURL } from "node:url";
import { ConfigError } from "../errors.ts";

const NAME = "distributed";

const importModule: Loader = async (file) => {
  const mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
  let value: unknown = mod.default ?? mod;
  // A module compiled to CommonJS by a loader arrives as { default: { default: config } }.
  const inner = value as { default?: unknown; __esModule?: unknown } | null;
  if (
    inner !== null && typeof inner === "object" && "default" in inner &&
    Object.keys(inner).every((k) => k === "default" || k === "__esModule")
  ) value = inner.default;
  return value as never;
};

const SEARCH_PLACES = [
  "package.json",
  `.${NAME}rc`,
  `.${NAME}rc.json`,
  `.${NAME}rc.yaml`,
  `.${NAME}rc.yml`,
  `.${NAME}rc.js`,
  `.${NAME}rc.mjs`,
  `.${NAME}rc.cjs`,
  `${NAME}.config.json`,
  `${NAME}.config.js`,
  `${NAME}.config.mjs`,
  `${NAME}.config.cjs`,
  `${NAME}.config.ts`,
  `${NAME}.config.mts`,
];

let explorer: Promise<PublicExplorer> | undefined;

/** cosmiconfig, loaded on first use: workers and scripts without addprocs never pay for it. */
function getExplorer(): Promise<PublicExplorer> {
  explorer ??= import("cosmiconfig").then(({ cosmiconfig, defaultLoaders }) => {
    const importTypeScript: Loader = async (file, content) => {
      try {
        return await importModule(file, content);
      } catch {
        return defaultLoaders[".ts"](file, content);
      }
    };
    return cosmiconfig(NAME, {
      searchStrategy: "project",
      searchPlaces: SEARCH_PLACES,
      loaders: { ".ts": importTypeScript, ".mts": importTypeScript, ".mjs": importModule, ".js": importModule },
    });
  });
  return explorer;
}

/** The configuration found from `dir` upwards, or null; `file` names it (with "#distributed" for package.json). */
export async function findConfigFile(dir: string): Promise<{ file: string; value: unknown } | null> {
  const result = await (await getExplorer()).search(dir);
  if (result === null || result.isEmpty === true) return null;
  const file = result.filepath.endsWith("package.json") ? `${result.filepath}#${NAME}` : result.filepath;
  return { file, value: result.config as unknown };
}

/** Reads one given configuration file. */
export async function readConfigFile(file: string): Promise<{ file: string; value: unknown }> {
  const result = await (await getExplorer()).load(file);
  if (result === null) throw new ConfigError(file, "(top)", "no configuration in it");
  return {
    file: result.filepath.endsWith("package.json") ? `${result.filepath}#${NAME}` : result.filepath,
    value: result.config as unknown,
  };
}

/** Forgets every configuration read so far (cosmiconfig caches what it found). */
export function forgetConfigFiles(): void {
  explorer = undefined;
}
