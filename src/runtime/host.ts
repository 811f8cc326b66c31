/**
 * The host process: identity, output streams, exit hooks, signals and stdin.
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
import { fileURLToPath, pathToFileURL } from "node:url";
import path from "node:path";
import { accessSync, constants, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { isMainThread } from "node:worker_threads";
import { DistributedError } from "../errors.ts";

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

/** Writes text to stderr. */
export function writeStderr(text: string): void {
  process.stderr.write(text);
}

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

/**
 * Reads stdin: resolves the first line, then calls `onEnd` when stdin closes (the parent went
 * away). The stream is not kept referenced, so it never keeps the process alive by itself.
 */
export function readStdinLine(onEnd: () => void): Promise<string> {
  return new Promise((resolve, reject) => {
    let first = true;
    readStdinLines(
      (line) => {
        if (first) resolve(line);
        first = false;
      },
      () => {
        if (first) reject(new DistributedError("ERR_NO_COOKIE", "stdin closed before the cookie line arrived"));
        onEnd();
      },
    );
  });
}

/**
 * Reads stdin line by line until it closes: `onLine` for every line, then `onEnd` once. An
 * open stdin keeps the process alive (a launcher lives as long as its ssh session).
 */
export function readStdinLines(onLine: (line: string) => void, onEnd: () => void): void {
  let buffered = "";
  let ended = false;
  const end = (): void => {
    if (ended) return;
    ended = true;
    onEnd();
  };
  const stdin = process.stdin;
  stdin.setEncoding("utf8");
  stdin.on("data", (chunk: string) => {
    buffered += chunk;
    for (let nl = buffered.indexOf("\n"); nl >= 0; nl = buffered.indexOf("\n")) {
      const line = buffered.slice(0, nl).replace(/\r$/, "");
      buffered = buffered.slice(nl + 1);
      onLine(line);
    }
  });
  stdin.on("end", end);
  stdin.on("error", end);
}

/** Changes the working directory; throws (with the OS's reason) when it does not exist. */
export function chdir(dir: string): void {
  process.chdir(dir);
}

/** Creates a private temporary directory (mode 0700) and returns its path. */
export function makeTempDir(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Reads a UTF-8 text file; throws (with the OS's reason) when it cannot. */
export function readTextFile(file: string): string {
  return readFileSync(file, "utf8");
}

/** The user's home directory. */
export function homeDir(): string {
  return os.homedir();
}

/**
 * Reads a private file, first creating it (mode 0600, in a directory of mode 0700) with
 * `make()` when it does not exist. Creation is atomic (a complete temporary file is linked into
 * place), so processes racing to create it, even on other hosts sharing the directory, all
 * read the same content.
 */
export function readOrCreatePrivateFile(file: string, make: () => string): string {
  try {
    const text = readFileSync(file, "utf8");
    if (text.trim() !== "") return text;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(temp, make(), { mode: 0o600 });
  try {
    linkSync(temp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  } finally {
    rmSync(temp, { force: true });
  }
  return readFileSync(file, "utf8");
}

/** Removes a directory and everything in it; a missing directory is not an error. */
export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Converts a file path or URL string to a file: URL string. */
export function toFileUrl(pathOrUrl: string | URL): string {
  if (pathOrUrl instanceof URL) return pathOrUrl.href;
  if (/^[a-z][a-z0-9+.-]*:/i.test(pathOrUrl) && !/^[a-z]:[\\/]/i.test(pathOrUrl)) return pathOrUrl;
  return pathToFileURL(path.resolve(process.cwd(), pathOrUrl)).href;
}

/** Converts a file: URL to a path. */
export function fromFileUrl(url: string | URL): string {
  return fileURLToPath(url);
}

/** Whether a file exists and is executable. */
export function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The PATH entries, in order. */
export function pathEntries(): string[] {
  return (process.env.PATH ?? "").split(path.delimiter).filter(Boolean);
}

/** Joins path parts. */
export function joinPath(...parts: string[]): string {
  return path.join(...parts);
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
