/**
 * Cluster managers: how workers are started. `addprocs(n)` uses LocalManager; pass a manager
 * to `addprocs(manager)` for others.
 *
 * @example
 * ```ts
 * import { LocalManager } from "distributed/managers";
 * ```
 * @module
 */
export { LocalManager, describeExit, type LocalManagerOptions } from "./local.ts";
export type { ClusterManager, LaunchParams, ManageOp, WorkerConfig } from "../src/internal.ts";
