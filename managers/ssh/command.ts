/**
 * The two command lines of an SSH launch: the local `ssh ...` argv, and the remote command
 * that starts the launcher (src/worker/launcher.ts) on the host. The cookie is in neither: it
 * goes down the session's stdin.
 *
 * @example
 * ```ts
 * const remote = remoteCommand({ runtime: "bun", entry: "/opt/d/dist/src/worker/main.js", count: 4, ... });
 * // "exec env bun /opt/d/dist/src/worker/main.js --launcher --count=4 --bind=auto --timeout=60 ..."
 * const argv = sshArgv({ destination: "alice@node2", port: 2222, remote, ... });
 * ```
 * @module
 */
import type { RuntimeName } from "../../src/internal.ts";
import { joinCommand, type RemoteShell } from "./shell-quote.ts";

/** What the remote command needs. */
export interface RemoteCommandOptions {
  runtime: RuntimeName;
  /** The runtime executable on the remote host; default: the runtime's name, found on its PATH. */
  exename?: string;
  exeflags: readonly string[];
  /** The worker entry file on the remote host. */
  entry: string;
  count: number | "auto";
  timeout: number;
  /** Where workers listen: an address, "auto" (where ssh reached the host) or "loopback". */
  bind: string;
  /** First port for the workers (0: any). */
  port: number;
  dir: string;
  dirGiven: boolean;
  env: Readonly<Record<string, string>>;
  shell: RemoteShell;
}

/** The command string ssh runs on the remote host (through the user's login shell). */
export function remoteCommand(o: RemoteCommandOptions): string {
  const runtimeFlags = o.runtime === "deno"
    ? ["run", "--allow-all"]
    : o.runtime === "node" && o.entry.endsWith(".ts")
    ? ["--import", "tsx"]
    : [];
  const launcherArgs = [
    "--launcher",
    `--count=${o.count}`,
    `--timeout=${o.timeout}`,
    `--bind=${o.bind}`,
    ...(o.port > 0 ? [`--port=${o.port}`] : []),
    `--dir=${o.dir}`,
    ...(o.dirGiven ? ["--dir-given"] : []),
    ...(o.exeflags.length > 0 ? [`--exeflags=${JSON.stringify(o.exeflags)}`] : []),
  ];
  const env = Object.entries(o.env).map(([k, v]) => `${k}=${v}`);
  // `env` works the same under sh and csh, and fails with exit code 127 when the runtime is not
  // on the remote PATH, which the failure report turns into advice.
  return `exec ${joinCommand(o.shell, ["env", ...env, o.exename ?? o.runtime, ...runtimeFlags, o.entry, ...launcherArgs])}`;
}

/** What the local ssh command needs. */
export interface SshArgvOptions {
  /** The ssh executable. */
  ssh: string;
  /** The user's own flags: they come after BatchMode and before our defaults, so they win over the defaults. */
  sshflags: readonly string[];
  destination: string;
  port?: number;
  /** Seconds for ssh to connect. */
  connectTimeout: number;
  /** Local port of a dynamic (SOCKS) forward for tunnel mode. */
  socksPort?: number;
  /** Directory for the ControlMaster socket when multiplexing. */
  controlDir?: string;
  remote: string;
}

/** The local ssh argv (the executable first). */
export function sshArgv(o: SshArgvOptions): string[] {
  return [
    o.ssh,
    // Never a prompt: a password or host-key question would hang the launch.
    "-o",
    "BatchMode=yes",
    ...o.sshflags,
    // No terminal: the cookie must not be echoed, and the session's end must reach the launcher as EOF.
    "-T",
    "-o",
    `ConnectTimeout=${Math.max(1, Math.ceil(o.connectTimeout))}`,
    "-o",
    "ServerAliveInterval=5",
    "-o",
    "ServerAliveCountMax=3",
    ...(o.socksPort !== undefined ? ["-D", `127.0.0.1:${o.socksPort}`, "-o", "ExitOnForwardFailure=yes"] : []),
    ...(o.controlDir !== undefined ? ["-o", "ControlMaster=auto", "-o", `ControlPath=${o.controlDir}/%C`, "-o", "ControlPersist=no"] : []),
    ...(o.port !== undefined ? ["-p", String(o.port)] : []),
    o.destination,
    o.remote,
  ];
}
