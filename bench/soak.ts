/**
 * The soak (`npm run soak -- --minutes N [--runtime node|bun|deno|mixed] [--workers N] [--json]`,
 * i.e. `node dist/bench/soak.js ...`): for each runtime in turn (default: node, bun, deno, then
 * mixed), N minutes (default 1; fractions allowed) of a mixed workload on a cluster whose
 * workers are SIGKILLed at random and replaced (bench/soak-master.ts, started as a process of
 * that runtime; mixed: a node master with node, bun and deno workers in turn).
 *
 * Per runtime it prints the items done and lost per workload, the kills and replacements, the
 * orphans (workers alive after rmprocs, and any process of the run alive 5 s after its master
 * exited, found through a marker in their environment), and the master's open handles, file
 * descriptors, RSS and remote-reference counts at the start and the end, with the bound each
 * end figure must keep (soak-figures.ts BOUNDS). The exit code is 1 when any runtime failed:
 * an item lost or counted twice, an orphan, a figure out of its bound, or any of the other
 * reasons in soak-result.ts failures().
 *
 * @module
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { findBinary, type Runtime } from "./runtimes.ts";
import { failures, RESULT_PREFIX, type SoakResult, type SoakRun, totals } from "./soak-result.ts";

const CHOICES = ["node", "bun", "deno", "mixed"] as const;
type Choice = (typeof CHOICES)[number];
/** How long a master may take beyond its minutes (start-up, drain, removal) before it is killed. */
const SLACK_MS = 180_000;
/** How long a master may take to exit by itself after printing its result. */
const EXIT_MS = 15_000;
/** How long the run's processes get to go after their master exited (DESIGN: within seconds). */
const ORPHAN_GRACE_MS = 5_000;

function arg(name: string): string | undefined {
  const argv = process.argv.slice(2);
  const i = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return undefined;
  const a = argv[i]!;
  return a.includes("=") ? a.slice(a.indexOf("=") + 1) : argv[i + 1];
}

function usage(message: string): never {
  process.stderr.write(`soak: ${message}\nusage: npm run soak -- --minutes N [--runtime node|bun|deno|mixed] [--workers N] [--json]\n`);
  process.exit(2);
}

const minutes = Number(arg("minutes") ?? "1");
if (!(minutes > 0)) usage(`--minutes must be a positive number, got ${arg("minutes")}`);
const chosen = arg("runtime");
if (chosen !== undefined && !(CHOICES as readonly string[]).includes(chosen)) {
  usage(`--runtime must be one of ${CHOICES.join(", ")}, got ${chosen}`);
}
const workers = arg("workers") ?? "4";
const root = fileURLToPath(new URL(import.meta.url.includes("/dist/bench/") ? "../../" : "../", import.meta.url));
// Always the compiled master, as bench/run.ts does: every runtime runs the same code.
const masterScript = join(root, "dist", "bench", "soak-master.js");

/** The command of a master under `runtime`, with a full GC available (for the RSS figures). */
function masterCommand(choice: Choice, args: string[]): { file: string; args: string[] } {
  const runtime: Runtime = choice === "mixed" ? "node" : choice;
  const file = findBinary(runtime);
  if (runtime === "deno") return { file, args: ["run", "--allow-all", "--v8-flags=--expose-gc", masterScript, ...args] };
  if (runtime === "node") return { file, args: ["--expose-gc", masterScript, ...args] };
  return { file, args: [masterScript, ...args] };
}

/** OS pids of live (not zombie) processes whose environment carries `marker`. */
function marked(marker: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (!readFileSync(`/proc/${name}/environ`, "latin1").split("\0").includes(marker)) continue;
      if (/^\d+ \(.*\) [ZX] /s.test(readFileSync(`/proc/${name}/stat`, "latin1"))) continue;
      out.push(Number(name));
    } catch {
      // The process ended while we looked: not an orphan.
    }
  }
  return out;
}

async function orphansOf(marker: string): Promise<number[]> {
  const until = Date.now() + ORPHAN_GRACE_MS;
  let left = marked(marker);
  // Polling /proc: there is no event for another process's exit.
  while (left.length > 0 && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 100));
    left = marked(marker);
  }
  for (const pid of left) process.kill(pid, "SIGKILL");
  return left;
}

/** Runs one master; resolves with its run, or why there is none. */
async function runOne(choice: Choice): Promise<SoakRun | string> {
  if (!existsSync(masterScript)) return `${masterScript} is missing; build first with node scripts/build.mjs`;
  const seconds = Math.max(1, Math.round(minutes * 60));
  let command: { file: string; args: string[] };
  try {
    command = masterCommand(choice, [`--seconds=${seconds}`, `--runtime=${choice}`, `--workers=${workers}`]);
  } catch (err) {
    return (err as Error).message;
  }
  const marker = `DISTRIBUTED_SOAK_MARKER=${process.pid}-${choice}-${Date.now()}`;
  const env: NodeJS.ProcessEnv = { ...process.env, DISTRIBUTED_SOAK_MARKER: marker.slice(marker.indexOf("=") + 1) };
  delete env.NODE_EXTRA_CA_CERTS;
  const child = spawn(command.file, command.args, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let resultAt: number | null = null;
  let killedAfterResult = false;
  let exitTimer: ReturnType<typeof setTimeout> | undefined;
  child.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString();
    if (resultAt === null && out.includes(RESULT_PREFIX) && out.slice(out.indexOf(RESULT_PREFIX)).includes("\n")) {
      resultAt = Date.now();
      exitTimer = setTimeout(() => {
        killedAfterResult = true;
        child.kill("SIGKILL");
      }, EXIT_MS);
    }
  });
  child.stderr.on("data", (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n")) if (line !== "") process.stderr.write(`[${choice}] ${line}\n`);
  });
  const overall = setTimeout(() => child.kill("SIGKILL"), seconds * 1000 + SLACK_MS);
  const status = await new Promise<string>((resolve) => {
    child.once("error", (err) => resolve(`could not start ${command.file}: ${err.message}`));
    child.once("close", (code, signal) => resolve(signal ?? `code ${code}`));
  });
  const exitedAt = Date.now();
  clearTimeout(overall);
  clearTimeout(exitTimer);
  const orphansAfterExit = await orphansOf(marker);
  const line = out.split("\n").find((l) => l.startsWith(RESULT_PREFIX));
  if (line === undefined) {
    return `the ${choice} master ended (${status}) without a result${
      orphansAfterExit.length > 0 ? `; orphans ${orphansAfterExit.join(", ")}` : ""
    }`;
  }
  const result = JSON.parse(line.slice(RESULT_PREFIX.length)) as SoakResult;
  return { ...result, orphansAfterExit, exitMs: killedAfterResult || resultAt === null ? null : exitedAt - resultAt };
}

