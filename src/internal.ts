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
export { spawnProcess, type ChildHandle, type ExitStatus } from "./runtime/spawn.ts";
export { workerCommand, workerEnv, type Command } from "./runtime/command.ts";
export { onExit } from "./runtime/host.ts";
