/**
 * The SSH option set, declared once: `addprocs(machines, options)` takes it (AddprocsOptions
 * extends it), the configuration file's `ssh` section holds it (all but `entry`), SSHManager
 * takes it, and the package door hands it from the one to the other. The settings table
 * (settings.ts) gives each its configuration key, variable and default.
 *
 * @example
 * ```ts
 * import { pickSshOptions } from "./ssh-options.ts";
 * pickSshOptions({ sshflags: ["-i", "key"], timeout: 30, tunnel: true }); // { sshflags: ["-i", "key"], tunnel: true }
 * ```
 * @module
 */

/** How workers on other hosts are reached over ssh (see docs/guides/ssh.md). */
export interface SshOptions {
  /** The ssh executable (default "ssh", found on PATH; it honours ~/.ssh/config). */
  ssh?: string;
  /** Extra ssh arguments, e.g. ["-i", keyFile] or ["-F", configFile]; they override our defaults except BatchMode. */
  sshflags?: readonly string[];
  /** The login shell on the remote hosts: "posix" (sh, bash, zsh; default) or "csh" (csh, tcsh). */
  shell?: "posix" | "csh";
  /** Reach the workers through ssh port forwarding; they listen on their host's loopback (default false). */
  tunnel?: boolean;
  /** One ssh connection per host, shared by every ssh to it (ControlMaster; default false). */
  multiplex?: boolean;
  /** Hosts being connected at the same time (default 10). */
  maxParallel?: number;
  /** The worker entry file on the remote hosts (default: the same path as on this host). */
  entry?: string;
}

/** The SSH options a configuration file's `ssh` section may set: all but `entry`, a path on the remote hosts for one call. */
export type SshConfig = Omit<SshOptions, "entry">;

/** The names of the SSH options, in the order of SshOptions. */
export const SSH_OPTION_NAMES = ["ssh", "sshflags", "shell", "tunnel", "multiplex", "maxParallel", "entry"] as const;

// Keeps the list equal to the interface: a name added to one and not the other fails to compile.
type Listed = (typeof SSH_OPTION_NAMES)[number];
const _everyOptionListed: Record<Exclude<keyof SshOptions, Listed>, never> & Record<Exclude<Listed, keyof SshOptions>, never> = {};
void _everyOptionListed;

/** The SSH options out of a larger set of options (addprocs'), leaving out those not given. */
export function pickSshOptions(options: SshOptions): SshOptions {
  const picked: Record<string, unknown> = {};
  for (const name of SSH_OPTION_NAMES) if (options[name] !== undefined) picked[name] = options[name];
  return picked as SshOptions;
}
