/**
 * The bench entry (`npm run bench`, i.e. `node dist/bench/run.js [node] [bun] [deno] [--quick] [--json]`).
 *
 * For each runtime in turn (never in parallel: the machine has two cores, and the numbers are
 * ratios against raw limits measured in the same run, so the runs must not disturb each
 * other), it starts bench/master as a subprocess under that runtime, collects the JSON result
 * line from its stdout, and prints one table per runtime. Then it runs Python multiprocessing
 * on the same tasks (bench/python.ts; skipped when there is no python3) and prints the peers
 * table, Python next to our figures on each runtime.
 *
 * Each master is bounded by a timeout and killed if it overruns; its workers and bare children
 * exit when their link to it drops.
 *
 * @module
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runPythonPeers } from "./python.ts";
import { type MasterResult, METRIC_IDS, METRICS, RESULT_PREFIX, type SameRun, verdict } from "./results.ts";
import { type Runtime, RUNTIMES, scriptCommand } from "./runtimes.ts";
import { formatPeersTable, formatTable } from "./table.ts";

const MASTER_TIMEOUT_MS = 120_000;

const argv = process.argv.slice(2);
const chosen = argv.filter((a): a is Runtime => (RUNTIMES as readonly string[]).includes(a));
const unknown = argv.filter((a) => !a.startsWith("--") && !chosen.includes(a as Runtime));
if (unknown.length > 0) {
  process.stderr.write(`Unknown runtime(s) ${unknown.join(", ")}; choose from ${RUNTIMES.join(", ")}\n`);
  process.exit(2);
}
const runtimes = chosen.length > 0 ? chosen : RUNTIMES;
// --quick shrinks every measurement; --no-256 skips the 256-worker start (about a minute per runtime).
const masterFlags = argv.filter((a) => a === "--quick" || a === "--no-256");
// --rows=pmapTiny,piEfficiency measures only those rows (the ids of bench/results.ts); Python
// runs only for pmapTiny, the 256-worker phase only for workers256.
const rowsFlag = argv.find((a) => a.startsWith("--rows="));
const only = rowsFlag === undefined ? undefined : rowsFlag.slice("--rows=".length).split(",");
const badRows = only?.filter((id) => !(METRIC_IDS as readonly string[]).includes(id)) ?? [];
if (badRows.length > 0) {
  process.stderr.write(`Unknown row(s) ${badRows.join(", ")}; choose from ${METRIC_IDS.join(", ")}\n`);
  process.exit(2);
}
const wants = (id: string): boolean => only === undefined || only.includes(id);
const root = fileURLToPath(new URL(import.meta.url.includes("/dist/bench/") ? "../../" : "../", import.meta.url));
// Always the compiled master, also when this file runs from source under Bun or Deno: Node 20
// cannot run .ts, and every runtime should measure the same code.
const masterScript = join(root, "dist", "bench", "master.js");

/** Runs the master bench under `runtime`; resolves with its result, or an error message. */
function runMaster(runtime: Runtime, phase: "--no-256" | "--only-256"): Promise<MasterResult | string> {
  let command: { file: string; args: string[] };
  try {
    if (!existsSync(masterScript)) throw new Error(`${masterScript} is missing; build first with node scripts/build.mjs`);
    command = scriptCommand(runtime, masterScript, [
      ...masterFlags.filter((f) => f !== "--no-256"),
      phase,
      ...(rowsFlag ? [rowsFlag] : []),
    ]);
  } catch (err) {
    return Promise.resolve((err as Error).message);
  }
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  const child = spawn(command.file, command.args, { cwd: root, env, stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve) => {
    let out = "";
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGTERM");
      setTimeout(() => child.kill("SIGKILL"), 5000).unref();
    }, MASTER_TIMEOUT_MS);
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.once("error", (err) => {
      clearTimeout(timer);
      resolve(`could not start ${command.file}: ${err.message}`);
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      const lines = out.split("\n");
      for (const line of lines) if (line !== "" && !line.startsWith(RESULT_PREFIX)) process.stdout.write(`[${runtime} master] ${line}\n`);
      const resultLine = lines.find((l) => l.startsWith(RESULT_PREFIX));
      if (resultLine !== undefined) return resolve(JSON.parse(resultLine.slice(RESULT_PREFIX.length)) as MasterResult);
      resolve(timedOut ? `timed out after ${MASTER_TIMEOUT_MS / 1000} s` : `exited (${signal ?? `code ${code}`}) without a result`);
    });
  });
}

