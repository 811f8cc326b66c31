/**
 * The launcher: what a remote manager (SSH) runs on each host, once per host, to start that
 * host's workers: `<runtime> .../worker/main.js --launcher --count=N|auto ...`.
 *
 * One ssh session per host instead of one per worker: a host with 16 workers costs one ssh
 * connection and one authentication, `auto` is resolved on the host itself (its CPU count),
 * and the session carries every worker's output, interrupts and stops (see
 * src/protocol/launcher-lines.ts). The session is also the workers' lifeline: when it ends
 * (the master died, or ssh was cut), stdin closes here and every worker is stopped; if the
 * launcher itself is killed, the workers' own stdin closes and they exit (--lifeline).
 *
 * Where the workers listen (--bind): an address, `loopback` (for ssh tunnels), or `auto`:
 * the address this host was reached at by ssh (from SSH_CONNECTION), which the master has
 * just proved it can reach; all interfaces when that is unknown.
 *
 * @example
 * ```sh
 * echo "$COOKIE" | ssh node3 bun /opt/distributed/dist/src/worker/main.js --launcher --count=auto --bind=auto --timeout=60
 * # distributed_launcher 8 8 node3
 * # @0 pid 41122
 * # @0 out distributed_worker:40125#10.0.0.3
 * ```
 * @module
 */
import { formatLauncherHeader, formatWorkerLine, type LauncherWorkerLine, parseControl } from "../protocol/launcher-lines.ts";
import { currentRuntime } from "../runtime/detect.ts";
import { workerCommand, workerEnv } from "../runtime/command.ts";
import { cpuCount, env, flushAndExit, hostname, onSignal, writeStderr, writeStdout } from "../runtime/host.ts";
import { readStdinLines } from "../runtime/stdin.ts";
import { chdir, fromFileUrl } from "../runtime/files.ts";
import { type ChildHandle, describeExit, spawnProcess, terminate } from "../runtime/spawn.ts";

interface LauncherArgs {
  count: number | "auto";
  timeout: number;
  bind: string;
  port: number;
  dir: string | undefined;
  dirGiven: boolean;
  exeflags: string[];
}

/** Parses the launcher's arguments (all `--name=value`; the caller is our own SSH manager). */
export function parseLauncherArgs(argv: readonly string[]): LauncherArgs {
  const args: LauncherArgs = { count: 1, timeout: 60, bind: "auto", port: 0, dir: undefined, dirGiven: false, exeflags: [] };
  for (const arg of argv) {
    if (arg === "--launcher") continue;
    if (arg === "--dir-given") {
      args.dirGiven = true;
      continue;
    }
    const m = /^--(count|timeout|bind|port|dir|exeflags)=(.*)$/s.exec(arg);
    if (m === null) throw new TypeError(`Unknown launcher argument ${JSON.stringify(arg)}`);
    const value = m[2]!;
    if (m[1] === "count") args.count = value === "auto" ? "auto" : Number(value);
    else if (m[1] === "timeout") args.timeout = Number(value);
    else if (m[1] === "bind") args.bind = value;
    else if (m[1] === "port") args.port = Number(value);
    else if (m[1] === "dir") args.dir = value;
    else args.exeflags = JSON.parse(value) as string[];
  }
  if (args.count !== "auto" && !(Number.isInteger(args.count) && args.count >= 1)) {
    throw new RangeError(`--count must be a positive integer or auto, got ${args.count}`);
  }
  if (!(args.timeout > 0)) throw new RangeError("--timeout must be a positive number of seconds");
  return args;
}

/** The address to listen on for `--bind=auto|loopback|<address>`. */
export function bindAddress(bind: string, sshConnection: string | undefined): string {
  if (bind === "loopback") return "127.0.0.1";
  if (bind !== "auto") return bind;
  // SSH_CONNECTION: "<client ip> <client port> <server ip> <server port>".
  const serverIp = sshConnection?.trim().split(/\s+/)[2];
  return serverIp !== undefined && serverIp !== "" ? serverIp : "0.0.0.0";
}

/** Runs the launcher until every worker it started has ended. */
export function runLauncher(argv: readonly string[]): void {
  const args = parseLauncherArgs(argv);
  if (args.dir !== undefined) {
    try {
      chdir(args.dir);
    } catch (err) {
      if (args.dirGiven) {
        writeStderr(`distributed: the working directory ${args.dir} cannot be used on ${hostname()}: ${(err as Error).message}\n`);
        flushAndExit(2);
        return;
      }
      // Not asked for: the master's directory does not exist here; stay in the login directory.
    }
  }
  const count = args.count === "auto" ? cpuCount() : args.count;
  const bind = bindAddress(args.bind, env("SSH_CONNECTION"));
  const children: ChildHandle[] = [];
  const say = (index: number, kind: LauncherWorkerLine["kind"], text: string): void =>
    writeStdout(`${formatWorkerLine(index, kind, text)}\n`);
  let live = 0;
  let stopping = false;

  const stopAll = (): void => {
    if (stopping) return;
    stopping = true;
    for (const child of children) stop(child);
    if (live === 0) flushAndExit(0);
  };
  let started = false;
  readStdinLines(
    (line) => {
      if (!started) {
        started = true;
        start(line);
        return;
      }
      const control = parseControl(line);
      const child = control === null ? undefined : children[control.index];
      if (control === null || child === undefined) return writeStderr(`distributed launcher: ignoring ${JSON.stringify(line)}\n`);
      if (control.op === "interrupt") child.kill("SIGINT");
      else stop(child);
    },
    // The ssh session ended: the master is gone or cut off.
    () => (started ? stopAll() : flushAndExit(1)),
  );
  onSignal("SIGTERM", stopAll);
  onSignal("SIGINT", stopAll);

  function start(cookie: string): void {
    writeStdout(`${formatLauncherHeader(count, cpuCount(), hostname())}\n`);
    const entry = fromFileUrl(new URL(`./main${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`, import.meta.url));
    for (let index = 0; index < count; index++) {
      const workerArgs = [
        "--worker",
        "--lifeline",
        `--timeout=${args.timeout}`,
        `--bind=${bind}`,
        ...(args.port > 0 ? [`--port=${args.port + index}`] : []),
      ];
      const command = workerCommand({ runtime: currentRuntime(), exeflags: args.exeflags, entry, args: workerArgs });
      const child = spawnProcess(command.file, command.args, { env: workerEnv() });
      children.push(child);
      live++;
      if (child.pid !== undefined) say(index, "pid", String(child.pid));
      child.onStdoutLine((line) => say(index, "out", line));
      child.onStderrLine((line) => say(index, "err", line));
      child.writeStdin(`${cookie}\n`);
      void child.exited.then((status) => {
        say(index, "exit", describeExit(status));
        live--;
        if (live === 0) flushAndExit(0);
      });
    }
  }
}

/** SIGTERM, then SIGKILL after 2 s (the launcher does not wait: exits are reported as they come). */
function stop(child: ChildHandle): void {
  void terminate(child, 2000);
}
