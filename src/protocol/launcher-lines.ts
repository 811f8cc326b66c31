/**
 * The line protocol between a remote manager (SSH) and the launcher it starts on each host.
 * One ssh session per host carries the output of all the workers there, so each line says
 * which worker it belongs to; lines that match nothing (a login script's chatter) are stray.
 *
 * Launcher to manager (its stdout):
 *   `distributed_launcher <count> <cpus> <hostname>`   once, before any worker line
 *   `@<k> pid <ospid>` | `@<k> out <line>` | `@<k> err <line>` | `@<k> exit <how it ended>`
 * Manager to launcher (its stdin): the cookie line first, then `interrupt <k>` or `stop <k>`.
 *
 * @example
 * ```ts
 * parseLauncherLine("@2 out distributed_worker:4100#10.0.0.5");
 * // { kind: "out", index: 2, text: "distributed_worker:4100#10.0.0.5" }
 * ```
 * @module
 */

/** The launcher's header: how many workers it starts on which host. */
export interface LauncherHeader {
  kind: "header";
  count: number;
  cpus: number;
  hostname: string;
}

/** A line about one worker of the launcher. */
export interface LauncherWorkerLine {
  kind: "pid" | "out" | "err" | "exit";
  index: number;
  text: string;
}

/** What the manager may ask of the launcher. */
export type LauncherControl = { op: "interrupt" | "stop"; index: number };

const HEADER = /^distributed_launcher (\d+) (\d+) (\S+)$/;
const WORKER = /^@(\d+) (pid|out|err|exit) ?(.*)$/;
const CONTROL = /^(interrupt|stop) (\d+)$/;

/**
 * The header line.
 *
 * @example
 * ```ts
 * formatLauncherHeader(4, 8, "node3"); // "distributed_launcher 4 8 node3"
 * ```
 */
export function formatLauncherHeader(count: number, cpus: number, hostname: string): string {
  return `distributed_launcher ${count} ${cpus} ${hostname.replace(/\s/g, "_") || "?"}`;
}

/**
 * A line about worker `index` (a line of text never contains "\n").
 *
 * @example
 * ```ts
 * formatWorkerLine(0, "err", "oops"); // "@0 err oops"
 * ```
 */
export function formatWorkerLine(index: number, kind: LauncherWorkerLine["kind"], text: string): string {
  return `@${index} ${kind} ${text}`;
}

/**
 * Parses a launcher output line; null for a line that is not part of the protocol.
 *
 * @example
 * ```ts
 * parseLauncherLine("distributed_launcher 2 8 node1"); // { kind: "header", count: 2, cpus: 8, hostname: "node1" }
 * parseLauncherLine("Welcome to node1!");             // null
 * ```
 */
export function parseLauncherLine(line: string): LauncherHeader | LauncherWorkerLine | null {
  const h = HEADER.exec(line);
  if (h !== null) return { kind: "header", count: Number(h[1]), cpus: Number(h[2]), hostname: h[3]! };
  const w = WORKER.exec(line);
  if (w !== null) return { kind: w[2] as LauncherWorkerLine["kind"], index: Number(w[1]), text: w[3]! };
  return null;
}

/**
 * A control line for the launcher's stdin.
 *
 * @example
 * ```ts
 * formatControl({ op: "interrupt", index: 1 }); // "interrupt 1"
 * ```
 */
export function formatControl(control: LauncherControl): string {
  return `${control.op} ${control.index}`;
}

/**
 * Parses a control line; null when it is not one.
 *
 * @example
 * ```ts
 * parseControl("stop 3"); // { op: "stop", index: 3 }
 * ```
 */
export function parseControl(line: string): LauncherControl | null {
  const m = CONTROL.exec(line.trim());
  return m === null ? null : { op: m[1] as LauncherControl["op"], index: Number(m[2]) };
}
