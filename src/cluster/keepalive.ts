/**
 * Keeps this process alive while it waits for something only another process can bring: a
 * take on a RemoteChannel that lives here (a worker will put), a fetch of a local Future that
 * a worker will set. Sockets are referenced only while a request of ours is pending, so
 * without this a master awaiting its own channel would see an empty event loop and exit.
 *
 * @example
 * ```ts
 * const done = holdProcess();
 * try { await localChannel.take(); } finally { done(); }
 * ```
 * @module
 */

let holds = 0;
let timer: ReturnType<typeof setInterval> | undefined;

/** Holds the process open until the returned function is called (once). */
export function holdProcess(): () => void {
  if (holds++ === 0) timer = setInterval(() => {}, 1 << 30);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--holds === 0) clearInterval(timer);
  };
}

/** Runs `work` with the process held open. */
export async function whileHeld<T>(work: () => Promise<T> | T): Promise<T> {
  const done = holdProcess();
  try {
    return await work();
  } finally {
    done();
  }
}
