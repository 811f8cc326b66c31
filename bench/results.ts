/**
 * What the benches report and what counts as meeting a target: the one place that ties each
 * metric to its row of the performance table in DESIGN.md. A per-runtime master
 * (bench/master.ts) prints a MasterResult as JSON; bench/run.ts collects them and
 * bench/table.ts prints them with these definitions.
 *
 * @module
 */

/** The metrics, in table order. */
export const METRIC_IDS = [
  "roundTrip",
  "roundTripPinned",
  "echo",
  "addprocs",
  "start2",
  "remotecall",
  "remotecallFetch",
  "channelRoundTrip",
  "channelThroughput",
  "pmapTiny",
  "pmapBatch1",
  "piEfficiency",
  "piWorkerCpu",
  "workers256",
] as const;

/** One metric's key. */
export type MetricId = (typeof METRIC_IDS)[number];

/** One measured metric: ours against the raw limit, both medians, in the metric's unit. */
export interface Measurement {
  ours: number;
  raw: number;
  /** Every sample, for the curious (same unit). */
  oursSamples: number[];
  rawSamples: number[];
}

/** What one per-runtime master prints on its last stdout line, after RESULT_PREFIX. */
export interface MasterResult {
  runtime: string;
  version: string;
  metrics: Partial<Record<MetricId, Measurement>>;
  /** Metrics that failed, with the error message. */
  errors: Partial<Record<MetricId, string>>;
  /** Wall time of the whole master run. */
  totalMs: number;
  /** 1-minute load average at the start and the end, to judge how noisy the machine was. */
  load: [number, number];
  /** The rows asked for with --rows= (absent: all). */
  rows?: MetricId[];
}

/** Marks the result line among the master's other output (e.g. forwarded worker output). */
export const RESULT_PREFIX = "BENCH_RESULT ";

/**
 * Figures of the same run measured outside the per-runtime masters, which some targets are
 * judged against (bench/run.ts fills it in before any table is printed).
 */
export interface SameRun {
  /** Python multiprocessing `Pool(2).map` over 1e6 tiny items (default chunksize), items/s; absent when Python did not run. */
  pythonMapItemsPerSec?: number;
}

/**
 * How a metric is shown and judged. Every verdict is computed from figures of the same run
 * (ours, the raw limit measured next to it, or `SameRun`) against the target DESIGN.md states;
 * `met` returns undefined when the row claims no target, or when the figure it is judged
 * against is missing from this run (the row is then "not judged", never "yes").
 */
export interface MetricDef {
  label: string;
  unit: string;
  /** The ratio column: our/raw time, or our/raw rate. */
  ratio: (m: Measurement) => number;
  ratioText: (r: number) => string;
  /** "-" when the row claims no target. */
  target: string;
  met: (m: Measurement, run: SameRun) => boolean | undefined;
  /** A fault worse than a missed target, named in the met column and in the summary (e.g. parallel slower than serial). */
  alarm?: (m: Measurement) => string | undefined;
}

/** What the met column says for one measured row: "yes", "NO", "NO: <alarm>", "-" (no target) or "not judged: <why>". */
export function verdict(def: MetricDef, m: Measurement, run: SameRun): string {
  const alarm = def.alarm?.(m);
  if (alarm !== undefined) return `NO: ${alarm}`;
  if (def.target === "-") return "-";
  const met = def.met(m, run);
  if (met === undefined) return "not judged: its reference figure is missing from this run";
  return met ? "yes" : "NO";
}

const timeRatio = (m: Measurement): number => m.ours / m.raw;
const times = (r: number): string => `${r.toFixed(2)} x`;
const percent = (r: number): string => `${(r * 100).toFixed(0)} %`;

