/**
 * How to start a worker under node, bun or deno: which executable, which runtime flags, which
 * environment. A master under one runtime can start workers under another.
 *
 * @example
 * ```ts
 * const cmd = workerCommand({ runtime: "deno", entry: "/pkg/dist/src/worker/main.js", args: ["--worker"] });
 * // cmd.file: "/usr/local/bin/deno", cmd.args: ["run", "--allow-all", "--v8-flags=--no-maglev-inlining", "/pkg/...", "--worker"]
 * ```
 * @module
 */
import { readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { RuntimeNotFoundError } from "../errors.ts";
import { currentRuntime, type RuntimeName } from "./detect.ts";
import { cwd, envAll, execArgv, execPath } from "./host.ts";
import { isExecutable, joinPath, pathEntries } from "./files.ts";

/** What workerCommand needs. */
export interface WorkerCommandOptions {
  runtime: RuntimeName;
  /** The executable; default: this process's own when the runtime matches, else found on PATH. */
  exename?: string;
  /** Extra runtime flags, placed before the entry file. */
  exeflags?: readonly string[];
  /** The worker entry file (absolute path). */
  entry: string;
  /** Arguments after the entry file. */
  args: readonly string[];
  /** The worker's working directory (used to find tsx for Node workers of a non-Node master). */
  dir?: string;
}

/** A command ready for spawnProcess, plus a printable form for error messages. */
export interface Command {
  file: string;
  args: string[];
  display: string;
}

/** Builds the command line that starts one worker. */
export function workerCommand(options: WorkerCommandOptions): Command {
  const { runtime } = options;
  const file = options.exename ?? findRuntime(runtime);
  const flags = [...runtimeFlags(runtime, options.dir ?? cwd()), ...(options.exeflags ?? [])];
  const args = runtime === "deno" ? ["run", ...flags, options.entry, ...options.args] : [...flags, options.entry, ...options.args];
  return { file, args, display: [file, ...args].map(quoteForDisplay).join(" ") };
}

/** The environment a worker starts with: ours, minus what slows or breaks workers, plus `extra`. */
export function workerEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env = envAll();
  // NODE_EXTRA_CA_CERTS makes every Node start re-read the certificate file (62 ms vs 25 ms
  // measured here); workers make no TLS connections of their own through it.
  delete env.NODE_EXTRA_CA_CERTS;
  return { ...env, ...extra };
}

function runtimeFlags(runtime: RuntimeName, dir: string): string[] {
  const here = currentRuntime();
  if (runtime === "node") {
    if (here === "node") return execArgv().filter((flag) => !/^--(inspect|debug)/.test(flag));
    return tsxResolvableFrom(dir) ? ["--import", "tsx"] : [];
  }
  if (runtime === "deno") return [...denoPermissionFlags(), DENO_V8_FLAGS];
  return [];
}

/**
 * V8 flags every Deno worker starts with (a user's own `--v8-flags=` in exeflags come after
 * and win). Deno's V8 (15.0 in Deno 2.9) has Maglev on, and Maglev inlines a hot kernel into
 * its small caller, e.g. a pmap/distributed body `(o) => partialPi(range(o, o + n))`: after a
 * few thousand calls the worker runs the kernel's loop in that Maglev code, 5-7x slower than
 * TurboFan's own code for the kernel, for the rest of its life (perf: 70% of samples in the
 * caller's Maglev code). Seed 000's pi on 2 Deno workers fell to a parallel efficiency of
 * 0.10-0.25. Plain Deno shows it too (a loop calling the kernel once per tick), so it is V8's,
 * not the way shipped code is compiled; node 20 (no Maglev) and bun (JSC) are unaffected.
 * Without Maglev inlining (Maglev itself stays) the kernel keeps TurboFan speed.
 */
const DENO_V8_FLAGS = "--v8-flags=--no-maglev-inlining";

/**
 * Deno workers get the permissions the Deno master holds, plus the ones a worker needs to run
 * at all (network for its port, read for modules, env and sys for start-up). Under another
 * runtime there is no sandbox to mirror, so the worker gets --allow-all.
 */
function denoPermissionFlags(): string[] {
  const deno = (globalThis as { Deno?: { permissions: { querySync(p: { name: string }): { state: string } } } }).Deno;
  if (deno === undefined) return ["--allow-all"];
  const names = ["read", "write", "net", "env", "run", "sys", "ffi"];
  const granted = names.filter((name) => {
    try {
      return deno.permissions.querySync({ name }).state === "granted";
    } catch {
      return false;
    }
  });
  if (granted.length === names.length) return ["--allow-all"];
  const needed = new Set([...granted, "net", "read", "env", "sys"]);
  return [...needed].map((name) => `--allow-${name}`);
}

function tsxResolvableFrom(dir: string): boolean {
  try {
    createRequire(joinPath(dir, "noop.js")).resolve("tsx");
    return true;
  } catch {
    return false;
  }
}

const cache = new Map<RuntimeName, string>();

/** Finds a runtime's executable: ours if it matches, then PATH, then node_modules. */
export function findRuntime(runtime: RuntimeName): string {
  if (runtime === currentRuntime()) return execPath();
  const hit = cache.get(runtime);
  if (hit !== undefined) return hit;
  const tried: string[] = [];
  for (const dir of pathEntries()) {
    const candidate = joinPath(dir, runtime);
    // npm's deno shim is a Node script that spawns the real binary: skip it for the binary.
    if (isExecutable(candidate) && !candidate.includes(joinPath("node_modules", ".bin"))) return remember(runtime, candidate);
  }
  tried.push("PATH");
  for (let dir = cwd();;) {
    for (const candidate of packagedBinaries(runtime, joinPath(dir, "node_modules"))) {
      if (isExecutable(candidate)) return remember(runtime, candidate);
    }
    const parent = joinPath(dir, "..");
    if (parent === dir) break;
    dir = parent;
  }
  tried.push("node_modules of the working directory and its parents");
  for (const dir of pathEntries()) {
    const candidate = joinPath(dir, runtime);
    if (isExecutable(candidate)) return remember(runtime, candidate);
  }
  throw new RuntimeNotFoundError(runtime, tried.join(", "));
}

function packagedBinaries(runtime: RuntimeName, nodeModules: string): string[] {
  // The platform package holds the real binary until bun's postinstall moves it to
  // bun/bin/bun.exe; before that (npm now skips unapproved install scripts) bun.exe is a
  // placeholder that only prints an error.
  if (runtime === "bun") {
    return [...scoped(nodeModules, "@oven", (pkg) => joinPath(pkg, "bin", "bun")), joinPath(nodeModules, "bun", "bin", "bun.exe")];
  }
  if (runtime === "deno") return scoped(nodeModules, "@deno", (pkg) => joinPath(pkg, "deno"));
  return [];
}

function scoped(nodeModules: string, scope: string, inside: (pkg: string) => string): string[] {
  try {
    return readdirSync(joinPath(nodeModules, scope)).map((name) => inside(joinPath(nodeModules, scope, name)));
  } catch {
    return [];
  }
}

function remember(runtime: RuntimeName, file: string): string {
  cache.set(runtime, file);
  return file;
}

function quoteForDisplay(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
