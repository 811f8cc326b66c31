/**
 * Cluster managers: how workers are started. `addprocs(n)` uses LocalManager; pass a manager
 * to `addprocs(manager)` for others.
 *
 * @example
 * ```ts
 * import { LocalManager, SSHManager, SlurmManager, parseMachineFile } from "distributed/managers";
 * ```
 * @module
 */
export { describeExit, LocalManager, type LocalManagerOptions } from "./local.ts";
export { SSHManager, type SSHManagerOptions } from "./ssh.ts";
export { describeMachine, type MachineEntry, type MachineSpec, parseMachine, parseMachineFile, parseMachines } from "./ssh/machines.ts";
export { SlurmManager, type SlurmManagerOptions } from "./slurm.ts";
export { ThreadManager, type ThreadManagerOptions } from "./threads.ts";
export { type JobRequest, renderJobScript, sbatchLines, sbatchWord, type ScriptParts } from "./slurm/script.ts";
export { JobNotRunningError, SlurmCommandError, submitJob } from "./slurm/job.ts";
export { expandHostlist } from "./slurm/hostlist.ts";
export type { ClusterManager, LaunchParams, LineSource, ManageOp, WorkerConfig } from "../src/internal.ts";
