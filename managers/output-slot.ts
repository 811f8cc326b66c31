/**
 * What a remote manager keeps for each worker whose output arrives mixed with others' on one
 * channel (an ssh session's launcher lines, an srun step's labelled lines): its stdout and
 * stderr as line sources that keep early lines until the cluster listens, the tail of its
 * stderr for error messages, and how it ended. Also the bounded tail of a channel's own lines.
 *
 * @example
 * ```ts
 * const slot = outputSlot(() => session.tail());
 * slot.emit("out", "distributed_worker:4100#10.0.0.5");
 * slot.stdout.onLine((line) => console.log(line)); // gets the early line now
 * slot.finish("exit code 0");
 * ```
 * @module
 */
import type { LineSource } from "../src/internal.ts";

/** How many lines a tail keeps. */
export const TAIL_LINES = 30;

/** One worker's output and end, as the manager fills it in. */
export interface OutputSlot {
  readonly stdout: LineSource;
  readonly stderr: LineSource;
  /** Resolves with how the worker ended. */
  readonly exited: Promise<string>;
  readonly done: boolean;
  /** Its last stderr lines, then the channel's last message. */
  stderrTail(): string;
  /** Passes a line to the listeners, or keeps it until the first listener comes. */
  emit(stream: "out" | "err", line: string): void;
  /** Records how it ended (the first call wins). */
  finish(detail: string): void;
}

/** A new slot; `channelTail` gives the channel's own last message for error messages. */
export function outputSlot(channelTail: () => string, onFinish?: () => void): OutputSlot {
  const listeners = { out: [] as Array<(l: string) => void>, err: [] as Array<(l: string) => void> };
  const early = { out: [] as string[], err: [] as string[] };
  const tail = new LineTail();
  let done = false;
  let resolveExited!: (detail: string) => void;
  const exited = new Promise<string>((r) => (resolveExited = r));
  const source = (stream: "out" | "err"): LineSource => ({
    onLine(cb) {
      listeners[stream].push(cb);
      for (const line of early[stream].splice(0)) cb(line);
    },
  });
  return {
    stdout: source("out"),
    stderr: source("err"),
    exited,
    get done() {
      return done;
    },
    stderrTail: () => [tail.text(), channelTail()].filter((s) => s !== "").join("\n"),
    emit(stream, line) {
      if (stream === "err") tail.push(line);
      if (listeners[stream].length === 0) early[stream].push(line);
      else for (const cb of listeners[stream]) cb(line);
    },
    finish(detail) {
      if (done) return;
      done = true;
      resolveExited(detail);
      onFinish?.();
    },
  };
}

/** The last lines of a stream of lines. */
export class LineTail {
  readonly #lines: string[] = [];

  push(line: string): void {
    this.#lines.push(line);
    if (this.#lines.length > TAIL_LINES) this.#lines.shift();
  }

  /** The lines kept, joined. */
  text(): string {
    return this.#lines.join("\n");
  }

  /** The last non-empty line (a command's error, usually). */
  last(): string {
    return this.#lines.filter((l) => l.trim() !== "").at(-1) ?? "";
  }
}
