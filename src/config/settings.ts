/**
 * Every setting, declared once: its addprocs option, its key in the configuration file, its
 * environment variable, the kind of value it takes (checked in the file, parsed from the
 * variable), its default, and which processes read it. resolve.ts applies option >
 * configuration file > environment > default to any of them; schema.ts checks the file's keys
 * with the same kinds; docs/guides/configuration.md lists the same table (a test keeps them equal).
 *
 * "master" is the process that runs your script (every task of an SPMD launch is one);
 * "workers" are the processes addprocs starts. A worker reads no configuration file: what the
 * master resolved reaches it through its launch (the heartbeat in the join message, `threads`
 * as DISTRIBUTED_THREADS in its environment), and ranks there as an option.
 *
 * @example
 * ```ts
 * SETTINGS.timeout.env;               // "DISTRIBUTED_WORKER_TIMEOUT"
 * SETTINGS.timeout.kind.parse("30");  // 30
 * SETTINGS.runtime.fallback();        // "node" under Node: this process's runtime
 * ```
 * @module
 */
import { currentRuntime, type RuntimeName, RUNTIMES } from "../runtime/detect.ts";
import { BOOL, COUNT, COUNT0, FLAGS, FRAME_BYTES, type Kind, oneOf, SECONDS, SECONDS0, STRING, THREADS } from "./kinds.ts";

/** Which processes read a variable. */
export type Where = "master" | "workers" | "both";

/** One setting. */
export interface Setting<T> {
  /** Its addprocs option, if it has one. */
  readonly option?: string;
  /** Its flag in `distributed run` and `slurm submit`, if it has one. */
  readonly flag?: string;
  /** Its key in the configuration file, dotted inside a section ("ssh.sshflags"), if it has one. */
  readonly key?: string;
  /** Its environment variable. */
  readonly env: string;
  /** The values it takes. */
  readonly kind: Kind<T>;
  /** The default (undefined: the one who uses it decides, e.g. exename). */
  fallback(): T | undefined;
  /** The default in words, for the documentation. */
  readonly defaultText: string;
  /** Which processes read the variable. */
  readonly where: Where;
  /** What it sets. */
  readonly what: string;
  /** Only for worker processes: thread workers run this process's runtime and ignore it. */
  readonly processesOnly?: boolean;
  /** Only addprocs(machines) (SSH) reads it. */
  readonly ssh?: boolean;
  /**
   * Each process reads the variable itself (a local worker inherits the master's); addprocs
   * passes the workers only an option's or the file's value, which then outranks their own.
   */
  readonly eachProcess?: boolean;
}

