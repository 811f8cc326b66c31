/**
 * Running a user's script in this process, as `distributed run` does: its arguments in
 * process.argv, then an import of the file. Node 20 imports a .ts script through tsx (its
 * loader is registered first); Bun and Deno import it themselves.
 *
 * @example
 * ```ts
 * setScriptArgv("/work/job.ts", ["--n", "10"]);
 * await importScript("/work/job.ts");
 * ```
 * @module
 */
import path from "node:path";
import { pathToFileURL } from "node:url";
import { existsSync } from "node:fs";
import { ScriptNotFoundError } from "../errors.ts";
import { currentRuntime } from "./detect.ts";
import { processTsxApi, registerTsx } from "./ts-loader.ts";

/** Makes process.argv what the script would see if run directly: [runtime, script, ...args]. */
export function setScriptArgv(script: string, args: readonly string[]): void {
  process.argv.splice(1, process.argv.length - 1, path.resolve(script), ...args);
}

/** Imports the script at `file` (relative to the working directory). */
export async function importScript(file: string): Promise<void> {
  const full = path.resolve(file);
  if (!existsSync(full)) throw new ScriptNotFoundError(file, process.cwd());
  const url = pathToFileURL(full).href;
  // Registered the way threads started later find it: they load .ts modules too.
  if (currentRuntime() === "node" && /\.[mc]?tsx?$/.test(full) && processTsxApi() === undefined) await registerTsx(file);
  await import(url);
}
