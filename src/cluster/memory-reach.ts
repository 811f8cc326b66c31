/**
 * Which processes can map memory this process maps (a SharedArray or Atomic shared between
 * processes): its threads when it can map at all; worker processes on this host whose runtime
 * can map (each says so when it joins); never a process on another host. "This host" is the
 * hostname a worker reports, and, where both sides can tell, the same kernel and PID namespace
 * (runtime/shm/reach.ts): a worker of this hostname on another machine, or in a container that
 * kept the machine's name, cannot open this process's memory either. A worker knows its
 * master's host from the join request, and refuses it too. Asked when a
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
import type { HostIdentity } from "../protocol/messages.ts";
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

/** Where this process runs, as the master tells its workers when they join. */
export function thisHostIdentity(): HostIdentity {
  return { hostname: thisHostname(), memoryNamespace: memoryNamespace() };
}

// On a worker: where its master runs (from the join request; older masters do not say).
let masterHost: HostIdentity | undefined;

/** On a worker: records where its master runs, from the join request. */
export function rememberMasterHost(host: HostIdentity): void {
  masterHost = host;
}

/** Why a process on `theirs` cannot open this process's memory because it runs elsewhere, or null. */
function otherHost(who: string, theirs: { hostname: string; memoryNamespace?: string | null | undefined }): MapRefusal | null {
  if (theirs.hostname !== thisHostname()) {
    return {
      code: "ERR_SHARED_MEMORY_OTHER_HOST",
      message: `${who} runs on host ${theirs.hostname} and this process on host ${thisHostname()}: ` +
        `memory is shared only by processes on one host. ${BETWEEN_HOSTS}`,
    };
  }
  const ours = memoryNamespace();
  if (theirs.memoryNamespace == null || ours === null || theirs.memoryNamespace === ours) return null;
  return {
    code: "ERR_SHARED_MEMORY_OTHER_HOST",
    message: `${who} runs on host ${theirs.hostname}, as this process does by name, but apart from it: ` +
      "on another machine of that name, or in another PID namespace (a container), so it cannot open this process's memory " +
      `(kernel boot id and PID namespace: ${theirs.memoryNamespace} there, ${ours} here). ${BETWEEN_HOSTS}`,
  };
}

/**
 * Why process `pid` cannot map memory this process maps, or null when it can; undefined when
 * `pid` is no process this one knows. The master's workers are known; a worker knows its
 * master as pid 1, on the host its join request named (an older master's: as on this host).
 */
export function whyCannotMap(pid: number): MapRefusal | null | undefined {
  const mine = sharedMemoryProblem();
  const peer = peers.get(pid);
  if (peer === undefined) {
    if (pid === (state.myid === 0 ? 1 : state.myid)) return mine === null ? null : { code: mine.code, message: mine.message };
    return undefined;
  }
  const who = pid === 1 ? "the master" : `worker ${pid}`;
  if (mine !== null) {
    return { code: mine.code, message: `${who} is a separate process, and this one cannot map memory shared with it: ${mine.message}` };
  }
  if (peer.sharesMemory === true) return null;
  const info = peer.info;
  // A worker's master (a worker knows it as pid 1, with no join reply): where the join request said.
  if (info === undefined) return pid === 1 ? (masterHost !== undefined ? otherHost(who, masterHost) : null) : undefined;
  const elsewhere = otherHost(who, info);
  if (elsewhere !== null) return elsewhere;
  const theirs = info.sharedMemory;
  if (theirs !== undefined && theirs !== null) {
    return {
      code: theirs.code as SharedMemoryCode,
      message: `${who} (${info.runtime}) cannot map memory shared with this process: ${theirs.message}`,
    };
  }
  return null;
}
