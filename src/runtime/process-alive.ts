/**
 * Whether a process of this host is still running, by its OS pid: its `/proc` entry exists and
 * is not a zombie (a process that ended but was not yet reaped). Used to tell a lock's waiter
 * that the process holding the lock is gone. Where there is no `/proc`, every pid counts as alive.
 *
 * @example
 * ```ts
 * processAlive(osPid()); // true
 * processAlive(999_999_999); // false on Linux
 * ```
 * @module
 */
import { existsSync, readFileSync } from "node:fs";

/** Whether the process with this OS pid runs (true when it cannot be told). */
export function processAlive(ospid: number): boolean {
  if (!existsSync("/proc/self")) return true;
  let stat: string;
  try {
    stat = readFileSync(`/proc/${ospid}/stat`, "utf8");
  } catch {
    return false;
  }
  // "pid (comm) S ...": the state follows the last ")" (comm may hold parentheses).
  const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  return state !== "Z" && state !== "X";
}
