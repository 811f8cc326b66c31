/**
 * The one door through which managers/ reach the core. Everything here is for cluster-manager
 * implementations, not for scripts (those use the package entry).
 *
 * @example
 * ```ts
 * import { spawnProcess, workerCommand, type ClusterManager } from "../src/internal.ts";
 * ```
 * @module
 */
export type { ClusterManager, LaunchParams, LineSource, ManageOp, WorkerConfig } from "./cluster/manager.ts";
export { type ChildHandle, describeExit, type ExitStatus, spawnProcess, terminate } from "./runtime/spawn.ts";
export { type Command, workerCommand, workerEnv } from "./runtime/command.ts";
export { onExit } from "./runtime/host.ts";
export { makeTempDir, removeDir } from "./runtime/files.ts";
export type { RuntimeName } from "./runtime/detect.ts";
export { ConnectionLostError, DistributedError, WorkerStartError } from "./errors.ts";
export { formatControl, type LauncherControl, type LauncherHeader, parseLauncherLine } from "./protocol/launcher-lines.ts";
export { runCommand, runCommandSync, type RunOptions, type RunResult } from "./runtime/run.ts";
export { env, envAll, flushAndExit, hostname, writeStderr } from "./runtime/host.ts";
export { fromFileUrl, homeDir, joinPath, readOrCreatePrivateFile, readTextFile } from "./runtime/files.ts";
export { connect, freePort, listen, type Socket } from "./runtime/net.ts";
export { hmacSha256, newCookie } from "./runtime/crypto.ts";
export { serve, type ServeOptions } from "./worker/serve.ts";
export { addprocs } from "./cluster/addprocs.ts";
export { clusterCookie } from "./cluster/cookie.ts";
export { interruptOverConnection } from "./cluster/lifecycle.ts";
export { newChannel, PortStream, startThread, type ThreadHandle } from "./runtime/threads.ts";
export { registerSharedBuffers } from "./protocol/shared-memory-ids.ts";
export { threadWorkerEntry } from "./worker/entries.ts";
export { currentRuntime } from "./runtime/detect.ts";
export { loadConfig, type LoadedConfig } from "./config/load.ts";
export { resolveSetting } from "./config/resolve.ts";
export { pickSshOptions, type SshOptions } from "./config/ssh-options.ts";
export { readStdinLine, releaseStdin } from "./runtime/stdin.ts";
export { exit, onParentGone } from "./runtime/host.ts";
export { Communicator } from "./spmd/comm.ts";
export { notifyGone, releaseLink } from "./spmd/wire.ts";
