/**
 * The shared state of a lock: eight Int32 slots on shared memory, read and written only with
 * `Atomics`, so threads and processes that map the memory agree on who holds it.
 *
 * - STATE: 0 when free, else the holder's thread token (a random non-zero Int32 each thread of
 *   each process draws once), set by compare-and-swap: that is the mutual exclusion.
 * - DEPTH: how many times the holder has it (a ReentrantLock's count).
 * - OSPID, PID, THREAD: who holds it (OS pid, worker pid, thread id), written after STATE is
 *   won and cleared before it is let go, so a waiter can name the holder, and tell when the
 *   holder's process has ended.
 * - WAKE: bumped at every unlock; on a SharedArrayBuffer waiters `Atomics.waitAsync` on it.
 * - ID: the lock's own random id, which each thread's table of the locks it holds is keyed by.
 *
 * Waiting: `Atomics.waitAsync` on WAKE where the memory is a SharedArrayBuffer and the runtime
 * has it (with a timeout, as a safety net); elsewhere (memory mapped for worker processes,
 * where `Atomics.wait*` throw, or a runtime without waitAsync) polling with a backoff that
 * grows from 0 to 2 ms, so an uncontended lock costs nothing and a contended one little CPU.
 *
 * @example
 * ```ts
 * import { ReentrantLock } from "distributed";
 * const l = new ReentrantLock();  // a word of eight Int32 slots on shared memory
 * l.trylock();                    // true: STATE holds this thread's token now
 * l.holder();                     // { pid: 1, ospid: 4242, threadid: 0 }: PID, OSPID, THREAD
 * l.unlock();                     // STATE back to 0, WAKE bumped, waiters woken
 * ```
 * @module
 */
import { state } from "../cluster/state.ts";
import { osPid } from "../runtime/host.ts";
import { processAlive } from "../runtime/process-alive.ts";
import { myPid } from "./shared-memory.ts";

/** The bytes a lock takes on shared memory. */
export const LOCK_BYTES = 32;
const STATE = 0;
const DEPTH = 1;
const OSPID = 2;
const PID = 3;
const THREAD = 4;
const WAKE = 5;
const ID = 6;

/** This thread's token: random, non-zero, drawn once per thread of each process. */
export const threadToken = ((Math.random() * 0x7ffffffe) | 0) + 1;

/** The slots over a lock's memory, given a fresh id if it has none yet. */
export function newLockWord(buffer: SharedArrayBuffer | ArrayBuffer): Int32Array {
  const word = new Int32Array(buffer, 0, LOCK_BYTES / 4);
  Atomics.compareExchange(word, ID, 0, ((Math.random() * 0x7ffffffe) | 0) + 1);
  return word;
}

/** The lock's id. */
export function lockId(word: Int32Array): number {
  return Atomics.load(word, ID);
}

/** Takes the lock for this thread if it is free (depth 1); whether it did. */
export function tryTake(word: Int32Array): boolean {
  if (Atomics.compareExchange(word, STATE, 0, threadToken) !== 0) return false;
  Atomics.store(word, DEPTH, 1);
  Atomics.store(word, OSPID, osPid());
  Atomics.store(word, PID, myPid());
  Atomics.store(word, THREAD, state.threadid);
  return true;
}

/** Whether this thread holds it. */
export function heldHere(word: Int32Array): boolean {
  return Atomics.load(word, STATE) === threadToken;
}

/** Whether anyone holds it. */
export function isHeld(word: Int32Array): boolean {
  return Atomics.load(word, STATE) !== 0;
}

/** Adds `delta` to the holder's depth; returns the new depth (the holder only). */
export function addDepth(word: Int32Array, delta: number): number {
  return Atomics.add(word, DEPTH, delta) + delta;
}

/** Lets the lock go and wakes its waiters (the holder only). */
export function letGo(word: Int32Array): void {
  Atomics.store(word, DEPTH, 0);
  Atomics.store(word, OSPID, 0);
  Atomics.store(word, PID, 0);
  Atomics.store(word, THREAD, 0);
  Atomics.store(word, STATE, 0);
  Atomics.add(word, WAKE, 1);
  if (word.buffer instanceof SharedArrayBuffer) Atomics.notify(word, WAKE);
}

/** Who holds the lock, as it recorded itself; null when free (or between its being won and recorded). */
export interface LockHolder {
  /** The holder's worker pid (1 for the master). */
  pid: number;
  /** The holder's OS pid. */
  ospid: number;
  /** The holder's thread id (0: the process's own thread). */
  threadid: number;
}

/** The holder, read consistently (the same STATE before and after), or null. */
export function holderOf(word: Int32Array): LockHolder | null {
  const before = Atomics.load(word, STATE);
  const holder = { pid: Atomics.load(word, PID), ospid: Atomics.load(word, OSPID), threadid: Atomics.load(word, THREAD) };
  if (before === 0 || holder.ospid === 0 || Atomics.load(word, STATE) !== before) return null;
  return holder;
}

/** The holder, in words: "worker 3 (OS pid 1234, thread 2)". */
export function describeHolder(h: LockHolder): string {
  return `${h.pid === 1 ? "the master" : `worker ${h.pid}`} (OS pid ${h.ospid}${h.threadid === 0 ? "" : `, thread ${h.threadid}`})`;
}

/** The holder if its process has ended without letting go (another process's only), else null. */
export function abandonedBy(word: Int32Array): LockHolder | null {
  const h = holderOf(word);
  return h !== null && h.ospid !== osPid() && !processAlive(h.ospid) ? h : null;
}

type WaitAsync = (a: Int32Array, i: number, v: number, timeout: number) => { async: boolean; value: Promise<string> | string };
const waitAsync = (Atomics as unknown as { waitAsync?: WaitAsync }).waitAsync;

/** The WAKE count, read before an attempt so a wait after a failed one misses no unlock. */
export function wakeCount(word: Int32Array): number {
  return Atomics.load(word, WAKE);
}

/** Waits for an unlock after `seen` (or a while): attempt `n` of a failed series. */
export async function waitForUnlock(word: Int32Array, seen: number, n: number): Promise<void> {
  if (waitAsync !== undefined && word.buffer instanceof SharedArrayBuffer) {
    const r = waitAsync(word, WAKE, seen, 100);
    if (!r.async) return;
    // A timer alongside: Deno's event loop does not stay alive for a pending waitAsync alone.
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([r.value, new Promise((resolve) => (timer = setTimeout(resolve, 100)))]);
    clearTimeout(timer);
    return;
  }
  return new Promise((resolve) => setTimeout(resolve, n < 8 ? 0 : n < 32 ? 1 : 2));
}
