// The bench's verdicts (bench/results.ts, bench/table.ts): every row that claims a target is
// judged from figures of the same run, so each one can say NO; a row without a target never
// says yes; pmap's tiny-item row is judged against Python's figure of the same run, and is
// "not judged" (never "yes") when Python did not run.
import t from "tap";
import { type MasterResult, type Measurement, METRIC_IDS, METRICS, type SameRun, verdict } from "../../bench/results.ts";
import { formatTable } from "../../bench/table.ts";

const m = (ours: number, raw: number): Measurement => ({ ours, raw, oursSamples: [ours], rawSamples: [raw] });
// Extremes in both directions: a verdict computed from the figures says NO to one of them.
const extremes = [m(1e-9, 1), m(1e9, 1), m(1, 1e-9), m(1, 1e9)];
const python: SameRun = { pythonMapItemsPerSec: 1e6 };

t.test("every row that claims a target can miss it, judged from its figures", (t) => {
  for (const id of METRIC_IDS) {
    const def = METRICS[id];
    const says = extremes.map((x) => verdict(def, x, python));
    if (def.target === "-") {
      t.notOk(says.includes("yes"), `${id}: no target, never "yes" (${says.join(", ")})`);
      continue;
    }
    t.ok(says.some((s) => s.startsWith("NO")), `${id} (${def.target}) says NO to a figure: ${says.join(", ")}`);
    t.ok(says.includes("yes"), `${id} (${def.target}) says yes to a figure: ${says.join(", ")}`);
  }
  t.end();
});

t.test("pmap's tiny items: 2 x Python of the same run, not judged without Python", (t) => {
  const def = METRICS.pmapTiny;
  t.equal(verdict(def, m(2.5e6, 1e7), python), "yes", "2.5x Python");
  t.equal(verdict(def, m(1.5e6, 1e7), python), "NO", "1.5x Python: above Python, below the target");
  t.equal(verdict(def, m(0.86e6, 1e7), python), "NO", "below Python (bun's figure in issue 18)");
  t.match(verdict(def, m(9e9, 1e7), {}), /^not judged/, "no Python in this run: not judged, whatever our figure");
  t.end();
});

t.test("the pi rows: slower in parallel than serial is named, not just missed", (t) => {
  t.equal(verdict(METRICS.piEfficiency, m(0.97, 1), {}), "yes");
  t.equal(verdict(METRICS.piEfficiency, m(0.8, 1), {}), "NO");
  t.equal(verdict(METRICS.piEfficiency, m(0.15, 1), {}), "NO: parallel slower than serial");
  t.equal(verdict(METRICS.piWorkerCpu, m(0.99, 1), {}), "-", "a diagnostic row claims no target");
  t.match(verdict(METRICS.piWorkerCpu, m(0.19, 1), {}), /^NO: the workers ran the kernel over 2x slower/);
  t.end();
});

t.test("the table prints the verdicts, and only the rows asked for", (t) => {
  const result: MasterResult = {
    runtime: "bun",
    version: "1.4.5",
    metrics: { pmapTiny: m(0.86e6, 1e7), pmapBatch1: m(40_000, 50_000) },
    errors: {},
    totalMs: 1000,
    load: [1, 1],
    rows: ["pmapTiny", "pmapBatch1"],
  };
  const withPython = formatTable(result, python).split("\n");
  t.equal(withPython.length, 5, "title, header, rule and two rows");
  t.match(withPython[2 + 1], /^pmap over 1e6 tiny items.*\| +NO$/);
  t.match(withPython[2 + 2], /^pmap with batchSize 1.*\| +yes$/);
  t.match(formatTable(result, {}), /not judged: its reference figure is missing from this run/);
  t.end();
});
