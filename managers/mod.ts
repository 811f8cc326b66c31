/**
 * Cluster managers: how workers are started. `addprocs(n)` uses LocalManager; pass a manager
 * to `addprocs(manager)` for others.
 *
 * @example
 * ```ts
 * import { LocalManager, SSHManager, parseMachineFile } from "distributed/managers";
 * ```
 * @module
 */
export { LocalManager, describeExit, type LocalManagerOptions } from "./local.ts";
export { SSHManager, type SSHManagerOptions } from "./ssh.ts";
export { parseMachine, parseMachines, parseMachineFile, describeMachine, type MachineEntry, type MachineSpec } from "./ssh/machines.ts";
export type { ClusterManager, LaunchParams, ManageOp, WorkerConfig } from "../src/internal.ts";