const started = performance.now();
const results: MasterResult[] = [];
const failed = new Map<string, string>();
for (const runtime of runtimes) {
  process.stderr.write(`bench: ${runtime} master starting\n`);
  const r = await runMaster(runtime, "--no-256");
  if (typeof r === "string") failed.set(runtime, r);
  else results.push(r);
}
if (wants("pmapTiny")) process.stderr.write("bench: python peers starting\n");
const python = wants("pmapTiny") ? await runPythonPeers(root, masterFlags.includes("--quick")) : "not run (--rows without pmapTiny)";
// Last: starting 256 workers loads the machine for a while after they are gone, which would
// disturb every measurement that followed.
if (!masterFlags.includes("--no-256") && wants("workers256")) {
  for (const r of results) {
    process.stderr.write(`bench: ${r.runtime} 256 workers\n`);
    const big = await runMaster(r.runtime as Runtime, "--only-256");
    if (typeof big === "string") r.errors.workers256 = big;
    else Object.assign(r.metrics, big.metrics), Object.assign(r.errors, big.errors);
  }
}
const failures = failed.size;
const sameRun: SameRun = typeof python === "object" && python !== null ? { pythonMapItemsPerSec: python.mapItemsPerSec } : {};
const tables = [...results.map((r) => formatTable(r, sameRun)), ...[...failed].map(([runtime, why]) => `${runtime}: FAILED: ${why}`)];

const peers = wants("pmapTiny") ? `${formatPeersTable(results, python)}\n\n` : "";
process.stdout.write(`\n${tables.join("\n\n")}\n\n${peers}`);
// Only rows that were measured, judged and met count as met; a row without a target is not
// counted either way, and a row whose reference figure is missing is "not judged".
const rowIds = only === undefined ? METRIC_IDS : METRIC_IDS.filter((id) => only.includes(id));
const verdicts = results.flatMap((r) =>
  rowIds.map((id) => {
    const m = r.metrics[id];
    return { row: `${r.runtime}: ${METRICS[id].label}`, says: m === undefined ? "NO: not measured" : verdict(METRICS[id], m, sameRun) };
  })
);
const missed = verdicts.filter((v) => v.says.startsWith("NO")).map((v) => `${v.row}${v.says === "NO" ? "" : ` (${v.says.slice(4)})`}`);
const unjudged = verdicts.filter((v) => v.says.startsWith("not judged")).map((v) => v.row);
if (failures > 0) process.stdout.write(`${failures} runtime(s) failed to report; their targets are not judged.\n`);
if (missed.length > 0) process.stdout.write(`Targets missed (${missed.length}):\n${missed.map((m) => `  - ${m}`).join("\n")}\n`);
if (unjudged.length > 0) {
  process.stdout.write(
    `Not judged, their reference figure is missing (${unjudged.length}):\n${unjudged.map((m) => `  - ${m}`).join("\n")}\n`,
  );
}
if (missed.length === 0 && unjudged.length === 0 && results.length > 0) {
  process.stdout.write(
    `All targets${only === undefined ? "" : ` of the rows run (${only.join(", ")})`} met on ${results.map((r) => r.runtime).join(", ")}.\n`,
  );
}
process.stdout.write(`Total bench time ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
if (argv.includes("--json")) process.stdout.write(`${JSON.stringify(results)}\n`);
process.exitCode = failures > 0 ? 1 : 0;
