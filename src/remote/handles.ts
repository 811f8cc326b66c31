/**
 * The holder's half of the distributed GC: every live handle (Future, RemoteChannel,
 * WorkerPool) counts as one hold on its owner, or as several when one object stands for
 * several received copies (a process keeps one handle object per pool). A handle is released
 * once, by `release()`, by `Symbol.dispose` (`using`), by a fetch that brought its value here,
 * or by the FinalizationRegistry when the program dropped it. Sending a handle to another
 * process tells its owner first, so the owner counts the receiver before the sender can let go.
 *
 * @example
 * ```ts
 * trackHandle(future, owner, [whence, id]);   // when a handle comes to exist here
 * releaseHandle(future);                      // when it is done
 * ```
 * @module
 */
import { peers } from "../cluster/peers.ts";
import { whyCannotMap } from "../cluster/memory-reach.ts";
import { state } from "../cluster/state.ts";
import type { HandleNote } from "../protocol/codec.ts";
import { MSG, type RefId } from "../protocol/messages.ts";
import { Connection } from "../transport/connection.ts";
import { refKey, refs } from "./refs.ts";

interface Held {
  owner: number;
  ref: RefId;
  /** Holds this handle object stands for. */
  n: number;
}

const held = new WeakMap<object, Held>();
/** Handle objects held now (the WeakMap cannot be counted). */
let holding = 0;
const finalizer = new FinalizationRegistry<Held>((h) => {
  holding--;
  dropHold(h.owner, h.ref, h.n);
});

/**
 * Starts counting `handle` as one hold of `ref` on `owner`, released when it is collected;
 * tracking a handle that is already tracked adds one more hold to it.
 */
export function trackHandle(handle: object, owner: number, ref: RefId): void {
  const known = held.get(handle);
  if (known !== undefined) {
    known.n++;
    return;
  }
  const h: Held = { owner, ref, n: 1 };
  holding++;
  held.set(handle, h);
  finalizer.register(handle, h, handle);
}

/** Releases the hold of `handle` (once; later calls do nothing). */
export function releaseHandle(handle: object): void {
  const h = held.get(handle);
  if (h === undefined) return;
  held.delete(handle);
  holding--;
  finalizer.unregister(handle);
  dropHold(h.owner, h.ref, h.n);
}

/** Forgets `handle` without telling the owner (its hold was already dropped, e.g. by fetch). */
export function forgetHandle(handle: object): void {
  if (held.delete(handle)) {
    holding--;
    finalizer.unregister(handle);
  }
}

/**
 * How many handle objects (Future, RemoteChannel, pool handles) this process holds now, for
 * leak checks such as the soak's.
 *
 * @example
 * ```ts
 * const f = remotecall(() => 1, 2);
 * heldHandleCount(); // 1
 * await f.fetch();
 * heldHandleCount(); // 0
 * ```
 */
export function heldHandleCount(): number {
  return holding;
}

/** Whether `handle` still holds its reference. */
export function isHeld(handle: object): boolean {
  return held.has(handle);
}

function dropHold(owner: number, ref: RefId, n: number): void {
  if (owner === state.myid) {
    refs.removeClient(refKey(ref[0], ref[1]), owner, n);
    return;
  }
  try {
    const link = peers.connectionTo(owner);
    if (!link.closed) link.send(MSG.REF_DEL, 0, [[[ref, n]]]);
  } catch {
    // The owner is gone, and its values with it: there is nothing left to release.
  }
}

/** Tells the owners of the handles a message to `dest` carries that `dest` now holds them. */
function announce(dest: number, handles: HandleNote[]): void {
  for (const { owner, ref, local } of handles) {
    if (owner === state.myid) {
      const key = refKey(ref[0], ref[1]);
      if (local !== undefined) refs.keep(key, local);
      refs.addClient(key, dest);
      continue;
    }
    try {
      peers.connectionTo(owner).send(MSG.REF_ADD, 0, [[[ref, dest]]]);
    } catch {
      // The owner is gone: the receiver's use of the handle will fail with ProcessExitedError.
    }
  }
}
Connection.handlesSent = announce;
// Values on shared memory (SharedArray, Atomic) go by reference to peers that share this
// process's memory or can map it (see cluster/memory-reach.ts), and are refused with a clear
// error to any other process.
// Asked for every message sent: nothing here may cost more than a lookup.
Connection.shareTarget = (dest) => {
  const sharesMemory = peers.get(dest)?.sharesMemory === true;
  const refusal = whyCannotMap(dest);
  const describe = dest === 1 ? "the master" : `worker ${dest}`;
  // Between two workers the link is TCP, even for two threads of one process: a
  // SharedArrayBuffer cannot go over it (a mapping can, to a worker that may map it).
  if (state.myid !== 1 && dest !== 1) {
    return {
      sharesMemory,
      canMap: false,
      pid: dest,
      describe,
      why: "shared memory travels between the master and its workers, not between two workers",
    };
  }
  if (refusal === null) return { sharesMemory, canMap: true, pid: dest, describe };
  return {
    sharesMemory,
    canMap: false,
    pid: dest,
    describe,
    ...(refusal !== undefined ? { why: refusal.message, whyCode: refusal.code } : {}),
  };
};

// A process that is gone holds nothing any more.
peers.onRemoved((pid) => refs.dropClient(pid));
