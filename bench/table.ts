/**
 * Prints one runtime's results as a table: metric, ours, raw limit, ratio, target, met; and the
 * peers table: Python multiprocessing (bench/python.ts) next to our figures on each runtime.
 * Plain text with padded columns, so it reads the same in a terminal, a CI log or a review.
 *
 * @example
 * ```ts
 * console.log(formatTable(result, { pythonMapItemsPerSec: 3.1e6 }));
 * ```
 * @module
 */
import type { PythonPeers } from "./python.ts";
import { type MasterResult, type Measurement, METRIC_IDS, METRICS, type SameRun, verdict } from "./results.ts";

const HEADER = ["metric", "ours", "raw limit", "ratio", "target", "met"];

/** Formats a value in its unit for the table. */
export function formatValue(value: number, unit: string): string {
  if (unit === "calls/s") return `${(value / 1000).toFixed(0)}k/s`;
  if (unit === "GB/s") return `${value.toFixed(2)} GB/s`;
  if (unit === "ms") return `${value.toFixed(0)} ms`;
  if (unit === "x") return value.toFixed(2);
  return `${value.toFixed(1)} ${unit}`;
}

/** The table for one runtime's MasterResult, with a title line; `run`: the figures of the same run measured outside it. */
export function formatTable(result: MasterResult, run: SameRun): string {
  const rows: string[][] = [];
  for (const id of METRIC_IDS) {
    if (result.rows !== undefined && !result.rows.includes(id)) continue;
    const def = METRICS[id];
    const m = result.metrics[id];
    if (m === undefined) {
      rows.push([def.label, "failed", "-", "-", def.target, `no (${(result.errors[id] ?? "not measured").split("\n")[0]})`]);
      continue;
    }
    rows.push([
      def.label,
      formatValue(m.ours, def.unit),
      formatValue(m.raw, def.unit),
      def.ratioText(def.ratio(m)),
      def.target,
      verdict(def, m, run),
    ]);
  }
  const title = `${result.runtime} ${result.version} (master and workers on ${result.runtime}; ${
    (result.totalMs / 1000).toFixed(1)
  } s; load ${result.load.map((l) => l.toFixed(2)).join(" -> ")})`;
  return [title, ...layout(HEADER, rows)].join("\n");
}

/** Items/s as millions. */
function perSecond(value: number): string {
  return `${(value / 1e6).toFixed(2)} M items/s`;
}

/** A table with a header line and padded columns; the first column left-aligned. */
function layout(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(" | ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("-|-"), ...rows.map(line)];
}

/**
 * The peers table: round trip, tiny-item map, 128 MiB echo and 2-worker start, for Python
 * multiprocessing (`python`: its figures, null when python3 was not found, or an error) and
 * for us under each runtime in `results`. Our tiny-item map is the `pmapTiny` metric, shown
 * once a master reports it.
 */
export function formatPeersTable(results: readonly MasterResult[], python: PythonPeers | null | string): string {
  const py = typeof python === "object" && python !== null ? python : undefined;
  const pyMissing = python === null ? "not found" : "failed";
  const ours = (r: MasterResult, id: string, show: (m: Measurement) => string, missing: string): string => {
    const m = (r.metrics as Record<string, Measurement | undefined>)[id];
    if (m !== undefined) return show(m);
    return (r.errors as Record<string, string | undefined>)[id] !== undefined ? "failed" : missing;
  };
  const rows: Array<[string, string, (r: MasterResult) => string]> = [
    [
      "round trip, one trivial call",
      py ? formatValue(py.roundTripUs, "µs") : pyMissing,
      (r) => ours(r, "roundTrip", (m) => formatValue(m.ours, "µs"), "not measured"),
    ],
    [
      "tiny-item map (1e6 items, 2 workers)",
      py ? `${perSecond(py.mapItemsPerSec)} (chunksize 10k: ${perSecond(py.mapItemsPerSecChunk10k)})` : pyMissing,
      (r) => ours(r, "pmapTiny", (m) => perSecond(m.ours), "n/a (pmap in progress)"),
    ],
    [
      "128 MiB echo",
      py ? formatValue(py.echoGBps, "GB/s") : pyMissing,
      (r) => ours(r, "echo", (m) => formatValue(m.ours, "GB/s"), "not measured"),
    ],
    [
      "2-worker start, until both answer",
      py ? `${py.start2Ms.toFixed(0)} ms (fork; spawn ${py.start2SpawnMs.toFixed(0)} ms)` : pyMissing,
      (r) => ours(r, "start2", (m) => formatValue(m.ours, "ms"), "not measured"),
    ],
  ];
  const header = [
    "",
    py ? `Python ${py.python} multiprocessing` : "Python multiprocessing",
    ...results.map((r) => `ours, ${r.runtime} ${r.version}`),
  ];
  const body = rows.map(([label, pyCell, cell]) => [label, pyCell, ...results.map(cell)]);
  const notes: string[] = [];
  if (python === null) notes.push("Python was not found (no python3 on PATH), so there are no Python figures.");
  else if (typeof python === "string") notes.push(`Python peers failed: ${python}`);
  return ["Peers on this machine (same run)", ...layout(header, body), ...notes].join("\n");
}
