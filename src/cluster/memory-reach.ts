/**
 * Which processes can map memory this process maps (a SharedArray or Atomic shared between
 * processes): its threads when it can map at all; worker processes on this host whose runtime
 * can map (each says so when it joins); never a process on another host. "This host" is the
 * hostname a worker reports, and, where both sides can tell, the same kernel and PID namespace
 * (runtime/shm/reach.ts): a worker of this hostname on another machine, or in a container that
 * kept the machine's name, cannot open this process's memory either. Asked when a
 * SharedArray or Atomic is made (its participants) and for every message sent (whether a
 * handle may go): only lookups, no error objects until one is thrown.
 *
 * @example
 * ```ts
 * const why = whyCannotMap(3);   // null, or { code: "ERR_SHARED_MEMORY_OTHER_HOST", message }
 * ```
 * @module
 */
import type { SharedMemoryCode } from "../errors.ts";
import { hostname } from "../runtime/host.ts";
import { memoryNamespace, sharedMemoryProblem } from "../runtime/shm.ts";
import { peers } from "./peers.ts";
import { state } from "./state.ts";

/** Why a process cannot map this process's shared memory: a stable code and the reason. */
export interface MapRefusal {
  code: SharedMemoryCode;
  message: string;
}

let thisHost: string | undefined;

const BETWEEN_HOSTS = "Between hosts, use a DArray (an array distributed over the workers) or a RemoteChannel, or send copies";

/** This host's name, as workers report theirs. */
export function thisHostname(): string {
  return (thisHost ??= hostname());
}

/**
 * Why process `pid` cannot map memory this process maps, or null when it can; undefined when
 * `pid` is no process this one knows. The master's workers are known; a worker knows its
 * master only as pid 1, whose memory it maps by construction (mapped values come from it).
 */
export function whyCannotMap(pid: number): MapRefusal | null | undefined {
  const mine = sharedMemoryProblem();
  const peer = peers.get(pid);
  if (peer === undefined) {
    if (pid === (state.myid === 0 ? 1 : state.myid)) return mine === null ? null : { code: mine.code, message: mine.message };
    return undefined;
  }
  const who = pid === 1 ? "the master" : `worker ${pid}`;
  if (mine !== null) return { code: mine.code, message: `${who} is a separate process, and this one cannot map memory shared with it: ${mine.message}` };
  if (peer.sharesMemory === true) return null;
  const info = peer.info;
  if (info === undefined) return pid === 1 ? null : undefined;
  if (info.hostname !== thisHostname()) {
    return {
      code: "ERR_SHARED_MEMORY_OTHER_HOST",
      message: `${who} runs on host ${info.hostname} and this process on host ${thisHostname()}: memory is shared only by processes on one host. ${BETWEEN_HOSTS}`,
    };
  }
  const ours = memoryNamespace();
  if (info.memoryNamespace != null && ours !== null && info.memoryNamespace !== ours) {
    return {
      code: "ERR_SHARED_MEMORY_OTHER_HOST",
      message:
        `${who} runs on host ${info.hostname}, as this process does by name, but apart from it: on another machine of that name, or in ` +
        `another PID namespace (a container), so it cannot open this process's memory (kernel boot id and PID namespace: ${info.memoryNamespace} there, ${ours} here). ${BETWEEN_HOSTS}`,
    };
  }
  const theirs = info.sharedMemory;
  if (theirs !== undefined && theirs !== null) {
    return { code: theirs.code as SharedMemoryCode, message: `${who} (${info.runtime}) cannot map memory shared with this process: ${theirs.message}` };
  }
  return null;
}
