/**
 * The one place processes are started: argument arrays, never shell strings.
 *
 * Long-lived workers use node:child_process directly rather than execa: a worker's handles
 * must be unref'd so that a finished master script exits by itself, and execa keeps the event
 * loop alive through its stream plumbing even after `unref()` (measured on Node 20).
 *
 * @example
 * ```ts
 * import { describeExit } from "distributed/managers";
 * describeExit({ code: 1, signal: null }); // "exit code 1": how a worker's exit reads in messages
 * ```
 * @module
 */
import { spawn } from "node:child_process";
import process from "node:process";

/** How a process ended. */
export interface ExitStatus {
  code: number | null;
  signal: string | null;
  /** Set when the process could not be started at all (e.g. ENOENT). */
  error?: Error;
}

/** A started process and its line-oriented output. */
export interface ChildHandle {
  readonly pid: number | undefined;
  /** Resolves when the process has ended (or failed to start). */
  readonly exited: Promise<ExitStatus>;
  /** The status once ended, else undefined. */
  readonly status: ExitStatus | undefined;
  writeStdin(text: string): void;
  endStdin(): void;
  onStdoutLine(cb: (line: string) => void): void;
  onStderrLine(cb: (line: string) => void): void;
  /** The last lines written to stderr (kept for error messages). */
  stderrTail(): string;
  kill(signal?: NodeJS.Signals): boolean;
  /** Lets this process exit without waiting for the child. */
  unref(): void;
}

/**
 * Describes how a process ended, for messages.
 *
 * @example
 * ```ts
 * import { describeExit } from "distributed/managers";
 * describeExit({ code: null, signal: "SIGKILL" }); // "killed by SIGKILL"
 * ```
 */
export function describeExit(status: ExitStatus): string {
  if (status.error !== undefined) return `could not be started: ${status.error.message}`;
  if (status.signal !== null) return `killed by ${status.signal}`;
  return `exit code ${status.code}`;
}

/**
 * Ends a child: SIGTERM, then SIGKILL if it is still there after `graceMs`. Resolves when it
 * is gone.
 *
 * @example
 * ```ts
 * await terminate(child, 2000);
 * ```
 */
export async function terminate(child: ChildHandle, graceMs: number): Promise<void> {
  if (child.status !== undefined) return;
  // The child and its pipes are unref'd: without this, a process awaiting the stop could exit
  // with the stop half done (seen on a loaded machine, where a child takes seconds to die).
  const keepAlive = setInterval(() => {}, 1000);
  try {
    child.kill("SIGTERM");
    let timer: ReturnType<typeof setTimeout> | undefined;
    const done = await Promise.race([
      child.exited.then(() => true),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(false), graceMs))),
    ]);
    clearTimeout(timer);
    if (!done) {
      child.kill("SIGKILL");
      await child.exited;
    }
  } finally {
    clearInterval(keepAlive);
  }
}

/** Options for spawnProcess. */
export interface SpawnOptions {
  cwd?: string;
  env: Record<string, string>;
}

const TAIL_LINES = 20;

/**
 * Starts `file` with `args`; stdin, stdout and stderr are pipes.
 *
 * @example
 * ```ts
 * const child = spawnProcess("bun", ["worker.js"], { cwd: "/tmp", env: {} });
 * child.onStdoutLine((line) => console.log(line));
 * const { code } = await child.exited;
 * ```
 */
export function spawnProcess(file: string, args: readonly string[], options: SpawnOptions): ChildHandle {
  const child = spawn(file, args, { cwd: options.cwd, env: options.env, stdio: ["pipe", "pipe", "pipe"], windowsHide: true });
  const stdoutListeners: Array<(line: string) => void> = [];
  const stderrListeners: Array<(line: string) => void> = [];
  const tail: string[] = [];
  let status: ExitStatus | undefined;

  const exited = new Promise<ExitStatus>((resolve) => {
    child.once("error", (error) => {
      status = { code: null, signal: null, error };
      resolve(status);
    });
    child.once("close", (code, signal) => {
      status ??= { code, signal };
      resolve(status);
    });
  });
  // Once reaped, its pid may belong to another process: no more signals (`close`, which
  // sets `status`, waits for the pipes as well and may come later).
  let reaped = false;
  child.once("exit", () => (reaped = true));
  // Writing to a child that died raises EPIPE on stdin; the exit is reported through `exited`.
  child.stdin.on("error", () => {});

  splitLines(child.stdout, (line) => {
    for (const cb of stdoutListeners) cb(line);
  });
  splitLines(child.stderr, (line) => {
    tail.push(line);
    if (tail.length > TAIL_LINES) tail.shift();
    for (const cb of stderrListeners) cb(line);
  });

  return {
    get pid() {
      return child.pid;
    },
    exited,
    get status() {
      return status;
    },
    writeStdin: (text) => {
      if (!child.stdin.destroyed) child.stdin.write(text);
    },
    endStdin: () => child.stdin.end(),
    onStdoutLine: (cb) => stdoutListeners.push(cb),
    onStderrLine: (cb) => stderrListeners.push(cb),
    stderrTail: () => tail.join("\n"),
    kill: (signal = "SIGTERM") => {
      if (reaped || child.pid === undefined) return false;
      // A signal by pid, not child.kill(): Deno's child.kill() also closes the child's stdin
      // (a worker started with --lifeline then exits: an interrupt became a stop) and reports
      // the child as killed by the signal whatever it did with it.
      try {
        process.kill(child.pid, signal);
        return true;
      } catch {
        return false; // already gone (ESRCH)
      }
    },
    unref: () => {
      child.unref();
      for (const stream of [child.stdin, child.stdout, child.stderr]) {
        (stream as unknown as { unref?: () => void }).unref?.();
      }
    },
  };
}

function splitLines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let partial = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    const text = partial + chunk;
    const lines = text.split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) onLine(line.endsWith("\r") ? line.slice(0, -1) : line);
  });
  stream.on("end", () => {
    if (partial) onLine(partial);
    partial = "";
  });
}
