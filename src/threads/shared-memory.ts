/**
 * Where the memory of a SharedArray or an Atomic lives, and how it travels. Both share one
 * rule, Julia's: the participants are fixed when the value is made, and default to this
 * process, the processes that share its memory (its thread workers, or the master of this
 * thread worker), and on the master, every worker process on this host that can map memory.
 * Participants that are all threads of this process get a SharedArrayBuffer (Atomics.wait
 * works on it); any worker process among them gets a /dev/shm mapping instead (see
 * runtime/shm.ts), which every participant maps. Either way a handle travels, never the bytes.
 *
 * @example
 * ```ts
 * const pids = defaultParticipants();
 * const buffer = placeMemory(80, pids, "SharedArray");  // SharedArrayBuffer or mapping
 * const wire = memoryToWire(buffer, "A SharedArray", pids);
 * memoryFromWire(wire) === buffer;                       // in this process, or mapped in another
 * ```
 * @module
 */
import { whyCannotMap } from "../cluster/memory-reach.ts";
import { peers } from "../cluster/peers.ts";
import { state } from "../cluster/state.ts";
import { SharedMemoryError } from "../errors.ts";
import { checkMapTarget, shareBuffer, sharedBufferById } from "../protocol/shared-memory-ids.ts";
import { createSharedMemory, isSharedMemory, openSharedMemory, type SharedMemoryHandle, sharedMemoryHandle } from "../runtime/shm.ts";

/** This process's pid in the cluster (1 before any addprocs). */
export function myPid(): number {
  return state.myid === 0 ? 1 : state.myid;
}

/**
 * The default participants: this process, the processes sharing its memory, and on the master
 * its worker processes on this host that can map memory; ascending.
 */
export function defaultParticipants(): number[] {
  const others = peers
    .all()
    .filter((p) => p.sharesMemory === true || (state.myid === 1 && whyCannotMap(p.pid) === null))
    .map((p) => p.pid);
  return [myPid(), ...others].sort((x, y) => x - y);
}

/**
 * Memory of `byteLength` zero bytes for these participants: a SharedArrayBuffer when they all
 * share this process's memory, else a mapping every one of them can map. Throws, before anything
 * is created, a TypeError for a pid that is no worker, and a SharedMemoryError for one that
 * cannot map (another host, no FFI permission) or a size /dev/shm cannot hold.
 */
export function placeMemory(byteLength: number, pids: readonly number[], what: string): SharedArrayBuffer | ArrayBuffer {
  const me = myPid();
  const processes = pids.filter((p) => p !== me && peers.get(p)?.sharesMemory !== true);
  for (const pid of processes) {
    const why = whyCannotMap(pid);
    if (why === undefined) {
      throw new TypeError(
        `${what}: ${pid} is not a worker of this process. Participants are this process, its thread workers (addprocs(n, { manager: "threads" })), and its worker processes on this host.`,
      );
    }
    if (why !== null) throw new SharedMemoryError(why.code, `${what}: ${why.message}`);
  }
  if (processes.length === 0) return new SharedArrayBuffer(byteLength);
  try {
    return createSharedMemory(byteLength);
  } catch (err) {
    if (err instanceof SharedMemoryError) throw new SharedMemoryError(err.code, `${what}: ${err.message}`, { cause: err.cause });
    throw err;
  }
}

/** Whether the memory is a mapping shared with worker processes (not a SharedArrayBuffer). */
export function isMapped(buffer: ArrayBufferLike): boolean {
  return isSharedMemory(buffer);
}

/** How memory travels: a SharedArrayBuffer's id (to threads), or a mapping's handle (to processes on this host). */
export type MemoryWire = { id: string; map?: undefined } | { map: SharedMemoryHandle; id?: undefined };

/** The wire form of a value's memory for the message being encoded (refused where it cannot go). */
export function memoryToWire(buffer: ArrayBufferLike, what: string, pids: readonly number[]): MemoryWire {
  if (isSharedMemory(buffer)) {
    checkMapTarget(what, pids);
    return { map: sharedMemoryHandle(buffer)! };
  }
  return { id: shareBuffer(buffer as SharedArrayBuffer, what, pids) };
}

/** The memory a wire form names: the SharedArrayBuffer handed over with the message, or the mapping, mapped here. */
export function memoryFromWire(wire: MemoryWire): SharedArrayBuffer | ArrayBuffer {
  return wire.map !== undefined ? openSharedMemory(wire.map) : sharedBufferById(wire.id);
}
