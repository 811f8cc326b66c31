/**
 * Which processes can open this process's shared memory: a handle names it as
 * `/proc/<ospid>/fd/<fd>` (see shm.ts), so the opener must run on the same kernel (the same
 * boot id) and see this process's pids (the same PID namespace). A hostname does not tell:
 * two machines may share a name, and a container often keeps its machine's name while its
 * processes live in a PID namespace of their own. Processes whose memory namespaces (as this
 * module names them) are equal can open each other's shared memory; a worker reports its own
 * when it joins.
 *
 * @example
 * ```ts
 * memoryNamespace(); // e.g. "2f0c9d2e-6a4b-4f0e-9d1a-0b7c5e3f8a11 pid:[4026531836]", or null
 * ```
 * @module
 */
import { readFileSync, readlinkSync } from "node:fs";

let found: string | null | undefined;

/**
 * This process's kernel boot id and PID namespace, as one string; null where they cannot be
 * read (not Linux; Deno without --allow-all, which it asks for /proc): then only the hostname tells.
 */
export function memoryNamespace(): string | null {
  if (found === undefined) {
    if (!mayReadProc()) return (found = null);
    try {
      found = `${readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim()} ${readlinkSync("/proc/self/ns/pid")}`;
    } catch {
      found = null;
    }
  }
  return found;
}

/** Whether to try reading /proc: not under Deno without read permission (it would prompt on a terminal). */
function mayReadProc(): boolean {
  const deno = (globalThis as { Deno?: { permissions: { querySync(p: { name: string; path: string }): { state: string } } } }).Deno;
  if (deno === undefined) return true;
  try {
    return deno.permissions.querySync({ name: "read", path: "/proc" }).state === "granted";
  } catch {
    return false;
  }
}
