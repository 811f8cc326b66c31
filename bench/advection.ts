/**
 * Advection bench (`npm run bench:advection`, i.e. `node dist/bench/advection.js [--n=N]
 * [--nt=T] [--sweeps=S] [--rounds=R] [node] [bun] [deno]`): seed 003's advection kernel
 * (examples/threads/advection-kernel.ts, `q[i,j,t+1] = q[i,j,t] + u[i,j,t]` over two N×N×T
 * SharedArrays) on 2 worker processes against serial, and against the same on 2 thread
 * workers, for each runtime in turn (master and workers of that runtime), in one run.
 *
 * Per runtime, in one master: two worker processes (`addprocs(2)`) and two thread workers
 * (`addprocs(2, { manager: "threads" })`) are started, each pair with its own q and u whose
 * participants (`pids`) are that pair: a /dev/shm mapping for the processes, a
 * SharedArrayBuffer for the threads. One sample of a parallel way is seed 003's
 * `advection_shared!` done S times (default 100; bench/advection-task.ts): each worker runs its
 * half of the columns for all time steps S times in one call, and the master awaits both
 * calls. So there is one round trip per sample, and the work (default 200×200×99 additions ×
 * 100: half a second serially under Bun, the fastest here, 1.3 s under Node) dwarfs it; the table shows both. (One sweep of arrays
 * that fit in memory is tens of ms, too little against a round trip of a few ms on a loaded
 * machine; every sweep leaves the same q.) Serial is the same kernel on the whole array in the
 * master, S times, on each pair's arrays (which also compares access to a mapping with access
 * to a SharedArrayBuffer). q's time steps after the first are zeroed
 * before every sample (not timed), and every way's q must equal serial's, element for element.
 *
 * The four ways run alternately, their order rotating every round (a burst of load from
 * another tenant of this machine lands on all of them), one unrecorded warm-up round first;
 * the figures are medians of `--rounds` (default 7). Efficiency = serial / (2 × parallel),
 * against the serial run on the same memory of the same run; the target is >= 0.9 for the
 * worker processes (PASS or MISS), computed from this run's figures. On a machine shared with
 * other work, the workers get less than two cores, and the load printed with each table says
 * how busy it was.
 *
 * Always the compiled bench runs (dist/bench/advection.js), also under Bun and Deno: the kernel
 * module imports the package ("distributed", i.e. dist/src/mod.js), and the bench must use
 * the same copy of the library. The runtimes run one after another, never at the same time.
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { addprocs, everywhere, remotecallFetch, rmprocs, SharedArray } from "../src/mod.ts";
import { advectionSerialSweeps, advectionSweeps, type SweepReport } from "./advection-task.ts";
import { currentRuntime, type Runtime, RUNTIMES, runtimeVersion, scriptCommand } from "./runtimes.ts";
import { type AdvectionResult, formatAdvection, processEfficiency, TARGET, WORKERS } from "./advection-table.ts";
import { median, now } from "./stats.ts";
import { positiveIntOption } from "./options.ts";

const argv = process.argv.slice(2);
const option = positiveIntOption;
const N = option("n", 200);
const NT = option("nt", 100);
const SWEEPS = option("sweeps", 100);
const ROUNDS = option("rounds", 7);
const RESULT = "ADVECTION-RESULT ";

async function measureHere(): Promise<AdvectionResult> {
  const started = now();
  const load0 = loadavg()[0]!;
  const taskUrl = new URL(`./advection-task.${import.meta.url.endsWith(".ts") ? "ts" : "js"}`, import.meta.url);
  const processes = await addprocs(WORKERS);
  const threadWorkers = await addprocs(WORKERS, { manager: "threads" });
  try {
    await everywhere(taskUrl);
    const shape = [N, N, NT];
    const plane = N * N;
    const pair = (pids: readonly number[]): { q: SharedArray; u: SharedArray } => {
      const q = new SharedArray(Float64Array, shape, { pids });
      const u = new SharedArray(Float64Array, shape, { pids });
      for (let k = 0; k < u.length; k++) u.data[k] = ((Math.imul(k, 2654435761) >>> 0) % 1000) / 1000 - 0.5;
      for (let k = 0; k < plane; k++) q.data[k] = Math.sin(k / 97);
      return { q, u };
    };
    const arrays = { processes: pair(processes), threads: pair(threadWorkers) };
    if (!arrays.processes.q.mapped || arrays.threads.q.mapped) {
      throw new Error("expected a mapping for the processes' arrays and a SharedArrayBuffer for the threads'");
    }
    let expected: Float64Array | undefined;
    let identical = true;
    const busy: Record<string, number[]> = { processes: [], threads: [] };

    const serial = (which: "processes" | "threads") => (): void => {
      const { q, u } = arrays[which];
      advectionSerialSweeps(q, u, SWEEPS);
    };
    const parallel = (which: "processes" | "threads", pids: readonly number[]) => async (): Promise<void> => {
      const { q, u } = arrays[which];
      const reports: SweepReport[] = await Promise.all(pids.map((p) => remotecallFetch(advectionSweeps, p, q, u, SWEEPS)));
      busy[which]!.push(Math.max(...reports.map((r) => r.ms)));
    };
    // The same two calls with the same arrays and no work: what one run's coordination costs.
    const noWork = (which: "processes" | "threads", pids: readonly number[]) => async (): Promise<void> => {
      const { q, u } = arrays[which];
      await Promise.all(pids.map((p) => remotecallFetch((q: SharedArray, u: SharedArray) => q.length + u.length, p, q, u)));
    };
    const ways: Array<[string, "processes" | "threads", () => unknown]> = [
      ["serialMapped", "processes", serial("processes")],
      ["processes", "processes", parallel("processes", processes)],
      ["serialShared", "threads", serial("threads")],
      ["threads", "threads", parallel("threads", threadWorkers)],
      ["noWorkProcesses", "processes", noWork("processes", processes)],
      ["noWorkThreads", "threads", noWork("threads", threadWorkers)],
    ];
    const samples = new Map<string, number[]>(ways.map(([name]) => [name, []]));
    for (let round = 0; round <= ROUNDS; round++) {
      for (let w = 0; w < ways.length; w++) {
        const [name, which, run] = ways[(w + round) % ways.length]!;
        const { q } = arrays[which];
        if (!name.startsWith("noWork")) q.data.fill(0, plane);
        const t = now();
        await run();
        const ms = now() - t;
        if (round > 0) samples.get(name)!.push(ms);
        if (name.startsWith("noWork")) continue;
        if (expected === undefined) expected = q.data.slice();
        else if (round <= 1 && !q.data.every((v, k) => v === expected![k])) identical = false;
      }
    }
    const ms = Object.fromEntries([...samples].map(([name, xs]) => [name, median(xs)]));
    const busyMs = Object.fromEntries(Object.entries(busy).map(([name, xs]) => [name, median(xs.slice(-ROUNDS))]));
    const load: [number, number] = [load0, loadavg()[0]!];
    return { runtime: currentRuntime(), version: runtimeVersion(), load, seconds: (now() - started) / 1000, ms, busyMs, identical };
  } finally {
    await rmprocs([...processes, ...threadWorkers]);
  }
}

if (argv.includes("--here")) {
  const result = await measureHere();
  console.log(`${RESULT}${JSON.stringify(result)}`);
} else {
  const chosen = argv.filter((a): a is Runtime => (RUNTIMES as readonly string[]).includes(a));
  const script = fileURLToPath(import.meta.url).replace(/\/bench\/advection\.ts$/, "/dist/bench/advection.js");
  const started = now();
  const tables: string[] = [];
  const missed: string[] = [];
  for (const runtime of chosen.length > 0 ? chosen : RUNTIMES) {
    process.stderr.write(`bench: advection under ${runtime}\n`);
    const { file, args } = scriptCommand(runtime, script, [...argv.filter((a) => a.startsWith("--")), "--here"]);
    const run = spawnSync(file, args, { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], timeout: 170_000 });
    const line = (run.stdout ?? "").split("\n").find((l) => l.startsWith(RESULT));
    if (line === undefined) {
      tables.push(`${runtime}: FAILED (${run.error?.message ?? `exit ${run.status ?? run.signal}`})`);
      missed.push(runtime);
      continue;
    }
    const result = JSON.parse(line.slice(RESULT.length)) as AdvectionResult;
    tables.push(formatAdvection(result));
    if (!(processEfficiency(result) >= TARGET) || !result.identical) missed.push(runtime);
  }
  const mib = (N * N * NT * 8) / 2 ** 20;
  const verdict = missed.length === 0
    ? `2 worker processes reach an efficiency of ${TARGET} on every runtime.`
    : `Missed the target of ${TARGET} (or failed): ${missed.join(", ")}.`;
  process.stdout.write(
    `\nadvection bench: q and u of ${N}×${N}×${NT} Float64 (${mib.toFixed(0)} MiB each), ${SWEEPS} sweeps per sample, ` +
      `${cpus().length} CPUs (${cpus()[0]?.model ?? "?"}), median of ${ROUNDS} rounds, ${((now() - started) / 1000).toFixed(0)} s\n` +
      `efficiency = serial / (2 × parallel), serial on the same memory in the same run\n\n${tables.join("\n\n")}\n\n${verdict}\n`,
  );
}
