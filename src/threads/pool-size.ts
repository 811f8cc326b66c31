/**
 * The thread pool's size, by the settings' rule (src/config/resolve.ts):
 * `threads.setNthreads(n)` (the option) > the configuration file's `threads` >
 * `DISTRIBUTED_THREADS` > one per CPU.
 *
 * The file is read asynchronously and `nthreads()` answers synchronously, so the pool reads the
 * file before it first starts (`sizeBeforeStart`), and `nthreads()` counts it once it has been
 * read (by addprocs, the CLI, or that first start). A size `nthreads()` gave before the file
 * was read is kept, so the pool has the size the script already used (say, to shape a
 * SharedArray); if the file says otherwise, a warning names both and the fix.
 *
 * A worker process reads no configuration file: the master's `threads` option, or else its
 * file's, reaches the worker as DISTRIBUTED_THREADS in its environment (replacing any it had),
 * and so ranks there as an option; only the worker's own setNthreads beats it.
 *
 * @example
 * ```ts
 * poolSize();               // e.g. 4: DISTRIBUTED_THREADS=4, or the file's threads once read
 * await sizeBeforeStart();  // reads the file (not on a worker) before the first thread starts
 * ```
 * @module
 */
import { state } from "../cluster/state.ts";
import { loadConfig, type LoadedConfig, loadedConfig } from "../config/load.ts";
import { type From, resolveSetting } from "../config/resolve.ts";
import { cpuCount, env, writeStderr } from "../runtime/host.ts";

/** The size setNthreads gave. */
let given: number | undefined;
/** The size answered without setNthreads; `withFile`: the configuration file was counted (or has no say here). */
let settled: { n: number; from: From; withFile: boolean } | undefined;

/** Whether this process counts a configuration file: not a worker, not a pool thread. */
function readsFile(): boolean {
  return !state.isWorker && state.threadid === 0;
}

function sizeFrom(loaded: LoadedConfig | undefined): { n: number; from: From } {
  const { value, from } = resolveSetting("threads", { config: loaded?.config, env });
  return { n: value === "auto" ? cpuCount() : value, from };
}

/** The pool's size, now. */
export function poolSize(): number {
  if (given !== undefined) return given;
  if (settled === undefined) {
    const loaded = readsFile() ? loadedConfig() : undefined;
    settled = { ...sizeFrom(loaded), withFile: !readsFile() || loaded !== undefined };
  }
  return settled.n;
}

/** threads.setNthreads(n): the option, above everything else. */
export function setPoolSize(n: number): void {
  given = n;
}

/** Before the pool starts: reads the configuration file (on a master), so its `threads` counts. */
export async function sizeBeforeStart(): Promise<void> {
  if (given !== undefined || settled?.withFile === true || !readsFile()) return;
  const loaded = await loadConfig();
  const wanted = sizeFrom(loaded);
  // While the file was read, setNthreads or another start may have settled it.
  if ((given as number | undefined) !== undefined || (settled as typeof settled | undefined)?.withFile === true) return;
  if (settled === undefined) {
    settled = { ...wanted, withFile: true };
    return;
  }
  if (wanted.from === "config" && wanted.n !== settled.n) {
    const why = settled.from === "environment" ? "from DISTRIBUTED_THREADS" : "one per CPU";
    writeStderr(
      `Warning: threads.nthreads() answered ${settled.n} (${why}) before the configuration file ${
        loaded.file ?? "(none)"
      } was read, so the pool keeps ${settled.n} threads, ` +
        `not the file's threads: ${wanted.n}. To have the file's size, ask nthreads() after the first addprocs or parallel call, or call threads.setNthreads(n) first\n`,
    );
  }
  settled.withFile = true;
}