/** The definitions, keyed by metric. */
export const METRICS: Record<MetricId, MetricDef> = {
  roundTrip: {
    label: "remotecallFetch round trip (vs 1-byte TCP ping-pong)",
    unit: "µs",
    ratio: timeRatio,
    ratioText: times,
    target: "<= 1.3 x",
    met: (m) => timeRatio(m) <= 1.3,
  },
  roundTripPinned: {
    label: "same, both pairs pinned to one CPU (taskset)",
    unit: "µs",
    ratio: timeRatio,
    ratioText: times,
    target: "<= 1.3 x",
    met: (m) => timeRatio(m) <= 1.3,
  },
  echo: {
    label: "128 MiB Float64Array echo (vs bare socket echo)",
    unit: "GB/s",
    ratio: (m) => m.ours / m.raw,
    ratioText: percent,
    target: ">= 70 %",
    met: (m) => m.ours / m.raw >= 0.7,
  },
  addprocs: {
    label: "addprocs(4) until ready (vs 4 bare listeners)",
    unit: "ms",
    ratio: timeRatio,
    ratioText: times,
    target: "<= 1.5 x",
    met: (m) => timeRatio(m) <= 1.5,
  },
  start2: {
    label: "addprocs(2) until ready (vs 2 bare listeners; for the peers table)",
    unit: "ms",
    ratio: timeRatio,
    ratioText: times,
    target: "-",
    met: () => undefined,
  },
  remotecall: {
    label: "remotecall + fetch, 10k in flight, 2 workers (vs raw framed RPC)",
    unit: "calls/s",
    ratio: (m) => m.ours / m.raw,
    ratioText: percent,
    target: ">= 60 %",
    met: (m) => m.ours / m.raw >= 0.6,
  },
  remotecallFetch: {
    label: "remotecallFetch, 10k in flight, 2 workers (vs raw framed RPC)",
    unit: "calls/s",
    ratio: (m) => m.ours / m.raw,
    ratioText: percent,
    target: ">= 150k/s",
    met: (m) => m.ours >= 150_000,
  },
  channelRoundTrip: {
    label: "RemoteChannel put+take, worker to a channel on another worker (vs a remotecallFetch between them)",
    unit: "µs",
    ratio: timeRatio,
    ratioText: times,
    target: "<= 1.3 x",
    met: (m) => timeRatio(m) <= 1.3,
  },
  channelThroughput: {
    label: "RemoteChannel items/s, 10k puts and 10k takes in flight (vs remotecallFetch calls/s in flight)",
    unit: "calls/s",
    ratio: (m) => m.ours / m.raw,
    ratioText: percent,
    target: ">= 60 %",
    met: (m) => m.ours / m.raw >= 0.6,
  },
  pmapTiny: {
    label: "pmap over 1e6 tiny items, batchSize auto, 2 workers (vs a local map)",
    unit: "calls/s",
    ratio: (m) => m.ours / m.raw,
    ratioText: percent,
    target: ">= 2 x Python",
    // Python runs after the masters (bench/run.ts); without it there is nothing to judge against.
    met: (m, run) => run.pythonMapItemsPerSec === undefined ? undefined : m.ours >= 2 * run.pythonMapItemsPerSec,
  },
  pmapBatch1: {
    label: "pmap with batchSize 1, 2 workers (vs remotecallFetch in flight)",
    unit: "calls/s",
    ratio: (m) => m.ours / m.raw,
    ratioText: percent,
    target: ">= 30k/s",
    met: (m) => m.ours >= 30_000,
  },
  piEfficiency: {
    label: "seed 000 pi (distributed, 1e9 terms), 2 workers: parallel efficiency (vs 1.0)",
    unit: "x",
    ratio: (m) => m.ours / m.raw,
    ratioText: (r) => `${(r * 100).toFixed(0)} %`,
    target: ">= 0.95",
    met: (m) => m.ours >= 0.95,
    // Efficiency below 1/2 on 2 workers: the parallel run took longer than the serial one.
    alarm: (m) => (m.ours < 0.5 ? "parallel slower than serial" : undefined),
  },
  piWorkerCpu: {
    label: "same pi, CPU: the master's serial CPU time vs the workers' CPU time, distributed or pmap, the worse (1.0: as fast per term)",
    unit: "x",
    ratio: (m) => m.ours / m.raw,
    ratioText: (r) => `${(r * 100).toFixed(0)} %`,
    // A diagnostic, immune to other load on the machine: the wall-time row above is the target.
    target: "-",
    met: () => undefined,
    alarm: (m) => (m.ours < 0.5 ? "the workers ran the kernel over 2x slower than the master" : undefined),
  },
  workers256: {
    label: "256 local workers (lazy all_to_all): addprocs + a pmap over all (ms; vs 1 worker)",
    unit: "ms",
    ratio: timeRatio,
    ratioText: times,
    target: "<= 5000 ms",
    met: (m) => m.ours <= 5000,
  },
};
