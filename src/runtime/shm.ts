/**
 * Memory shared between processes on one host, on Node, Bun and Deno alike: a file in
 * /dev/shm, mapped MAP_SHARED into every process that uses it. How a runtime maps is in
 * shm/node.ts (koffi), shm/deno.ts (Deno.dlopen) and shm/bun.ts (Bun.mmap); this file is the
 * same for all three.
 *
 * Nothing is left behind: the file is created (mode 0600, a name with 128 random bits) and
 * unlinked at once, before it is even sized, so /dev/shm never lists it for more than a few
 * system calls, whatever happens to the process afterwards (SIGKILL included). The memory
 * lives while a process holds a descriptor or a mapping of it. Another process reaches it
 * through the holder's descriptor, `/proc/<ospid>/fd/<fd>`, which the handle names together
 * with the file's random name (checked after opening, so a descriptor number reused for another
 * file is refused). Every holder keeps its descriptor while its buffer lives, so any holder can
 * pass the handle on. When a buffer is collected its mapping is unmapped and its descriptor
 * closed; the kernel frees the memory when the last holder is done.
 *
 * The buffers are plain ArrayBuffers (no runtime builds a SharedArrayBuffer over foreign
 * memory): Atomics' arithmetic works on them across processes (measured exact under contention
 * from Node, Bun and Deno at once), but Atomics.wait and Atomics.notify do not.
 *
 * Why one file: creating, opening, holding and passing on a mapping share one table of what
 * this process holds (descriptors and mappings by name, released when their buffer is
 * collected) and one verdict of whether this process can map at all; each step's errors name
 * the same facts (the free space, the runtime's permission).
 *
 * @example
 * ```ts
 * if (sharedMemoryProblem() === null) {
 *   const buffer = createSharedMemory(1024);             // in one process
 *   const handle = sharedMemoryHandle(buffer)!;          // travels in a message
 *   const same = openSharedMemory(handle);               // in another, on the same host
 * }
 * ```
 * @module
 */
import { existsSync, readdirSync, statfsSync, statSync } from "node:fs";
import process from "node:process";
import { setTimeout as setTimer } from "node:timers";
import { SharedMemoryError } from "../errors.ts";
import { randomBytes } from "./crypto.ts";
import { currentRuntime } from "./detect.ts";
import { canResolvePackage } from "./lazy-require.ts";
import { bunShm } from "./shm/bun.ts";
import { denoShm } from "./shm/deno.ts";
import { type Mapped, type ShmMechanism, SyscallError } from "./shm/mechanism.ts";
import { nodeShm } from "./shm/node.ts";

export { memoryNamespace } from "./shm/reach.ts";

const SHM_DIR = "/dev/shm";
const PREFIX = "distributed-";
const NAME = /^distributed-(\d+)-[0-9a-f]{32}$/;
/**
 * How long a buffer stays held after a handle to it was sent (the receiver opens it meanwhile)
 * or received (the next message naming it finds the mapping still there, instead of mapping
 * it again after a collection: a worker called in a loop with the same SharedArray maps it once).
 */
const HOLD_MS = 30_000;

/** What travels instead of the bytes: where a holder keeps the memory open, and its name. */
export interface SharedMemoryHandle {
  /** The OS pid of a process holding the memory open. */
  ospid: number;
  /** Its descriptor of the memory. */
  fd: number;
  /** The file's name in /dev/shm (unlinked: it identifies the memory, it is not a path to open). */
  name: string;
  byteLength: number;
}

interface Holding {
  name: string;
  fd: number;
  byteLength: number;
  unmap: Mapped["unmap"];
}

const mechanism: ShmMechanism = { node: nodeShm, bun: bunShm, deno: denoShm }[currentRuntime()];
const holdings = new WeakMap<ArrayBuffer, Holding>();
const byName = new Map<string, WeakRef<ArrayBuffer>>();
const release = new FinalizationRegistry<Holding>((h) => {
  h.unmap();
  try {
    mechanism.close(h.fd);
  } catch {
    // Already closed: nothing is held.
  }
  if (byName.get(h.name)?.deref() === undefined) byName.delete(h.name);
});

let problem: SharedMemoryError | null | undefined;

/**
 * Why this process cannot map memory shared with other processes, or null when it can. Cheap
 * (no library is loaded), found once.
 */
export function sharedMemoryProblem(): SharedMemoryError | null {
  if (problem === undefined) problem = findProblem();
  return problem;
}

/** sharedMemoryProblem()'s message, or null. */
export function sharedMappingUnsupported(): string | null {
  return sharedMemoryProblem()?.message ?? null;
}

