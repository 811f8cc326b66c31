/**
 * What srun prints, parsed: its `--label`led task output and its own messages about tasks.
 *
 * With `--label`, srun prefixes every line of task k's stdout and stderr with `k: ` (padded to
 * the width of the largest task number). Lines are labelled one by one, so the output of
 * several tasks can interleave but a task's line is never cut by another's. Anything without a
 * label (srun's own chatter, a site's wrapper script) is stray, not a task's.
 *
 * @example
 * ```ts
 * parseLabelledLine(" 3: distributed_worker:4100#10.0.0.5"); // { task: 3, text: "distributed_worker:4100#10.0.0.5" }
 * parseTaskReport("srun: error: dn2: tasks 0-1,3: Killed");   // { node: "dn2", tasks: [0, 1, 3], how: "Killed" }
 * ```
 * @module
 */

/** One line of one task's output. */
export interface LabelledLine {
  task: number;
  text: string;
}

/** What srun says happened to some tasks (it reports the ones that fail). */
export interface TaskReport {
  node: string;
  tasks: number[];
  /** srun's words, e.g. "Exited with exit code 3", "Killed", "Terminated". */
  how: string;
}

const LABELLED = /^ *(\d+): ?(.*)$/s;
const TASK_REPORT = /^srun: error: (\S+): tasks? ([\d,-]+): (.+)$/;

/**
 * Splits a `--label`led line into its task and text; null for a line without a label.
 *
 * @example
 * ```ts
 * parseLabelledLine("12: hello");        // { task: 12, text: "hello" }
 * parseLabelledLine("srun: job 5 queued"); // null
 * ```
 */
export function parseLabelledLine(line: string): LabelledLine | null {
  const m = LABELLED.exec(line);
  return m === null ? null : { task: Number(m[1]), text: m[2]! };
}

/**
 * Parses srun's report of failed tasks (`srun: error: <node>: task[s] <list>: <how>`); null for
 * any other line.
 *
 * @example
 * ```ts
 * parseTaskReport("srun: error: dn1: task 2: Exited with exit code 1");
 * // { node: "dn1", tasks: [2], how: "Exited with exit code 1" }
 * ```
 */
export function parseTaskReport(line: string): TaskReport | null {
  const m = TASK_REPORT.exec(line.trim());
  if (m === null) return null;
  const tasks = expandRanges(m[2]!);
  return tasks === null ? null : { node: m[1]!, tasks, how: m[3]!.trim() };
}

/**
 * Expands "0-2,5" into [0, 1, 2, 5]; null when it is not such a list.
 *
 * @example
 * ```ts
 * expandRanges("0-2,5"); // [0, 1, 2, 5]
 * ```
 */
export function expandRanges(list: string): number[] | null {
  const out: number[] = [];
  for (const part of list.split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (m === null) return null;
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (to < from || to - from > 1_000_000) return null;
    for (let i = from; i <= to; i++) out.push(i);
  }
  return out;
}

/** The line a worker started with `--control` prints on its way out. */
export const WORKER_EXIT_LINE = /^distributed_worker_exit (-?\d+)$/;
