/**
 * Prints one runtime's results as a table: metric, ours, raw limit, ratio, target, met.
 * Plain text with padded columns, so it reads the same in a terminal, a CI log or a review.
 *
 * @example
 * ```ts
 * console.log(formatTable(result));
 * ```
 * @module
 */
import { METRIC_IDS, METRICS, type MasterResult } from "./results.ts";

const HEADER = ["metric", "ours", "raw limit", "ratio", "target", "met"];

/** Formats a value in its unit for the table. */
export function formatValue(value: number, unit: string): string {
  if (unit === "calls/s") return `${(value / 1000).toFixed(0)}k/s`;
  if (unit === "GB/s") return `${value.toFixed(2)} GB/s`;
  if (unit === "ms") return `${value.toFixed(0)} ms`;
  return `${value.toFixed(1)} ${unit}`;
}

/** The table for one runtime's MasterResult, with a title line. */
export function formatTable(result: MasterResult): string {
  const rows: string[][] = [];
  for (const id of METRIC_IDS) {
    const def = METRICS[id];
    const m = result.metrics[id];
    if (m === undefined) {
      rows.push([def.label, "failed", "-", "-", def.target, `no (${result.errors[id] ?? "not measured"})`]);
      continue;
    }
    rows.push([def.label, formatValue(m.ours, def.unit), formatValue(m.raw, def.unit), def.ratioText(def.ratio(m)), def.target, def.target === "-" ? "-" : def.met(m) ? "yes" : "NO"]);
  }
  const widths = HEADER.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(" | ");
  const title = `${result.runtime} ${result.version} (master and workers on ${result.runtime}; ${(result.totalMs / 1000).toFixed(1)} s; load ${result.load.map((l) => l.toFixed(2)).join(" -> ")})`;
  return [title, line(HEADER), widths.map((w) => "-".repeat(w)).join("-|-"), ...rows.map(line)].join("\n");
}
