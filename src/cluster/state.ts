/**
 * Process-wide cluster state: who this process is and which peers it knows.
 *
 * @example
 * ```ts
 * state.myid; // 1 on the master
 * ```
 * @module
 */
import { fromEnvironment } from "../config/resolve.ts";
import { SETTINGS } from "../config/settings.ts";
import { env } from "../runtime/host.ts";

/** Default largest frame: 1 GiB (a 128 MiB array fits eight times over). */
export const DEFAULT_MAX_FRAME_BYTES = SETTINGS.maxFrameBytes.fallback();

/** The frame limit DISTRIBUTED_MAX_FRAME_BYTES sets (read again by a thread worker, whose env is set after start). */
export function maxFrameFromEnv(): number {
  return fromEnvironment("DISTRIBUTED_MAX_FRAME_BYTES", env) as number;
}

/** Mutable state of this process in the cluster. */
export const state = {
  /** This process's pid in the cluster (1 = master). */
  myid: 1,
  /** Whether this process was started as a worker. */
  isWorker: false,
  /** This thread's id in the process's thread pool (1..nthreads()); 0 on the process's own thread. */
  threadid: 0,
  /** Next pid to hand out (master only; pids are never reused). */
  nextPid: 2,
  /** The cluster cookie; created on first use. */
  cookie: null as string | null,
  /** Largest frame accepted from authenticated peers. */
  maxFrameBytes: maxFrameFromEnv(),
  /** Cluster topology. */
  topology: "all_to_all" as "all_to_all" | "master_worker" | "custom",
  /** On a worker: the cluster's worker pids as the master last told them (null on the master). */
  members: null as number[] | null,
  /** all_to_all: connect worker pairs on first use (true) or when they join (false). */
  lazy: true,
  /**
   * Heartbeat interval, silence timeout (a hung process) and host timeout (a host that stopped
   * acknowledging our bytes), in ms; a timeout of 0 turns that check off.
   */
  heartbeat: heartbeatFromEnv(),
};

function heartbeatFromEnv(): [number, number, number] {
  // Parsed and defaulted as src/config/settings.ts declares each variable (the numbers here repeat
  // its defaults for the reader); addprocs applies an option's or the configuration file's.
  const seconds = (name: string, _default: number): number => fromEnvironment(name, env) as number;
  return [
    seconds("DISTRIBUTED_HEARTBEAT_INTERVAL", 5) * 1000,
    seconds("DISTRIBUTED_HEARTBEAT_TIMEOUT", 300) * 1000,
    seconds("DISTRIBUTED_HOST_TIMEOUT", 30) * 1000,
  ];
}
