// Fuzzing a worker's port, for node, bun and deno workers at once (from a master process, which
// knows the cookie): 10 000+ random and mutated frames each, before authentication (garbage
// instead of AUTH), at its end (a correct MAC with odd pids) and after it (mutated frames on
// authenticated connections). The master itself does not listen, so a worker's port is the one
// to fuzz. Afterwards every worker must be the same OS process, still answer calls, have let
// no error escape, and have logged a reason for every connection it closed.
// The seed is fixed so that a failure replays; DISTRIBUTED_FUZZ_SEED=<n> tries another
// (`npm run fuzz -- --seed=<n>` runs the same thing outside tap, with a report).
import path from "node:path";
import t from "tap";
import { clusterCookie, rmprocs, type RuntimeName } from "../../src/mod.ts";
import { MSG } from "../../src/protocol/messages.ts";
import { frameBytes } from "../../bench/fuzz-frames.ts";
import { openAuthenticated, reasonsByPort } from "../../bench/fuzz-drive.ts";
import { type FuzzedWorker, startFuzzedWorker } from "../../bench/fuzz-cluster.ts";
import { alive, ROOT, runScriptInTime } from "../helpers/processes.ts";

const RUNTIMES: RuntimeName[] = ["node", "bun", "deno"];
const FRAMES = 10_000;
const SEED = Number(process.env.DISTRIBUTED_FUZZ_SEED ?? 20_260_614);

const cookie = clusterCookie();
const workers = await Promise.all(RUNTIMES.map((runtime) => startFuzzedWorker(runtime)));
t.teardown(() => rmprocs(workers.map((w) => w.pid)));

/** Waits (for the worker's stderr, an event) until it has logged a reason for `port`. */
function reasonFor(worker: FuzzedWorker, port: number, ms: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const look = (): boolean => {
      const reason = reasonsByPort(worker.stderr).get(port);
      if (reason === undefined) return false;
      clearTimeout(timer);
      resolve(reason);
      return true;
    };
    const timer = setTimeout(() => resolve(undefined), ms);
    worker.onStderr(() => void look());
    look();
  });
}

t.test("messages only the master sends are refused from another process, with a logged reason", async (t) => {
  for (const w of workers) {
    const target = { host: w.host, port: w.port, cookie };
    const cases: Array<[string, Uint8Array]> = [
      ["EXIT", frameBytes(MSG.EXIT, 0, null)],
      ["JOIN", frameBytes(MSG.JOIN, 5, { pid: 0, topology: "all_to_all", heartbeat: [1, 1] })],
      ["PEER_GONE", frameBytes(MSG.PEER_GONE, 0, { pid: 1, detail: "fuzz" })],
      ["INTERRUPT", frameBytes(MSG.INTERRUPT, 0, null)],
    ];
    for (const [i, [name, bytes]] of cases.entries()) {
      const s = await openAuthenticated(target, 90_000 + i);
      s.write(bytes);
      await s.closed;
      t.ok(s.closedByPeer, `${w.runtime}: the worker closed the connection that sent ${name}`);
      t.match(
        await reasonFor(w, s.localPort, 20_000),
        new RegExp(`it sent ${name}, which only the master \\(pid 1\\) sends`),
        `${w.runtime}: ${name}: the reason is logged`,
      );
    }
    const s = await openAuthenticated(target, 1);
    await s.closed;
    t.match(
      await reasonFor(w, s.localPort, 20_000),
      /claims to be the master \(pid 1\), and this worker already has one/,
      `${w.runtime}: a second master is refused with a reason`,
    );
    t.ok(alive(w.ospid), `${w.runtime}: the worker is still running`);
  }
  await rmprocs(workers.map((w) => w.pid)); // not needed by the fuzzing, which has its own
});

interface Summary {
  worker: { runtime: string; pid: number; ospid: number };
  stats: {
    framesSent: number;
    framesProcessed: number;
    connections: number;
    closedByWorker: number;
    hangs: number;
    needReason: number;
    maxSentinelMs: number;
    lost?: string;
    kinds: Record<string, number>;
  };
  reasons: number;
  unexplained: string[];
  reasonCounts: Array<[string, number]>;
  escaped: string[];
  alive: boolean;
  remoteOsPid: unknown;
  answer: unknown;
  memory: { after: { peak: number } };
  ms: number;
}

// Run as its own master process (npm run fuzz): inside tap, whose async hooks tax every
// promise, the same fuzzing took three times as long.
t.test(`${FRAMES}+ fuzz frames per runtime, before and after authentication (seed ${SEED})`, async (t) => {
  const run = await runScriptInTime(
    "node",
    path.join(ROOT, "dist", "bench", "fuzz.js"),
    [`--frames=${FRAMES}`, `--seed=${SEED}`, "--json"],
    { timeoutMs: 240_000 },
  );
  const line = run.stdout.split("\n").find((l) => l.startsWith("FUZZ_JSON "));
  if (line === undefined) throw new Error(`npm run fuzz printed no report (exit ${run.code}):\n${run.stdout}\n${run.stderr}`);
  const reports = JSON.parse(line.slice("FUZZ_JSON ".length)) as Summary[];
  t.same(reports.map((r) => r.worker.runtime), RUNTIMES, "one report per runtime");
  for (const r of reports) {
    const { runtime, pid, ospid } = r.worker;
    const s = r.stats;
    t.comment(
      `${runtime}: ${s.framesSent} frames sent, ${s.framesProcessed} processed, ${s.connections} connections, ${s.closedByWorker} closed by the worker, ` +
        `${r.reasons} reasons logged (${r.reasonCounts.length} kinds), slowest sentinel ${s.maxSentinelMs} ms, peak RSS ${
          Math.round(r.memory.after.peak)
        } MiB, ${r.ms} ms`,
    );
    t.equal(s.lost, undefined, `${runtime}: kept accepting and answering throughout`);
    t.ok(s.framesProcessed >= FRAMES, `${runtime}: at least ${FRAMES} frames processed (${s.framesProcessed})`);
    t.ok(Object.keys(s.kinds).length >= 12, `${runtime}: every kind of mutation was sent (${Object.keys(s.kinds).join(", ")})`);
    t.equal(s.hangs, 0, `${runtime}: no hang (every sentinel answered or the connection closed)`);
    t.same(r.escaped, [], `${runtime}: no uncaught exception or unhandled rejection on the worker`);
    t.ok(r.alive, `${runtime}: OS process ${ospid} is alive after the fuzzing`);
    t.equal(r.remoteOsPid, ospid, `${runtime}: it is the same OS process`);
    t.equal(r.answer, pid, `${runtime}: it still answers remotecallFetch`);
    t.ok(s.closedByWorker > 0, `${runtime}: the worker closed bad connections (${s.closedByWorker})`);
    t.same(r.unexplained, [], `${runtime}: every connection it closed or left mid-frame (${s.needReason}) has a logged reason`);
    t.ok(
      r.memory.after.peak < 400,
      `${runtime}: peak RSS ${Math.round(r.memory.after.peak)} MiB stays small (nothing allocated from a declared length)`,
    );
  }
  t.equal(run.code, 0, "npm run fuzz exits 0");
});
