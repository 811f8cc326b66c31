/**
 * CPU pinning for the round-trip bench. On this 2-vCPU VM a message that has to wake the other
 * (idle) vCPU costs ~60 µs, and whether the scheduler keeps a pair of processes on one vCPU
 * differs between our pair and the bare one. Pinning both pairs to one CPU measures the
 * protocol itself under the same conditions. Uses `taskset` (util-linux).
 *
 * @example
 * ```ts
 * const restore = pin([process.pid, workerPid, childPid], "0");
 * try { ... } finally { restore(); }
 * ```
 * @module
 */
import { spawnSync } from "node:child_process";
import { availableParallelism } from "node:os";

/** Whether taskset can be used here. */
export function canPin(): boolean {
  return spawnSync("taskset", ["-p", String(process.pid)], { stdio: "ignore" }).status === 0;
}

/** Pins every thread of each pid to `cpus`; returns a function that allows all CPUs again. */
export function pin(pids: readonly number[], cpus: string): () => void {
  const set = (list: string): void => {
    for (const pid of pids) {
      const r = spawnSync("taskset", ["-a", "-p", "-c", list, String(pid)], { stdio: "ignore" });
      if (r.status !== 0) throw new Error(`taskset could not pin pid ${pid} to CPUs ${list}`);
    }
  };
  set(cpus);
  return () => set(`0-${availableParallelism() - 1}`);
}
