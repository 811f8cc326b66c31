/**
 * One srun job step running workers, one per task. srun carries every task's output with a
 * `--label`, and one stdin (`--input=all`) feeds them all: the cookie first, then control lines
 * addressed by task number (`interrupt <k>`, `stop <k>`), which only task k obeys. This splits
 * the output into one line source per task and learns how each task ended: from the worker's
 * own last line (`distributed_worker_exit <code>`), from srun's report of failed tasks, or
 * from srun's exit.
 *
 * @example
 * ```ts
 * const step = new SrunStep(argv, env, 4);
 * step.send(cookie);
 * step.task(2).stdout.onLine((line) => console.log(line));
 * step.control("interrupt", 2);
 * ```
 * @module
 */
import { type ChildHandle, describeExit, spawnProcess } from "../../src/internal.ts";
import { LineTail, type OutputSlot, outputSlot } from "../output-slot.ts";
import { parseLabelledLine, parseTaskReport, WORKER_EXIT_LINE } from "./output.ts";

/** One task of the step, as the cluster sees it through WorkerConfig. */
export interface StepTask extends OutputSlot {
  readonly index: number;
  readonly step: SrunStep;
}

/** An srun process and the tasks it runs. */
export class SrunStep {
  readonly child: ChildHandle;
  /** Resolves at the first line a task writes: the step exists in Slurm by then. */
  readonly started: Promise<void>;
  readonly #slots: StepTask[] = [];
  readonly #tail = new LineTail();

  constructor(argv: readonly string[], env: Record<string, string>, tasks: number) {
    // Object.assign onto the slot keeps its `done` getter live (a spread would copy its value).
    for (let i = 0; i < tasks; i++) this.#slots.push(Object.assign(outputSlotOf(this), { index: i, step: this }));
    let started!: () => void;
    this.started = new Promise((resolve) => (started = resolve));
    this.child = spawnProcess(argv[0]!, argv.slice(1), { env });
    this.child.unref();
    this.child.onStdoutLine((line) => {
      const labelled = parseLabelledLine(line);
      const slot = labelled === null ? undefined : this.#slots[labelled.task];
      if (labelled === null || slot === undefined) return this.#remember(line);
      started();
      const exit = WORKER_EXIT_LINE.exec(labelled.text);
      if (exit !== null) slot.finish(`exit code ${exit[1]}`);
      else slot.emit("out", labelled.text);
    });
    this.child.onStderrLine((line) => {
      const labelled = parseLabelledLine(line);
      const slot = labelled === null ? undefined : this.#slots[labelled.task];
      if (labelled !== null && slot !== undefined) {
        started();
        return slot.emit("err", labelled.text);
      }
      this.#remember(line);
      const report = parseTaskReport(line);
      for (const task of report?.tasks ?? []) this.#slots[task]?.finish(`${report!.how} (on ${report!.node}, reported by srun)`);
    });
    void this.child.exited.then((status) => {
      const message = this.lastMessage();
      const why = `its srun step ended (srun ${describeExit(status)})${message ? `: ${message}` : ""}`;
      for (const slot of this.#slots) slot.finish(why);
    });
  }

  /** Writes one line to every task's stdin. */
  send(line: string): void {
    this.child.writeStdin(`${line}\n`);
  }

  /** Asks task `index` to interrupt its running calls, or to stop. */
  control(op: "interrupt" | "stop", index: number): void {
    this.send(`${op} ${index}`);
  }

  /** Task `index`. */
  task(index: number): StepTask {
    const slot = this.#slots[index];
    if (slot === undefined) throw new RangeError(`This srun step has tasks 0..${this.#slots.length - 1}, not ${index}`);
    return slot;
  }

  /** The tasks still running. */
  live(): StepTask[] {
    return this.#slots.filter((s) => !s.done);
  }

  /** srun's own messages and stray lines, last ones. */
  tail(): string {
    return this.#tail.text();
  }

  /** The last non-empty line srun wrote (its error, usually). */
  lastMessage(): string {
    return this.#tail.last();
  }

  #remember(line: string): void {
    this.#tail.push(line);
  }
}

/** A task's output slot; its stderr tail ends with srun's last message. */
function outputSlotOf(step: SrunStep): OutputSlot {
  return outputSlot(() => (step.tail() ? `(srun) ${step.lastMessage()}` : ""));
}
