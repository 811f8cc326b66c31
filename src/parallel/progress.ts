/**
 * Progress of a long pmap: a bar redrawn in place on a terminal, plain lines (about one a
 * second) in logs and CI, or the numbers handed to a callback. Output goes to stderr so it
 * never mixes with a script's results.
 *
 * @example
 * ```ts
 * import { pmap, range } from "distributed";
 * const f = (x: number): number => Math.sqrt(x);
 * const xs = range(0, 1_000_000);
 * await pmap(f, xs, { progress: true });                       // bar or lines
 * await pmap(f, xs, { progress: (p) => console.log(p.done) }); // numbers
 * ```
 * @module
 */
import { stderrColumns, stderrIsTTY, writeStderr } from "../runtime/host.ts";

/** What a progress callback receives. */
export interface PmapProgress {
  /** Items finished. */
  done: number;
  /** Items in all, when known. */
  total: number | undefined;
  /** Seconds since the start. */
  elapsed: number;
  /** Items per second so far. */
  rate: number;
  /** Estimated seconds left, when the total is known. */
  eta: number | undefined;
}

/** Reports progress; call update() as items finish and finish() at the end. */
export class ProgressReporter {
  readonly #started = performance.now();
  readonly #sink: ((p: PmapProgress) => void) | "tty" | "lines";
  #last = 0;
  #total: number | undefined;

  constructor(option: true | ((p: PmapProgress) => void), total: number | undefined) {
    this.#sink = typeof option === "function" ? option : stderrIsTTY() ? "tty" : "lines";
    this.#total = total;
  }

  /** Sets the total once it becomes known (an iterable that was not sized). */
  setTotal(total: number): void {
    this.#total = total;
  }

  /** Reports `done` items, at most every 100 ms (a second for plain lines). */
  update(done: number): void {
    const now = performance.now();
    const every = this.#sink === "lines" ? 1000 : 100;
    if (now - this.#last < every) return;
    this.#last = now;
    this.#emit(done, false);
  }

  /** The final report. */
  finish(done: number): void {
    this.#emit(done, true);
  }

  #emit(done: number, final: boolean): void {
    const elapsed = (performance.now() - this.#started) / 1000;
    const rate = elapsed > 0 ? done / elapsed : 0;
    const total = this.#total;
    const eta = total !== undefined && rate > 0 ? Math.max(0, (total - done) / rate) : undefined;
    const p: PmapProgress = { done, total, elapsed, rate, eta };
    if (typeof this.#sink === "function") {
      this.#sink(p);
      return;
    }
    const counts = total !== undefined ? `${done}/${total} (${Math.floor((100 * done) / Math.max(1, total))}%)` : `${done}`;
    const tail = `${counts}  ${formatRate(rate)}  ${
      final ? `done in ${formatSeconds(elapsed)}` : eta !== undefined ? `ETA ${formatSeconds(eta)}` : ""
    }`;
    if (this.#sink === "lines") {
      writeStderr(`pmap: ${tail}\n`);
      return;
    }
    const width = Math.max(10, Math.min(40, stderrColumns() - tail.length - 10));
    const filled = total !== undefined ? Math.round((width * done) / Math.max(1, total)) : 0;
    writeStderr(`\r\u001b[2Kpmap [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${tail}${final ? "\n" : ""}`);
  }
}

function formatRate(rate: number): string {
  return rate >= 1000 ? `${(rate / 1000).toFixed(1)}k items/s` : `${rate.toFixed(1)} items/s`;
}

function formatSeconds(s: number): string {
  return s >= 90 ? `${Math.floor(s / 60)}m${Math.round(s % 60)}s` : `${s.toFixed(1)} s`;
}
