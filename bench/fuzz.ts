/**
 * Protocol fuzzing (`npm run fuzz`, i.e. `node dist/bench/fuzz.js [--frames=N] [--seed=S]
 * [--runtime=node,bun,deno]`): starts one worker per runtime from this process (the master,
 * which knows the cluster cookie), sends each `--frames` (default 10 000) random and mutated
 * frames before and after authentication (bench/fuzz-drive.ts), and prints per runtime the
 * frames sent, the connections the worker closed, crashes, the reasons the worker logged with
 * their counts, and whether it is still the same process and still answers calls.
 *
 * The master does not listen for connections (it connects to its workers), so there is no
 * master port to fuzz; a worker's port is the one any process can reach.
 *
 * With `--json`, it also prints one line `FUZZ_JSON <json>` with the same figures per runtime
 * (test/cluster/fuzz.test.ts reads it: fuzzing from inside tap, whose async hooks tax every
 * promise, took three times as long).
 *
 * Exits 1 when a worker crashed, changed, stopped answering, let an error escape, hung, or
 * closed a connection without saying why; a failing seed replays with `--seed`.
 *
 * @module
 */
import { clusterCookie, rmprocs, type RuntimeName } from "../src/mod.ts";
import { type FuzzReport, fuzzRuntime, startFuzzedWorker } from "./fuzz-cluster.ts";

const argv = process.argv.slice(2);
function option(name: string): string | undefined {
  return argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}
const frames = Number(option("frames") ?? 10_000);
const seed = Number(option("seed") ?? Date.now() % 1_000_000);
const runtimes = (option("runtime") ?? "node,bun,deno").split(",") as RuntimeName[];
const json = argv.includes("--json");
if (!(Number.isInteger(frames) && frames > 0)) throw new RangeError(`--frames must be a positive integer, got ${option("frames")}`);
if (!Number.isInteger(seed)) throw new RangeError(`--seed must be an integer, got ${option("seed")}`);

function problems(r: FuzzReport): string[] {
  const out: string[] = [];
  if (!r.alive) out.push(`OS process ${r.worker.ospid} is gone`);
  if (r.remoteOsPid !== r.worker.ospid) out.push(`answers from OS process ${String(r.remoteOsPid)}, not ${r.worker.ospid}`);
  if (r.answer !== r.worker.pid) out.push(`myid() answered ${String(r.answer)}, not ${r.worker.pid}`);
  if (r.escaped.length > 0) out.push(`${r.escaped.length} escaped errors, first: ${r.escaped[0]}`);
  if (r.stats.hangs > 0) out.push(`${r.stats.hangs} hangs`);
  if (r.stats.lost !== undefined) out.push(`stopped early: ${r.stats.lost}`);
  if (r.unexplained.length > 0) {
    out.push(
      `${r.unexplained.length} connections closed without a logged reason (local port: what was sent): ${
        r.unexplained.slice(0, 5).join("; ")
      }`,
    );
  }
  return out;
}

/** The figures of a report as plain data. */
function summary(r: FuzzReport): Record<string, unknown> {
  const { stderr: _stderr, onStderr: _onStderr, ...worker } = r.worker;
  const { needReason, kinds, ...stats } = r.stats;
  const plain = (v: unknown): unknown => (v instanceof Error ? `${v.name}: ${v.message}` : v);
  return {
    worker,
    stats: { ...stats, needReason: needReason.size, kinds: Object.fromEntries(kinds) },
    reasons: r.reasons.size,
    unexplained: r.unexplained,
    reasonCounts: r.reasonCounts,
    escaped: r.escaped,
    alive: r.alive,
    remoteOsPid: plain(r.remoteOsPid),
    answer: plain(r.answer),
    memory: r.memory,
    ms: r.ms,
  };
}

function print(r: FuzzReport): void {
  const s = r.stats;
  const crashes = r.alive && r.remoteOsPid === r.worker.ospid ? 0 : 1;
  const mib = (n: number): string => (Number.isNaN(n) ? "?" : `${Math.round(n)}`);
  console.log(`\n${r.worker.runtime} worker (OS pid ${r.worker.ospid}, ${r.worker.host}:${r.worker.port}), ${(r.ms / 1000).toFixed(1)} s`);
  console.log(
    `  frames sent ${s.framesSent} (processed at least ${s.framesProcessed}), connections ${s.connections}, closed by the worker ${s.closedByWorker}, answers ${s.answers}`,
  );
  console.log(
    `  crashes ${crashes}, escaped errors ${r.escaped.length}, hangs ${s.hangs}, closed without a reason ${r.unexplained.length}, slowest sentinel ${s.maxSentinelMs} ms`,
  );
  console.log(
    `  memory: RSS ${mib(r.memory.before.rss)} -> ${mib(r.memory.after.rss)} MiB, peak ${mib(r.memory.after.peak)} MiB; after: myid() = ${
      String(r.answer)
    }, OS pid ${String(r.remoteOsPid)}`,
  );
  console.log(
    `  time: before authentication ${s.phaseMs.preAuth} ms, odd pids ${s.phaseMs.oddPids} ms, after authentication ${s.phaseMs.postAuth} ms`,
  );
  console.log(`  frames by kind: ${[...s.kinds].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(", ")}`);
  console.log(`  reasons logged (${r.reasons.size}):`);
  for (const [kind, n] of r.reasonCounts) console.log(`    ${String(n).padStart(6)}  ${kind}`);
}

console.log(`fuzz: ${frames} frames per runtime, seed ${seed} (replay with --seed=${seed})`);
const cookie = clusterCookie();
const workers = await Promise.all(runtimes.map((runtime) => startFuzzedWorker(runtime)));
let failed = false;
try {
  const reports = await Promise.all(workers.map((w, i) => fuzzRuntime(w, cookie, { seed: seed + i * 1_000_003, frames })));
  if (json) console.log(`FUZZ_JSON ${JSON.stringify(reports.map(summary))}`);
  for (const r of reports) {
    print(r);
    const found = problems(r);
    if (found.length > 0) {
      failed = true;
      console.log(`  FAILED: ${found.join("; ")}`);
      console.log(`  the worker's last stderr lines:\n${r.worker.stderr.slice(-12).map((l) => `    | ${l}`).join("\n")}`);
    }
  }
} finally {
  await rmprocs(workers.map((w) => w.pid));
}
process.exitCode = failed ? 1 : 0;
