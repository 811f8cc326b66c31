/**
 * Reusable buffers for the copies large sends must make. Writing 128 MiB into freshly
 * allocated memory costs ~85 ms here, almost all of it page faults; into memory already
 * touched, ~15 ms. So copies of large typed arrays go into pooled buffers, returned by the
 * connection once the socket has written them. Idle buffers are dropped after a few seconds,
 * so one large send does not pin memory for the life of the process.
 *
 * @example
 * ```ts
 * const copy = acquireScratch(bytes.byteLength); copy.set(bytes);
 * socket.write(copy, () => releaseScratch(copy));
 * ```
 * @module
 */

const MIN_POOLED = 1 << 20;
const MAX_POOLED_TOTAL = 512 * 1024 * 1024;
const IDLE_MS = 5000;

const free = new Map<number, ArrayBuffer[]>();
const lent = new WeakSet<ArrayBuffer>();
let pooledBytes = 0;
let idleTimer: ReturnType<typeof setTimeout> | undefined;

function sizeClass(n: number): number {
  return 2 ** Math.ceil(Math.log2(n));
}

/** A buffer of exactly `n` bytes (a view into a pooled one when `n` is large). */
export function acquireScratch(n: number): Uint8Array {
  if (n < MIN_POOLED) return new Uint8Array(n);
  const cls = sizeClass(n);
  const list = free.get(cls);
  const reused = list?.pop();
  if (reused !== undefined) pooledBytes -= cls;
  if (list !== undefined && list.length === 0) free.delete(cls);
  const buffer = reused ?? new ArrayBuffer(cls);
  lent.add(buffer);
  return new Uint8Array(buffer, 0, n);
}

/** Gives a buffer from acquireScratch back once nothing reads it any more. */
export function releaseScratch(view: Uint8Array): void {
  const buffer = view.buffer as ArrayBuffer;
  if (!lent.has(buffer)) return;
  lent.delete(buffer);
  if (pooledBytes + buffer.byteLength > MAX_POOLED_TOTAL) return;
  const list = free.get(buffer.byteLength) ?? [];
  list.push(buffer);
  free.set(buffer.byteLength, list);
  pooledBytes += buffer.byteLength;
  clearTimeout(idleTimer);
  idleTimer = setTimeout(() => {
    free.clear();
    pooledBytes = 0;
  }, IDLE_MS);
  (idleTimer as { unref?: () => void }).unref?.();
}

/** Whether a view lives in a pooled buffer (and must be released after writing). */
export function isScratch(view: Uint8Array): boolean {
  return lent.has(view.buffer as ArrayBuffer);
}
