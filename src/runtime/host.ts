/**
 * The host process: identity, environment, output streams, exit hooks and signals. Files and
 * paths are in files.ts, reading stdin in stdin.ts.
 *
 * @example
 * ```ts
 * import { gethostname } from "distributed";
 * gethostname(); // this machine's host name, e.g. "node17"
 * ```
 * @module
 */
import os from "node:os";
import process from "node:process";
import { isMainThread } from "node:worker_threads";

/**
 * This machine's host name.
 *
 * @example
 * ```ts
 * import { addprocs, gethostname, remotecallFetch, rmprocs } from "distributed";
 * gethostname();                                                 // e.g. "laptop"
 * const [p] = await addprocs(1);
 * (await remotecallFetch(() => gethostname(), p)) === gethostname(); // true: p is a local worker
 * await rmprocs(p);
 * ```
 */
export function hostname(): string {
  return os.hostname();
}

/** Number of logical CPUs. */
export function cpuCount(): number {
  return os.availableParallelism?.() ?? os.cpus().length;
}

/** The operating-system pid of this process. */
export function osPid(): number {
  return process.pid;
}

/** The current working directory. */
export function cwd(): string {
  return process.cwd();
}

/** An environment variable, or undefined. */
export function env(name: string): string | undefined {
  return process.env[name];
}

/** Sets an environment variable of this process (of every thread in it, on Node). */
export function setEnv(name: string, value: string): void {
  process.env[name] = value;
}

/** A copy of the whole environment. */
export function envAll(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) out[k] = v;
  return out;
}

/** Command-line arguments after the script. */
export function scriptArgs(): string[] {
  return process.argv.slice(2);
}

/** The absolute path of the running executable (node, bun or deno). */
export function execPath(): string {
  return process.execPath;
}

/** The runtime flags this process was started with (Node: e.g. tsx's --import). */
export function execArgv(): string[] {
  return [...process.execArgv];
}

/** Writes text to stdout. */
export function writeStdout(text: string): void {
  process.stdout.write(text);
}

export { writeStderr } from "./stderr.ts";

/** Ends the process. */
export function exit(code: number): never {
  process.exit(code);
}

/** Sets the code the process exits with when it ends on its own. */
export function setExitCode(code: number): void {
  process.exitCode = code;
}

/**
 * Runs `fn` when the event loop is empty; the process exits after if nothing new was scheduled.
 *
 * @example
 * ```ts
 * onBeforeExit(async () => { await cleanUp(); });
 * ```
 */
export function onBeforeExit(fn: () => void): void {
  process.on("beforeExit", fn);
}

/** Runs `fn` synchronously as the process exits (no async work is possible there). */
export function onExit(fn: () => void): void {
  process.on("exit", fn);
}

/** Handles a signal instead of dying from it. Returns a function that removes the handler. */
export function onSignal(signal: "SIGINT" | "SIGTERM", fn: () => void): () => void {
  process.on(signal, fn);
  return () => process.off(signal, fn);
}

/**
 * Sends `signal` to this process, as a terminal's Ctrl-C sends SIGINT: every listener of it
 * runs (process.on, and Deno.addSignalListener under Deno), and without one the process dies.
 * Returns false, sending nothing, where it cannot: in a thread (the signal would reach the
 * whole process, its other threads included), or under Deno without --allow-run.
 */
export function raiseSignal(signal: "SIGINT"): boolean {
  if (!isMainThread) return false;
  try {
    process.kill(process.pid, signal);
    return true;
  } catch {
    // Deno without the run permission refuses to signal any process, this one included.
    return false;
  }
}

/** An address other hosts can reach this one at (first non-internal IPv4), else loopback. */
export function primaryAddress(): string {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  return "127.0.0.1";
}

/** Flushes stdout and stderr, then exits (bounded: exits anyway after 500 ms). */
export function flushAndExit(code: number): void {
  const timer = setTimeout(() => process.exit(code), 500);
  (timer as { unref?: () => void }).unref?.();
  process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
}

/** Logs errors nobody handled instead of dying from them (a worker keeps serving). */
export function onUncaughtError(fn: (err: unknown, kind: string) => void): void {
  process.on("uncaughtException", (err) => fn(err, "uncaught exception"));
  process.on("unhandledRejection", (err) => fn(err, "unhandled promise rejection"));
}

/** Whether stderr is a terminal (progress bars redraw in place there). */
export function stderrIsTTY(): boolean {
  return process.stderr.isTTY === true;
}

/** Terminal width for progress bars (80 when unknown). */
export function stderrColumns(): number {
  return process.stderr.columns ?? 80;
}

/** Terminal width of stdout (help text wraps to it), or undefined when stdout is not a terminal. */
export function stdoutColumns(): number | undefined {
  return process.stdout.columns || undefined;
}

/**
 * Calls `fn` once this process's parent is gone (it has been re-parented), checked every `ms`
 * without keeping the process alive: how a rank notices that a launcher killed with SIGKILL
 * (mpirun) can no longer stop it.
 */
export function onParentGone(fn: () => void, ms = 500): void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    fn();
  }, ms);
  (timer as { unref?: () => void }).unref?.();
}