/** Every setting, by name. */
// deno-fmt-ignore -- a table: each setting's names on its first line, its default and meaning on the second.
export const SETTINGS = {
  runtime: {
    option: "runtime", flag: "--runtime", key: "runtime", env: "DISTRIBUTED_RUNTIME", kind: oneOf<RuntimeName>(RUNTIMES),
    fallback: (): RuntimeName => currentRuntime(), defaultText: "this process's runtime", where: "master", what: "the workers' runtime", processesOnly: true,
  },
  exename: {
    option: "exename", key: "exename", env: "DISTRIBUTED_EXENAME", kind: STRING,
    fallback: (): string | undefined => undefined, defaultText: "this process's executable for its own runtime, else found on PATH", where: "master", what: "the executable the workers run", processesOnly: true,
  },
  exeflags: {
    option: "exeflags", key: "exeflags", env: "DISTRIBUTED_EXEFLAGS", kind: FLAGS,
    fallback: (): string[] => [], defaultText: "none", where: "master", what: "extra runtime flags for the workers", processesOnly: true,
  },
  topology: {
    option: "topology", flag: "--topology", key: "topology", env: "DISTRIBUTED_TOPOLOGY", kind: oneOf(["all_to_all", "master_worker", "custom"] as const),
    fallback: () => "all_to_all" as const, defaultText: "all_to_all", where: "master", what: "the cluster topology",
  },
  lazy: {
    option: "lazy", key: "lazy", env: "DISTRIBUTED_LAZY", kind: BOOL,
    fallback: (): boolean => true, defaultText: "true", where: "master", what: "all_to_all: connect worker pairs on first use, not when they join",
  },
  restrict: {
    option: "restrict", key: "restrict", env: "DISTRIBUTED_RESTRICT", kind: BOOL,
    fallback: (): boolean => true, defaultText: "true", where: "master", what: "workers listen on loopback only",
  },
  timeout: {
    option: "timeout", flag: "--timeout", key: "timeout", env: "DISTRIBUTED_WORKER_TIMEOUT", kind: SECONDS,
    fallback: (): number => 60, defaultText: "60", where: "master", what: "seconds for the workers to start and connect (addprocs), for every task to register (SPMD init)",
  },
  threads: {
    option: "threads", flag: "-t, --threads", key: "threads", env: "DISTRIBUTED_THREADS", kind: THREADS,
    fallback: (): number | "auto" => "auto", defaultText: "one per CPU", where: "both", what: "threads in each process's pool (the option: addprocs' for the workers, threads.setNthreads for this process)", eachProcess: true,
  },
  heartbeatInterval: {
    option: "heartbeatInterval", key: "heartbeatInterval", env: "DISTRIBUTED_HEARTBEAT_INTERVAL", kind: SECONDS0,
    fallback: (): number => 5, defaultText: "5", where: "master", what: "seconds between heartbeats on idle connections",
  },
  heartbeatTimeout: {
    option: "heartbeatTimeout", key: "heartbeatTimeout", env: "DISTRIBUTED_HEARTBEAT_TIMEOUT", kind: SECONDS0,
    fallback: (): number => 300, defaultText: "300", where: "master", what: "seconds of silence before a worker is declared dead (0: never)",
  },
  hostTimeout: {
    option: "hostTimeout", key: "hostTimeout", env: "DISTRIBUTED_HOST_TIMEOUT", kind: SECONDS0,
    fallback: (): number => 30, defaultText: "30", where: "master", what: "seconds of silence before a worker whose host stopped acknowledging is declared dead (0: never)",
  },
  maxFrameBytes: {
    env: "DISTRIBUTED_MAX_FRAME_BYTES", kind: FRAME_BYTES,
    fallback: (): number => 1024 * 1024 * 1024, defaultText: "1073741824 (1 GiB)", where: "both", what: "the largest message a process accepts from a peer (read when the package loads)", eachProcess: true,
  },
  procs: {
    flag: "-p, --procs", key: "procs", env: "DISTRIBUTED_PROCS", kind: COUNT0,
    fallback: (): number => 0, defaultText: "0", where: "master", what: "local workers `distributed run` adds when given no -p, --machine-file or --slurm",
  },
  ssh: {
    option: "ssh", key: "ssh.ssh", env: "DISTRIBUTED_SSH", kind: STRING,
    fallback: (): string => "ssh", defaultText: "ssh", where: "master", what: "the ssh executable", ssh: true,
  },
  sshflags: {
    option: "sshflags", key: "ssh.sshflags", env: "DISTRIBUTED_SSHFLAGS", kind: FLAGS,
    fallback: (): string[] => [], defaultText: "none", where: "master", what: "extra ssh arguments", ssh: true,
  },
  shell: {
    option: "shell", key: "ssh.shell", env: "DISTRIBUTED_SSH_SHELL", kind: oneOf(["posix", "csh"] as const),
    fallback: () => "posix" as const, defaultText: "posix", where: "master", what: "the login shell on the remote hosts", ssh: true,
  },
  tunnel: {
    option: "tunnel", key: "ssh.tunnel", env: "DISTRIBUTED_SSH_TUNNEL", kind: BOOL,
    fallback: (): boolean => false, defaultText: "false", where: "master", what: "reach SSH workers through port forwarding", ssh: true,
  },
  multiplex: {
    option: "multiplex", key: "ssh.multiplex", env: "DISTRIBUTED_SSH_MULTIPLEX", kind: BOOL,
    fallback: (): boolean => false, defaultText: "false", where: "master", what: "one ssh connection per host (ControlMaster)", ssh: true,
  },
  maxParallel: {
    option: "maxParallel", key: "ssh.maxParallel", env: "DISTRIBUTED_SSH_MAX_PARALLEL", kind: COUNT,
    fallback: (): number => 10, defaultText: "10", where: "master", what: "SSH hosts started at the same time", ssh: true,
  },
} as const satisfies Record<string, Setting<unknown>>;

/** A setting's name. */
export type SettingName = keyof typeof SETTINGS;

/** The type of a setting's value. */
export type SettingValue<N extends SettingName> = (typeof SETTINGS)[N]["kind"] extends Kind<infer T> ? T : never;

/** Variables that are not settings (no option or file key), read where their feature lives. */
export const OTHER_VARIABLES = [
  {
    env: "DISTRIBUTED_CONFIG",
    allowed: "a file path",
    defaultText: "searched from the working directory",
    where: "master",
    what: "the configuration file to use instead of searching",
  },
  {
    env: "DISTRIBUTED_COOKIE",
    allowed: "a string",
    defaultText: "~/.distributed/cookie",
    where: "master",
    what: "SPMD (init()) only: the cookie every task shares; addprocs ignores it",
  },
  {
    env: "DISTRIBUTED_SPMD_PORT",
    allowed: "a port number",
    defaultText: "Slurm's reserved port, else derived from the job and step ids",
    where: "master",
    what: "SPMD only: the port task 0 listens on",
  },
] as const satisfies ReadonlyArray<{ env: string; allowed: string; defaultText: string; where: Where; what: string }>;

/** The settings with a key in the configuration file, by key ("timeout", "ssh.sshflags"). */
export function settingsByKey(): Map<string, Setting<unknown>> {
  const out = new Map<string, Setting<unknown>>();
  for (const s of Object.values(SETTINGS) as Setting<unknown>[]) if (s.key !== undefined) out.set(s.key, s);
  return out;
}
