/**
 * Memory shared between processes on one host: a file in /dev/shm mapped into each process.
 * Only Bun can map a file into memory (`Bun.mmap`, MAP_SHARED); Node and Deno have no such
 * API, so their processes cannot share memory, only their threads can (SharedArrayBuffer).
 *
 * @example
 * ```ts
 * if (sharedMappingUnsupported() === null) {
 *   const { path, bytes } = createSharedMapping(1024);   // in one process
 *   const same = openSharedMapping(path);                // in another, on the same host
 * }
 * ```
 * @module
 */
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { currentRuntime } from "./detect.ts";

const SHM_DIR = "/dev/shm";
let counter = 0;
const opened = new Map<string, Uint8Array>();

interface BunMmap {
  mmap(path: string, options?: { shared?: boolean }): Uint8Array;
}

let unsupported: string | null | undefined;

/** Why this runtime cannot map memory shared with other processes, or null when it can (found once). */
export function sharedMappingUnsupported(): string | null {
  if (unsupported === undefined) unsupported = findWhyUnsupported();
  return unsupported;
}

function findWhyUnsupported(): string | null {
  const runtime = currentRuntime();
  if (runtime !== "bun") return `${runtime === "node" ? "Node" : "Deno"} cannot map memory shared between processes (only Bun can, with Bun.mmap)`;
  if (!existsSync(SHM_DIR)) return `${SHM_DIR} does not exist on this host`;
  return null;
}

function bun(): BunMmap {
  const why = sharedMappingUnsupported();
  if (why !== null) throw new TypeError(why);
  return (globalThis as unknown as { Bun: BunMmap }).Bun;
}

/** Creates a zero-filled mapping of `byteLength` bytes; its path names it for other processes. */
export function createSharedMapping(byteLength: number, pid: number): { path: string; bytes: Uint8Array } {
  const Bun = bun();
  const path = `${SHM_DIR}/distributed-${pid}-${process.pid}-${counter++}-${Math.random().toString(36).slice(2, 8)}`;
  writeFileSync(path, new Uint8Array(Math.max(8, byteLength)), { mode: 0o600 });
  const bytes = Bun.mmap(path, { shared: true });
  opened.set(path, bytes);
  return { path, bytes };
}

/** Maps an existing mapping by its path (once per path in this thread). */
export function openSharedMapping(path: string): Uint8Array {
  const known = opened.get(path);
  if (known !== undefined) return known;
  if (!path.startsWith(`${SHM_DIR}/distributed-`)) throw new TypeError(`Not a shared mapping of this package: ${path}`);
  if (!existsSync(path)) throw new TypeError(`The shared memory ${path} no longer exists (its creator has ended)`);
  const bytes = bun().mmap(path, { shared: true });
  opened.set(path, bytes);
  return bytes;
}

/** Removes a mapping's file; processes that mapped it keep their memory until they end. */
export function removeSharedMapping(path: string): void {
  rmSync(path, { force: true });
}
