/**
 * The advection bench's result (bench/advection.ts) and its table: one runtime's medians, the
 * efficiency of 2 worker processes against serial (PASS or MISS against the target, from the
 * figures of the same run), and the figures that explain it.
 *
 * @example
 * ```ts
 * console.log(formatAdvection(result));   // a result line parsed from `advection.js --here`
 * ```
 * @module
 */

/** Workers per parallel way. */
export const WORKERS = 2;
/** The parallel efficiency 2 worker processes should reach. */
export const TARGET = 0.9;

/** One runtime's figures: medians in ms, per way. */
export interface AdvectionResult {
  runtime: string;
  version: string;
  load: [number, number];
  seconds: number;
  /** Median ms per way: serialMapped, processes, serialShared, threads; and the no-work round trips. */
  ms: Record<string, number>;
  /** Median of the slower worker's own compute time (its SweepReport), per parallel way. */
  busyMs: Record<string, number>;
  identical: boolean;
}

/** Efficiency of the worker processes: serial on the same memory / (2 × parallel). */
export function processEfficiency(r: AdvectionResult): number {
  return r.ms.serialMapped! / (WORKERS * r.ms.processes!);
}

/** The table of one runtime's result, and what explains its efficiency. */
export function formatAdvection(r: AdvectionResult): string {
  const f = (x: number): string => `${x.toFixed(1)} ms`;
  const x = (a: number, b: number): string => `${(a / b).toFixed(2)}x`;
  const pe = processEfficiency(r);
  const met = pe >= TARGET ? "PASS" : "MISS";
  const te = r.ms.serialShared! / (WORKERS * r.ms.threads!);
  const { serialMapped, processes, serialShared, threads, noWorkProcesses, noWorkThreads } = r.ms as Record<string, number>;
  const rows: string[][] = [
    ["serial, master, on the processes' arrays (mapping)", f(serialMapped), "-", "-", "-", "-"],
    ["2 worker processes, SharedArray (mapping)", f(processes), x(serialMapped, processes), pe.toFixed(2), `>= ${TARGET}`, met],
    ["serial, master, on the threads' arrays (SharedArrayBuffer)", f(serialShared), "-", "-", "-", "-"],
    ["2 thread workers, SharedArray (SharedArrayBuffer)", f(threads), x(serialShared, threads), te.toFixed(2), "-", "-"],
  ];
  const header = ["", "median", "speedup", "efficiency", "target", "met"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(" | ");
  const load = r.load.map((l) => l.toFixed(2)).join(" -> ");
  const { processes: busyP, threads: busyT } = r.busyMs as Record<string, number>;
  return [
    `${r.runtime} ${r.version} (master and workers on ${r.runtime}; ${r.seconds.toFixed(1)} s; load ${load})`,
    line(header),
    widths.map((w) => "-".repeat(w)).join("-|-"),
    ...rows.map(line),
    `processes / thread workers: ${x(processes, threads)} the time; ` +
    `serial on a mapping / on a SharedArrayBuffer: ${x(serialMapped, serialShared)}`,
    `coordination per sample (the same 2 calls, no work): processes ${f(noWorkProcesses)}, thread workers ${f(noWorkThreads)}`,
    `slower worker's own compute / half the serial time: processes ${x(busyP, serialMapped / 2)}, ` +
    `thread workers ${x(busyT, serialShared / 2)} ` +
    "(above 1: the workers computed slower than the master alone, i.e. they got less than a core each)",
    `every way's q equals serial's: ${r.identical}`,
  ].join("\n");
}
