/**
 * What a soak run reports (bench/soak-master.ts prints it, bench/soak.ts and the soak test read
 * it), and the verdict: the list of reasons a run failed.
 *
 * @example
 * ```ts
 * const run: SoakRun = { ...result, orphansAfterExit: [], exitMs: 120 };
 * failures(run); // [] when the run passed
 * totals(run);   // { done: 38000, lost: 0, ... }
 * ```
 * @module
 */
import type { KillerFigures } from "./soak-cluster.ts";
import type { BOUNDS, Figures } from "./soak-figures.ts";
import type { LedgerSummary } from "./soak-ledger.ts";

/** The prefix of the result line on the master's stdout. */
export const RESULT_PREFIX = "SOAK_RESULT ";

/** What one master reports. */
export interface SoakResult {
  /** node, bun, deno, or mixed (a node master, workers of the three in turn). */
  runtime: string;
  masterRuntime: string;
  seconds: number;
  workers: number;
  streams: Record<string, LedgerSummary>;
  killer: KillerFigures;
  start: Figures;
  end: Figures;
  bounds: typeof BOUNDS;
  /** The bounds the end broke (empty: bounded). */
  unbounded: string[];
  /** OS pids of workers still alive after rmprocs. */
  orphans: number[];
  /** Workloads that did not finish their resubmitted items in time after the kills stopped. */
  hung: string[];
  unhandledRejections: string[];
}

/** A result as the driver completes it, after the master has exited. */
export interface SoakRun extends SoakResult {
  /** OS pids of processes of this run (found by its marker) alive 5 s after the master exited. */
  orphansAfterExit: number[];
  /** From the result line to the master's exit (null: it did not exit by itself, and was killed). */
  exitMs: number | null;
}

/** Sums over the workloads. */
export function totals(
  run: SoakResult,
): { done: number; lost: number; duplicates: number; resubmitted: number; wrong: number; unexpected: number } {
  const t = { done: 0, lost: 0, duplicates: 0, resubmitted: 0, wrong: 0, unexpected: 0 };
  for (const s of Object.values(run.streams)) {
    t.done += s.done;
    // Lost: never done at the end, or (channels) acknowledged and gone from a live owner.
    t.lost += s.lost + s.vanished;
    t.duplicates += s.duplicates;
    t.resubmitted += s.resubmitted;
    t.wrong += s.wrong;
    t.unexpected += s.unexpected;
  }
  return t;
}

/** Why a run failed, one line each (empty: it passed). */
export function failures(run: SoakRun): string[] {
  const out: string[] = [];
  const t = totals(run);
  if (t.lost > 0) out.push(`${t.lost} item(s) lost`);
  if (t.duplicates > 0) out.push(`${t.duplicates} item(s) counted twice`);
  if (t.wrong > 0) out.push(`${t.wrong} wrong result(s)`);
  if (t.unexpected > 0) out.push(`${t.unexpected} unexpected error(s)`);
  if (run.orphans.length > 0) out.push(`orphans after rmprocs: ${run.orphans.join(", ")}`);
  if (run.orphansAfterExit.length > 0) out.push(`orphans after the master exited: ${run.orphansAfterExit.join(", ")}`);
  out.push(...run.unbounded.map((u) => `unbounded: ${u}`));
  if (run.hung.length > 0) out.push(`hung: ${run.hung.join(", ")}`);
  if (run.unhandledRejections.length > 0) out.push(`${run.unhandledRejections.length} unhandled rejection(s) on the master`);
  if (run.killer.kills === 0) out.push("no worker was killed (the run was too short to soak anything)");
  if (run.killer.unnoticed > 0) out.push(`${run.killer.unnoticed} kill(s) not noticed by the master in time`);
  if (run.killer.unexpectedExits > 0) out.push(`${run.killer.unexpectedExits} worker(s) exited without being killed`);
  if (run.exitMs === null) out.push("the master did not exit by itself after its run");
  return out;
}
