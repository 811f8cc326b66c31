/**
 * Short commands run to completion (sbatch, scontrol, scancel): their whole output, bounded in
 * time. Long-lived processes use spawn.ts instead.
 *
 * @example
 * ```ts
 * const { status, stdout } = await runCommand("sbatch", ["--parsable"], { env, input: script, timeoutMs: 30_000 });
 * if (status.code !== 0) throw new Error(stdout);
 * runCommandSync("scancel", ["1234"], { env, timeoutMs: 5000 }); // in an exit hook
 * ```
 * @module
 */
import { spawn, spawnSync } from "node:child_process";
import type { ExitStatus } from "./spawn.ts";

/** What a finished command printed, and how it ended. */
export interface RunResult {
  status: ExitStatus;
  stdout: string;
  stderr: string;
  /** True when it was killed for running past `timeoutMs`. */
  timedOut: boolean;
}

/** Options of runCommand and runCommandSync. */
export interface RunOptions {
  env: Record<string, string>;
  cwd?: string;
  /** Written to stdin, which is then closed (default: stdin closed at once). */
  input?: string;
  /** SIGKILL after this many milliseconds (default 60 000). */
  timeoutMs?: number;
}

/** Runs `file args` to completion and collects its output; never rejects (see `status`). */
export function runCommand(file: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { cwd: options.cwd, env: options.env, stdio: ["pipe", "pipe", "pipe"], windowsHide: true });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    let settled = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, options.timeoutMs ?? 60_000);
    const finish = (status: ExitStatus): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ status, stdout, stderr, timedOut });
    };
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.stdin.on("error", () => {});
    child.stdin.end(options.input ?? "");
    child.once("error", (error) => finish({ code: null, signal: null, error }));
    child.once("close", (code, signal) => finish({ code, signal }));
  });
}

/** The same, blocking: only for exit hooks, where nothing asynchronous runs any more. */
export function runCommandSync(file: string, args: readonly string[], options: RunOptions): RunResult {
  const r = spawnSync(file, args, {
    cwd: options.cwd,
    env: options.env,
    input: options.input ?? "",
    timeout: options.timeoutMs ?? 60_000,
    encoding: "utf8",
    windowsHide: true,
  });
  const timedOut = (r.error as NodeJS.ErrnoException | undefined)?.code === "ETIMEDOUT";
  const status: ExitStatus = r.error !== undefined && !timedOut
    ? { code: null, signal: null, error: r.error }
    : { code: r.status, signal: r.signal };
  return { status, stdout: r.stdout ?? "", stderr: r.stderr ?? "", timedOut };
}
