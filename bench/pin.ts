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

/** Whether taskset can be used here. */
export function canPin(): boolean {
  return spawnSync("taskset", ["-p", String(process.pid)], { stdio: "ignore" }).status === 0;
}

/**
 * Pins every thread of each pid to `cpus`; returns a function that restores each pid's own
 * previous mask. (Not "all CPUs" computed afterwards: once pinned, availableParallelism() itself
 * reports one CPU, and a restore computed from it would leave everything pinned.)
 */
export function pin(pids: readonly number[], cpus: string): () => void {
  const before = new Map<number, string>();
  for (const pid of pids) {
    const out = spawnSync("taskset", ["-p", String(pid)], { encoding: "utf8" });
    const mask = /:\s*([0-9a-f]+)\s*$/i.exec(out.stdout ?? "")?.[1];
    if (out.status !== 0 || mask === undefined) throw new Error(`taskset could not read the CPU mask of pid ${pid}`);
    before.set(pid, mask);
  }
  for (const pid of pids) {
    const r = spawnSync("taskset", ["-a", "-p", "-c", cpus, String(pid)], { stdio: "ignore" });
    if (r.status !== 0) throw new Error(`taskset could not pin pid ${pid} to CPUs ${cpus}`);
  }
  return () => {
    for (const [pid, mask] of before) {
      const r = spawnSync("taskset", ["-a", "-p", mask, String(pid)], { stdio: "ignore" });
      if (r.status !== 0) throw new Error(`taskset could not restore the CPU mask ${mask} of pid ${pid}`);
    }
  };
}
