// Process helpers for tests: is an OS pid alive, wait for a condition (by polling the OS, the
// one thing with no event to wait for), run a master script under a runtime.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { findRuntime } from "../../src/runtime/command.ts";
import type { RuntimeName } from "../../src/runtime/detect.ts";

/** The repository root. */
export const ROOT = path.resolve(new URL("../../..", import.meta.url).pathname);

/** Whether an OS process exists (zombies count as gone). */
export function alive(ospid: number): boolean {
  try {
    process.kill(ospid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${ospid}/stat`, "utf8");
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

/** Resolves with the time waited once `cond()` is true; rejects after `ms`. */
export async function waitUntil(cond: () => boolean, ms: number, what: string): Promise<number> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - start;
}

/**
 * The executable of a runtime, found the way the library finds it (npm's `deno` shim is a
 * Node script that spawns the real binary: killing the shim would not kill Deno).
 */
export function runtimeExe(runtime: string): string {
  if (runtime === "tsx") return path.join(ROOT, "node_modules", ".bin", "tsx");
  return runtime === "node" ? process.execPath : findRuntime(runtime as RuntimeName);
}

/** Arguments to run a script file under a runtime. */
export function runtimeArgs(runtime: string, file: string, args: string[] = []): string[] {
  return runtime === "deno" ? ["run", "-A", file, ...args] : [file, ...args];
}

/** Result of running a master script. */
export interface MasterRun {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Starts a compiled fixture script as a master and returns the child (for tests that kill it). */
export function startMaster(runtime: string, name: string, args: string[] = []): ReturnType<typeof spawn> {
  const file = path.join(ROOT, "dist", "test", "fixtures", `${name}.js`);
  return spawn(runtimeExe(runtime), runtimeArgs(runtime, file, args), { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
}

/** How runScript runs a script. */
export interface RunOptions {
  cwd?: string;
  /** The whole environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** Runtime flags before the file (e.g. ["--import", "tsx"] for node). */
  flags?: readonly string[];
}

/** A finished run; `timedOut` when it was killed for running past its time. */
export interface ScriptRun extends MasterRun {
  timedOut: boolean;
}

/**
 * Runs `file` under `runtime` with `args` (deno: `run -A`), collecting its output. Resolves
 * when it has ended; past the timeout it is killed (SIGKILL) and reported with `timedOut`.
 */
export function runScript(runtime: string, file: string, args: readonly string[] = [], options: RunOptions = {}): Promise<ScriptRun> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const start = Date.now();
  return new Promise((resolve) => {
    const argv = runtimeArgs(runtime, file, [...args]);
    if (options.flags !== undefined) argv.splice(runtime === "deno" ? 1 : 0, 0, ...options.flags);
    const child = spawn(runtimeExe(runtime), argv, {
      cwd: options.cwd ?? ROOT,
      env: options.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("error", (err) => {
      clearTimeout(timer);
      resolve({ code: null, signal: null, stdout, stderr: `${stderr}\n${String(err)}`, ms: Date.now() - start, timedOut });
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - start, timedOut });
    });
  });
}

/** The same, rejecting (with the output so far) when the script does not end in time. */
export async function runScriptInTime(
  runtime: string,
  file: string,
  args: readonly string[] = [],
  options: RunOptions = {},
): Promise<ScriptRun> {
  const run = await runScript(runtime, file, args, options);
  if (run.timedOut) {
    throw new Error(
      `${runtime} ${path.relative(ROOT, file)} ${args.join(" ")} did not finish within ${
        options.timeoutMs ?? 60_000
      } ms\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`,
    );
  }
  return run;
}

/** An example as a user runs it: node the build in dist/examples, bun and deno the source. */
export function exampleFile(runtime: string, name: string): string {
  return runtime === "node" ? path.join(ROOT, "dist", "examples", `${name}.js`) : path.join(ROOT, "examples", `${name}.ts`);
}

/** Runs a compiled fixture script (dist/test/fixtures/NAME.js) as a master under `runtime`. */
export function runMaster(
  runtime: string,
  name: string,
  args: string[] = [],
  env: Record<string, string> = {},
  timeoutMs = 60_000,
  cwd = ROOT,
): Promise<MasterRun> {
  // tsx runs the TypeScript source; the others run the compiled fixture.
  const file = path.join(ROOT, "dist", "test", "fixtures", `${name}.${runtime === "tsx" ? "ts" : "js"}`);
  return runScriptInTime(runtime, file, args, { cwd, env: { ...process.env, ...env }, timeoutMs });
}

/** The last line of a master's stdout that is a JSON object, parsed (masters print their findings so). */
export function lastJson(stdout: string): Record<string, unknown> {
  const line = stdout.trim().split("\n").reverse().find((l) => l.startsWith("{"));
  if (line === undefined) throw new Error(`no JSON line in:\n${stdout}`);
  return JSON.parse(line) as Record<string, unknown>;
}
