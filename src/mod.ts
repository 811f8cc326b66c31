/**
 * distributed: Julia-style distributed computing for TypeScript on Node, Bun and Deno.
 *
 * @example
 * ```ts
 * import { addprocs, remotecallFetch, everywhere, rmprocs, workers } from "distributed";
 * const pids = await addprocs(2);
 * await remotecallFetch((a, b) => a + b, pids[0], 1, 2); // 3
 * await rmprocs(workers());
 * ```
 * @module
 */
import { LocalManager } from "../managers/local.ts";
import { SSHManager } from "../managers/ssh.ts";
import { ThreadManager } from "../managers/threads.ts";
import { setLocalManagerFactory, setMachinesManagerFactory, setThreadManagerFactory } from "./cluster/addprocs.ts";
import { Main } from "./code/main-scope.ts";
import { pickSshOptions } from "./config/ssh-options.ts";
import * as self from "./mod.ts";

export { addprocs } from "./cluster/addprocs.ts";
export type { AddprocsOptions, Machine } from "./cluster/addprocs-options.ts";
export { interrupt, rmprocs, type RmprocsOptions } from "./cluster/lifecycle.ts";
export { myid, nprocs, nworkers, procs, workers } from "./cluster/queries.ts";
export { clusterCookie } from "./cluster/cookie.ts";
export type { ClusterManager, LaunchParams, LineSource, ManageOp, WorkerConfig } from "./cluster/manager.ts";
export { remotecall, remotecallFetch, remotecallWait, remoteDo } from "./remote/calls.ts";
export { fetchfrom, remote, spawnat } from "./remote/spawn.ts";
export { Range, range } from "./parallel/range.ts";
export { distributed, type DistributedOptions } from "./parallel/distributed.ts";
export type { Reducer } from "./parallel/reduce-chunk.ts";
export { pmap, type PmapOptions, type PmapProgress } from "./parallel/pmap.ts";
export { defaultWorkerPool, type PoolStatus, WorkerPool } from "./remote/worker-pool.ts";
export { CachingPool } from "./remote/caching-pool.ts";
export { Future } from "./remote/future.ts";
export { RemoteChannel } from "./remote/remote-channel.ts";
export { Channel } from "./channels/channel.ts";
export type { ChannelLike } from "./channels/channel-like.ts";
export { localReferenceCounts } from "./remote/diagnostics.ts";
export { clear } from "./remote/clear.ts";
export { everywhere, type EverywhereOptions } from "./remote/everywhere.ts";
export { capture } from "./code/capture.ts";
export { type ClassCodec, registerClass } from "./protocol/class-registry.ts";
export { currentRuntime, type RuntimeName } from "./runtime/detect.ts";
export { hostname as gethostname } from "./runtime/host.ts";
export { init, type InitOptions, type InitResult } from "../managers/slurm/spmd.ts";
export { threads } from "./threads/threads.ts";
export { Communicator } from "./spmd/comm.ts";
export { spmd, type SpmdOptions } from "./spmd/spmd.ts";
export { spmdInit, type SpmdInitOptions } from "../managers/spmd/init.ts";
export type { SpmdOp } from "./spmd/ops.ts";
export type { Status as SpmdStatus } from "./spmd/mailbox.ts";
export type { DistributedConfig } from "./config/schema.ts";
export { loadConfig, type LoadedConfig } from "./config/load.ts";
export { Atomic, type AtomicKind, type AtomicValue } from "./threads/atomic.ts";
export { type LockHolder, type LockOptions, ReentrantLock, SpinLock } from "./threads/lock.ts";
export { indexpids, sdata, SharedArray, type SharedArrayOptions, type SharedKind } from "./threads/shared-array.ts";
export { DArray, type DArrayOptions } from "./arrays/darray.ts";
export { dfill, type DFillOptions, distribute, type DistributeOptions, dones, drand, dzeros } from "./arrays/construct.ts";
export { dmap, dot, mapreduce, norm } from "./arrays/ops.ts";
export { localindices, localpart } from "./arrays/local.ts";
export { copyto, redistribute } from "./arrays/redistribute.ts";
export { type Halo, halo } from "./arrays/halo.ts";
export type { Reduction } from "./arrays/methods.ts";
export type { TypedArray, TypedArrayConstructor } from "./arrays/kinds.ts";
import "./arrays/linalg.ts"; // M.mul(v), set on the DArray when it loads
export {
  AuthenticationError,
  ChannelClosedError,
  ClusterOptionsError,
  ConfigError,
  ConnectError,
  ConnectionLostError,
  DArrayError,
  DistributedError,
  EnvVarError,
  type ErrorCode,
  InterruptError,
  isDistributedError,
  type LockCode,
  LockError,
  ProcessExitedError,
  ProtocolError,
  ReleasedHandleError,
  RemoteError,
  RuntimeNotFoundError,
  SerializationError,
  type SharedMemoryCode,
  SharedMemoryError,
  type SpmdCode,
  SpmdError,
  ThreadError,
  TopologyError,
  UndefinedNameError,
  type WireError,
  WorkerStartError,
} from "./errors.ts";
export { PACKAGE_VERSION } from "./version.ts";

setLocalManagerFactory(() => new LocalManager());
setThreadManagerFactory(() => new ThreadManager());
setMachinesManagerFactory((machines, options) => new SSHManager(machines, pickSshOptions(options)));

// Main on every process starts with the package's public exports, so shipped code can call
// myid(), remotecall(), ... without importing anything. tsx inserts __name(fn, "name") calls
// into function sources; give them something to call.
Main.defineValues({ ...self, __name: <T>(fn: T): T => fn });
