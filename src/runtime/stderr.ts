/**
 * Writing to stderr when its reader may be gone. A worker or a rank whose launcher was killed
 * with SIGKILL (mpirun) still runs until it notices; its stderr is a pipe nobody reads. A write
 * there fails (EPIPE): Deno throws, Node and Bun emit an 'error' event. Either way the failure
 * must not be reported on stderr again: from the uncaught-exception handler that would fail
 * again, a busy loop that kept such a process alive forever. So after the first failure,
 * writes to stderr are dropped.
 *
 * @example
 * ```ts
 * writeStderr("Worker 2: uncaught exception: ...\n"); // dropped if stderr's reader is gone
 * ```
 * @module
 */
import process from "node:process";

let stderrGone = false;
let stderrWatched = false;

/** Writes text to stderr; drops it once stderr's reader is gone (see the module). */
export function writeStderr(text: string): void {
  if (stderrGone) return;
  watchStderr();
  try {
    process.stderr.write(text);
  } catch {
    // Nowhere to report it: stderr's reader is gone (Deno throws the EPIPE here).
    stderrGone = true;
  }
}

/** A failed write to stderr arrives as an 'error' event under Node and Bun: stop writing there. */
function watchStderr(): void {
  if (stderrWatched) return;
  stderrWatched = true;
  process.stderr.on?.("error", () => {
    stderrGone = true;
  });
}