function findProblem(): SharedMemoryError | null {
  if (process.platform !== "linux") {
    return new SharedMemoryError(
      "ERR_SHARED_MEMORY_UNAVAILABLE",
      `memory shared between processes needs Linux (/dev/shm and /proc); this host runs ${process.platform}`,
    );
  }
  const runtime = currentRuntime();
  if (runtime === "deno" && !denoFfiGranted()) {
    return new SharedMemoryError(
      "ERR_SHARED_MEMORY_PERMISSION",
      `Deno maps memory shared between processes through FFI, and the Deno process with OS pid ${process.pid} has no FFI permission: run it with --allow-ffi (or -A)`,
    );
  }
  if (runtime === "node" && !canResolvePackage("koffi")) {
    return new SharedMemoryError(
      "ERR_SHARED_MEMORY_UNAVAILABLE",
      "Node maps memory shared with other processes with the koffi package, which is not installed here: npm install koffi",
    );
  }
  if (!shmDirExists()) {
    return new SharedMemoryError(
      "ERR_SHARED_MEMORY_UNAVAILABLE",
      `${SHM_DIR} does not exist on this host, and memory shared between processes is a file there`,
    );
  }
  return null;
}

/** Whether /dev/shm exists; true when it cannot be asked (Deno asks --allow-all for /dev paths): the mapping will tell. */
function shmDirExists(): boolean {
  try {
    return existsSync(SHM_DIR);
  } catch {
    return true;
  }
}

function denoFfiGranted(): boolean {
  const deno = (globalThis as { Deno?: { permissions: { querySync(p: { name: string }): { state: string } } } }).Deno;
  try {
    return deno?.permissions.querySync({ name: "ffi" }).state === "granted";
  } catch {
    return false;
  }
}

function assertUsable(): void {
  const why = sharedMemoryProblem();
  if (why !== null) throw new SharedMemoryError(why.code, why.message);
}

/** Bytes /dev/shm has free (statfs), or undefined when it cannot be asked (e.g. Deno without --allow-read). */
export function sharedMemoryFreeBytes(): number | undefined {
  try {
    const s = statfsSync(SHM_DIR);
    return Number(s.bavail) * Number(s.bsize);
  } catch {
    return undefined;
  }
}

function tooLarge(byteLength: number, free: number | undefined, cause?: unknown): SharedMemoryError {
  return new SharedMemoryError(
    "ERR_SHARED_MEMORY_TOO_LARGE",
    `${byteLength} bytes of shared memory do not fit in ${SHM_DIR}, which has ${free ?? "too few"} bytes free. ` +
      `Make the array smaller, free space in ${SHM_DIR} (or mount it larger), or use thread workers (addprocs(n, { manager: "threads" })), whose memory is not in ${SHM_DIR}`,
    cause !== undefined ? { cause } : undefined,
  );
}

/**
 * Checks that `byteLength` bytes fit in /dev/shm now; throws ERR_SHARED_MEMORY_TOO_LARGE with
 * both numbers when they do not.
 */
export function assertSharedMemoryFits(byteLength: number): void {
  const free = sharedMemoryFreeBytes();
  if (free !== undefined && byteLength > free) throw tooLarge(byteLength, free);
}

/** Creates zero-filled memory of `byteLength` bytes that other processes on this host can map. */
export function createSharedMemory(byteLength: number): ArrayBuffer {
  assertUsable();
  const size = Math.max(8, byteLength);
  assertSharedMemoryFits(size);
  sweepOnce();
  const name = `${PREFIX}${process.pid}-${Array.from(randomBytes(16), (b) => b.toString(16).padStart(2, "0")).join("")}`;
  const path = `${SHM_DIR}/${name}`;
  const fd = osCall(() => mechanism.create(path), "create");
  try {
    osCall(() => mechanism.unlink(path), "create");
    try {
      mechanism.reserve(fd, size);
    } catch (err) {
      if (err instanceof SyscallError && err.errno === "ENOSPC") throw tooLarge(size, sharedMemoryFreeBytes(), err);
      throw unavailable("create", err);
    }
    return hold(name, fd, size);
  } catch (err) {
    closeQuietly(fd);
    throw err;
  }
}

/**
 * The handle of shared memory this process holds (undefined for other memory). The memory
 * stays held for a while after, even if this process drops it, so that the receiver can open it.
 */
export function sharedMemoryHandle(buffer: ArrayBufferLike): SharedMemoryHandle | undefined {
  const holding = holdings.get(buffer as ArrayBuffer);
  if (holding === undefined) return undefined;
  holdForAWhile(buffer as ArrayBuffer);
  return { ospid: process.pid, fd: holding.fd, name: holding.name, byteLength: holding.byteLength };
}