function pad(s: unknown, n: number): string {
  return String(s).padStart(n);
}

/** The report of one run. */
function formatRun(run: SoakRun): string {
  const failed = failures(run);
  const t = totals(run);
  const lines = [
    `soak ${run.runtime} (${run.masterRuntime} master, ${run.workers} workers, ${run.seconds} s): ${failed.length === 0 ? "PASS" : "FAIL"}`,
    `  items done ${t.done}, lost ${t.lost}, counted twice ${t.duplicates}, resubmitted after a death ${t.resubmitted}`,
    `  ${"workload".padEnd(18)}${pad("done", 8)}${pad("lost", 6)}${pad("dup", 5)}${pad("resub", 7)}${pad("wrong", 7)}${
      pad("unexp", 7)
    }  notes`,
  ];
  for (const [name, s] of Object.entries(run.streams)) {
    const notes = Object.entries(s.notes).map(([k, v]) => `${k} ${v}`).join(", ");
    lines.push(
      `  ${name.padEnd(18)}${pad(s.done, 8)}${pad(s.lost + s.vanished, 6)}${pad(s.duplicates, 5)}${pad(s.resubmitted, 7)}${
        pad(s.wrong, 7)
      }${pad(s.unexpected, 7)}  ${notes}`,
    );
    for (const e of s.errors) lines.push(`      ${e}`);
  }
  const k = run.killer;
  lines.push(
    `  kills ${k.kills} (not noticed in time ${k.unnoticed}), replacements ${k.replacements} (failed addprocs ${k.replaceFailures}), exits without a kill ${k.unexpectedExits}`,
  );
  for (const e of k.errors) lines.push(`      ${e}`);
  lines.push(
    `  orphans ${run.orphans.length + run.orphansAfterExit.length} (after rmprocs ${run.orphans.length}, ${
      ORPHAN_GRACE_MS / 1000
    } s after the master exited ${run.orphansAfterExit.length})`,
  );
  lines.push(`  master figures      start      end   bound (end - start <=)`);
  const row = (label: string, a: number | null, b: number | null, bound: number): void => {
    lines.push(`  ${label.padEnd(16)}${pad(a ?? "n/a", 9)}${pad(b ?? "n/a", 9)}   +${bound}`);
  };
  row("active handles", run.start.handles, run.end.handles, run.bounds.handles);
  row("open fds", run.start.fds, run.end.fds, run.bounds.fds);
  row("RSS MiB", run.start.rssMiB, run.end.rssMiB, run.bounds.rssMiB);
  row("heap MiB", run.start.heapMiB, run.end.heapMiB, run.bounds.heapMiB);
  row("refs owned", run.start.ownedRefs, run.end.ownedRefs, run.bounds.ownedRefs);
  row("refs held", run.start.heldRefs, run.end.heldRefs, run.bounds.heldRefs);
  row("workers' refs", run.start.workerRefs, run.end.workerRefs, run.bounds.workerRefs);
  lines.push(
    `  hung workloads: ${
      run.hung.length === 0 ? "none" : run.hung.join(", ")
    }; unhandled rejections: ${run.unhandledRejections.length}; master exited ${
      run.exitMs === null ? "NOT by itself" : `by itself ${(run.exitMs / 1000).toFixed(1)} s after its result`
    }`,
  );
  for (const u of run.unhandledRejections.slice(0, 5)) lines.push(`      ${u}`);
  if (failed.length > 0) lines.push(...failed.map((f) => `  FAIL: ${f}`));
  return lines.join("\n");
}

const choices: Choice[] = chosen !== undefined ? [chosen as Choice] : [...CHOICES];
const runs: SoakRun[] = [];
let broken = 0;
for (const choice of choices) {
  process.stderr.write(`soak: ${choice}, ${minutes} minute(s)\n`);
  const run = await runOne(choice);
  if (typeof run === "string") {
    broken++;
    process.stdout.write(`soak ${choice}: FAIL: ${run}\n\n`);
    continue;
  }
  runs.push(run);
  process.stdout.write(`${formatRun(run)}\n\n`);
}
if (process.argv.includes("--json")) process.stdout.write(`${JSON.stringify(runs)}\n`);
const failedRuns = runs.filter((r) => failures(r).length > 0).length + broken;
process.stdout.write(
  failedRuns === 0 ? `soak: all ${choices.length} run(s) passed\n` : `soak: ${failedRuns} of ${choices.length} run(s) FAILED\n`,
);
process.exitCode = failedRuns === 0 ? 0 : 1;
