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
import {
  type ChildHandle,
  describeExit,
  type ExitStatus,
  formatControl,
  type LauncherControl,
  type LauncherHeader,
  parseLauncherLine,
  spawnProcess,
} from "../../src/internal.ts";
import { LineTail, type OutputSlot, outputSlot } from "../output-slot.ts";

/** One worker of the session, as the cluster sees it through WorkerConfig. */
export interface RemoteWorker extends OutputSlot {
  readonly index: number;
  readonly session: HostSession;
  ospid?: number;
}

/** An ssh process running the launcher on one host. */
export class HostSession {
  readonly child: ChildHandle;
  /** Resolves with the launcher's header; rejects with the ssh exit status if the session ends first. */
  readonly header: Promise<LauncherHeader>;
  readonly #slots = new Map<number, RemoteWorker>();
  readonly #tail = new LineTail();
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
    // SSHManager.launch awaits it and reports the failure; this keeps a rejection that comes after
    // launch gave up waiting (its timeout) from being an unhandled one.
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
      else if (parsed.kind === "err") slot.emit("err", parsed.text);
      else slot.finish(parsed.text);
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
    return this.#tail.text();
  }

  /** The last non-empty line ssh or the launcher wrote. */
  lastMessage(): string {
    return this.#tail.last();
  }

  #remember(line: string): void {
    this.#tail.push(line);
  }

  #slot(index: number): RemoteWorker {
    let slot = this.#slots.get(index);
    if (slot !== undefined) return slot;
    // When the last worker has ended, the launcher has nothing left to do: close its stdin.
    const base = outputSlot(
      () => this.tail(),
      () => {
        if (this.allDone()) this.child.endStdin();
      },
    );
    slot = Object.assign(base, { index, session: this as HostSession }) as RemoteWorker;
    this.#slots.set(index, slot);
    return slot;
  }
}