/** Whether `buffer` is memory shared with other processes (from createSharedMemory or openSharedMemory). */
export function isSharedMemory(buffer: ArrayBufferLike): boolean {
  return holdings.has(buffer as ArrayBuffer);
}

/** Maps the memory a handle names (once per memory in this thread: the same buffer each time). */
export function openSharedMemory(handle: SharedMemoryHandle): ArrayBuffer {
  const known = byName.get(handle.name)?.deref();
  if (known !== undefined) {
    holdForAWhile(known);
    return known;
  }
  assertUsable();
  if (!NAME.test(handle.name)) {
    throw new SharedMemoryError("ERR_SHARED_MEMORY_GONE", `Not shared memory of this package: ${JSON.stringify(handle.name)}`);
  }
  const via = `/proc/${handle.ospid}/fd/${handle.fd}`;
  let fd: number;
  try {
    fd = mechanism.open(via);
  } catch (err) {
    throw gone(handle, err);
  }
  try {
    const target = mechanism.readlink(`/proc/self/fd/${fd}`);
    if (target !== `${SHM_DIR}/${handle.name} (deleted)` && target !== `${SHM_DIR}/${handle.name}`) throw gone(handle);
    const buffer = hold(handle.name, fd, handle.byteLength);
    holdForAWhile(buffer);
    return buffer;
  } catch (err) {
    closeQuietly(fd);
    throw err;
  }
}

/** How this runtime maps shared memory (loads the mechanism), e.g. for the bench. */
export function sharedMemoryVia(): string {
  return mechanism.via;
}

function hold(name: string, fd: number, byteLength: number): ArrayBuffer {
  let mapped: Mapped;
  try {
    mapped = mechanism.map(fd, byteLength);
  } catch (err) {
    throw unavailable("map", err);
  }
  const holding: Holding = { name, fd, byteLength, unmap: mapped.unmap };
  holdings.set(mapped.buffer, holding);
  byName.set(name, new WeakRef(mapped.buffer));
  release.register(mapped.buffer, holding);
  return mapped.buffer;
}

// Buffers whose handle was sent or received lately, until their hold ends (then they may be collected).
const heldUntil = new Map<ArrayBuffer, number>();
let sweepTimer: { unref(): void } | undefined;
function holdForAWhile(buffer: ArrayBuffer): void {
  heldUntil.set(buffer, Date.now() + HOLD_MS);
  if (sweepTimer !== undefined) return;
  const tick = (): void => {
    const now = Date.now();
    for (const [b, until] of heldUntil) if (until <= now) heldUntil.delete(b);
    sweepTimer = heldUntil.size > 0 ? setTimer(tick, HOLD_MS) : undefined;
    sweepTimer?.unref();
  };
  sweepTimer = setTimer(tick, HOLD_MS);
  sweepTimer.unref();
}

function gone(handle: SharedMemoryHandle, cause?: unknown): SharedMemoryError {
  return new SharedMemoryError(
    "ERR_SHARED_MEMORY_GONE",
    `The shared memory ${handle.name} is no longer held by the process that sent it (OS pid ${handle.ospid}): it has ended, or released the value more than ${
      HOLD_MS / 1000
    } s after sending it. ` +
      "Keep a reference to the SharedArray or Atomic while other processes may still receive it",
    cause !== undefined ? { cause } : undefined,
  );
}

function unavailable(step: string, cause: unknown): SharedMemoryError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new SharedMemoryError("ERR_SHARED_MEMORY_UNAVAILABLE", `Cannot ${step} shared memory in ${SHM_DIR} (${detail})`, { cause });
}

function osCall<T>(call: () => T, step: string): T {
  try {
    return call();
  } catch (err) {
    throw unavailable(step, err);
  }
}

function closeQuietly(fd: number): void {
  try {
    mechanism.close(fd);
  } catch {
    // Nothing more to release.
  }
}

// A process killed between creating a file and unlinking it (a few system calls) leaves the
// file behind; the next process that creates one removes the files of creators that are gone.
let swept = false;
function sweepOnce(): void {
  if (swept) return;
  swept = true;
  let names: string[];
  try {
    names = readdirSync(SHM_DIR);
  } catch {
    return;
  }
  for (const name of names) {
    const creator = NAME.exec(name)?.[1];
    if (creator === undefined || processExists(Number(creator))) continue;
    try {
      mechanism.unlink(`${SHM_DIR}/${name}`);
    } catch {
      // Another process removed it first, or it is not ours to remove.
    }
  }
}

/** Whether an OS process exists (a zombie counts: conservative); unknown counts as existing. */
function processExists(ospid: number): boolean {
  try {
    statSync(`/proc/${ospid}`);
    return true;
  } catch (err) {
    return (err as { code?: string }).code !== "ENOENT";
  }
}
