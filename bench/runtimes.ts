/**
 * Where the three runtimes live and how to run a script under one of them.
 *
 * The benchmarks compare a runtime with itself (our master and workers against bare processes
 * of the same runtime), so every process a bench starts goes through `scriptCommand`. The
 * executable of the runtime we are running under is our own (`process.execPath`); another one
 * is found on PATH first, skipping script shims (npm's `node_modules/.bin/deno` is a Node
 * script that spawns the real binary: one extra process we would otherwise be timing and
 * killing), then in this package's node_modules.
 *
 * @example
 * ```ts
 * const { file, args } = scriptCommand("deno", "/work/main/dist/bench/master.js", []);
 * // file: "/usr/local/bin/deno", args: ["run", "--allow-all", "/work/main/dist/bench/master.js"]
 * ```
 * @module
 */
import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from "node:fs";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";

/** A runtime a bench can run under. */
export type Runtime = "node" | "bun" | "deno";

/** The runtimes, in the order the tables are printed. */
export const RUNTIMES: readonly Runtime[] = ["node", "bun", "deno"];

/** The runtime running this code. */
export function currentRuntime(): Runtime {
  const g = globalThis as { Bun?: unknown; Deno?: unknown };
  if (g.Deno !== undefined) return "deno";
  if (g.Bun !== undefined) return "bun";
  return "node";
}

/** The version string of the runtime running this code. */
export function runtimeVersion(): string {
  const g = globalThis as { Bun?: { version: string }; Deno?: { version: { deno: string } } };
  if (g.Deno !== undefined) return g.Deno.version.deno;
  if (g.Bun !== undefined) return g.Bun.version;
  return process.versions.node;
}

/** The executable of `runtime`; throws naming the places searched when there is none. */
export function findBinary(runtime: Runtime): string {
  if (runtime === currentRuntime()) return process.execPath;
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    const candidate = join(dir, runtime);
    if (isNativeExecutable(candidate)) return candidate;
  }
  const nodeModules = fileURLToPath(new URL("node_modules", packageRoot()));
  const packaged = runtime === "bun"
    ? [join(nodeModules, "bun", "bin", "bun.exe")]
    : runtime === "deno"
    ? scoped(join(nodeModules, "@deno"), "deno")
    : [];
  for (const candidate of packaged) if (isNativeExecutable(candidate)) return candidate;
  throw new Error(`No ${runtime} executable found on PATH or in ${nodeModules}; install it (npm i -D ${runtime}) or put it on PATH`);
}

/** The command that runs `script` (an absolute path) with `args` under `runtime`. */
export function scriptCommand(runtime: Runtime, script: string, args: readonly string[]): { file: string; args: string[] } {
  const file = findBinary(runtime);
  if (runtime === "deno") return { file, args: ["run", "--allow-all", script, ...args] };
  return { file, args: [script, ...args] };
}

/** A sibling of the calling module, with the caller's extension (.ts from source, .js from dist/). */
export function sibling(callerUrl: string, name: string): string {
  const ext = callerUrl.endsWith(".ts") ? ".ts" : ".js";
  return fileURLToPath(new URL(`./${name}${ext}`, callerUrl));
}

/** The package root as a URL ending in "/", whether we run from bench/ or dist/bench/. */
function packageRoot(): URL {
  const here = new URL(".", import.meta.url);
  return here.pathname.includes("/dist/bench/") ? new URL("../../", here) : new URL("../", here);
}

function scoped(scopeDir: string, binary: string): string[] {
  try {
    return readdirSync(scopeDir).map((pkg) => join(scopeDir, pkg, binary));
  } catch {
    return [];
  }
}

/** An executable file that is not a `#!` script. */
function isNativeExecutable(file: string): boolean {
  try {
    if (!existsSync(file) || !statSync(file).isFile() || (statSync(file).mode & 0o111) === 0) return false;
    const fd = openSync(file, "r");
    try {
      const head = new Uint8Array(2);
      readSync(fd, head, 0, 2, 0);
      return !(head[0] === 0x23 && head[1] === 0x21); // "#!"
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}
