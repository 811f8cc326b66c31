/**
 * One ssh session to one host: the launcher running there and the workers it started. The
 * session's stdout carries every worker's lines (src/protocol/launcher-lines.ts); this splits
 * them into one line source per worker, and turns interrupts and stops into control lines.
 *
 * @example
 * ```ts
 * const session = new HostSession(argv, "node3");
 * session.send(cookie);
 * const header = await session.header; // { count: 4, ... }
 * session.control({ op: "interrupt", index: 2 });
 * ```
 * @module
 */
import { describeExit, formatControl, parseLauncherLine, spawnProcess, type ChildHandle, type ExitStatus, type LauncherControl, type LauncherHeader, type LineSource } from "../../src/internal.ts";

const TAIL_LINES = 20;

/** One worker of the session, as the cluster sees it through WorkerConfig. */
export interface RemoteWorker {
  readonly index: number;
  readonly session: HostSession;
  readonly stdout: LineSource;
  readonly stderr: LineSource;
  /** Resolves with how the worker ended (or how the session did). */
  readonly exited: Promise<string>;
  readonly done: boolean;
  ospid?: number;
  stderrTail(): string;
}

interface Slot extends RemoteWorker {
  tail: string[];
  /** Passes a line to the listeners, or keeps it until the first listener comes (the cluster attaches only after the header). */
  emit(stream: "out" | "err", line: string): void;
  finish(detail: string): void;
}

/** An ssh process running the launcher on one host. */
export class HostSession {
  readonly child: ChildHandle;
  /** Resolves with the launcher's header; rejects with the ssh exit status if the session ends first. */
  readonly header: Promise<LauncherHeader>;
  readonly #slots = new Map<number, Slot>();
  readonly #tail: string[] = [];
  #headerSeen = false;

  constructor(argv: readonly string[], env: Record<string, string>) {
    this.child = spawnProcess(argv[0]!, argv.slice(1), { env });
    this.child.unref();
    let resolveHeader!: (h: LauncherHeader) => void;
    let rejectHeader!: (status: ExitStatus) => void;
    this.header = new Promise((resolve, reject) => {
      resolveHeader = resolve;
      rejectHeader = reject;
    });
    this.header.catch(() => {});
    this.child.onStdoutLine((line) => {
      const parsed = parseLauncherLine(line);
      if (parsed === null) return this.#remember(line); // a login script's chatter
      if (parsed.kind === "header") {
        this.#headerSeen = true;
        for (let i = 0; i < parsed.count; i++) this.#slot(i);
        return resolveHeader(parsed);
      }
      const slot = this.#slot(parsed.index);
      if (parsed.kind === "pid") slot.ospid = Number(parsed.text);
      else if (parsed.kind === "out") slot.emit("out", parsed.text);
      else if (parsed.kind === "err") {
        slot.tail.push(parsed.text);
        if (slot.tail.length > TAIL_LINES) slot.tail.shift();
        slot.emit("err", parsed.text);
      } else slot.finish(parsed.text);
    });
    this.child.onStderrLine((line) => this.#remember(line));
    void this.child.exited.then((status) => {
      if (!this.#headerSeen) rejectHeader(status);
      const why = `the ssh session ended (${describeExit(status)})${this.lastMessage() ? `: ${this.lastMessage()}` : ""}`;
      for (const slot of this.#slots.values()) slot.finish(why);
    });
  }

  /** Writes one line to the launcher's stdin (the cookie first, then control lines). */
  send(line: string): void {
    this.child.writeStdin(`${line}\n`);
  }

  /** Asks the launcher to interrupt or stop one of its workers. */
  control(control: LauncherControl): void {
    this.send(formatControl(control));
  }

  /** The worker with this index (created on first mention). */
  worker(index: number): RemoteWorker {
    return this.#slot(index);
  }

  /** Whether every worker the launcher reported has ended. */
  allDone(): boolean {
    return [...this.#slots.values()].every((s) => s.done);
  }

  /** The session's own stderr (ssh's messages, the launcher's) and stray output, last lines. */
  tail(): string {
    return this.#tail.join("\n");
  }

  /** The last non-empty line ssh or the launcher wrote. */
  lastMessage(): string {
    return this.#tail.filter((l) => l.trim() !== "").at(-1) ?? "";
  }

  #remember(line: string): void {
    this.#tail.push(line);
    if (this.#tail.length > TAIL_LINES) this.#tail.shift();
  }

  #slot(index: number): Slot {
    let slot = this.#slots.get(index);
    if (slot !== undefined) return slot;
    let finish!: (detail: string) => void;
    const exited = new Promise<string>((resolve) => (finish = resolve));
    const listeners = { out: [] as Array<(line: string) => void>, err: [] as Array<(line: string) => void> };
    const early = { out: [] as string[], err: [] as string[] };
    const listen = (stream: "out" | "err", cb: (line: string) => void): void => {
      listeners[stream].push(cb);
      for (const line of early[stream].splice(0)) cb(line);
    };
    const tail: string[] = [];
    let done = false;
    const session = this;
    slot = {
      index,
      session,
      tail,
      exited,
      get done() {
        return done;
      },
      emit: (stream, line) => {
        if (listeners[stream].length === 0) early[stream].push(line);
        else for (const cb of listeners[stream]) cb(line);
      },
      stdout: { onLine: (cb) => listen("out", cb) },
      stderr: { onLine: (cb) => listen("err", cb) },
      stderrTail: () => [...tail, ...(session.tail() ? [session.tail()] : [])].join("\n"),
      finish: (detail) => {
        if (done) return;
        done = true;
        finish(detail);
        if (session.allDone()) session.child.endStdin();
      },
    };
    this.#slots.set(index, slot);
    return slot;
  }
}
