/**
 * Slurm start-up bench (`npm run bench:slurm`, i.e. `node dist/bench/slurm.js [node|bun|deno] [--rounds=N]`):
 * time from addprocs(new SlurmManager(...)) to ready workers for 2, 8 and 32 tasks on the Slurm
 * test cluster (scripts/test-hosts/slurm.sh; started here if it is not running, and stopped again
 * only then), next to bare srun measured in the same run, alternately, so load on this shared
 * machine lands on every side.
 *
 * In an allocation (SlurmManager's `jobId`): one holding job (`sbatch -p debug -N3 -n 32`) is
 * submitted and waited for first, so every side measures starting tasks, not queueing. Per round,
 * in rotating order:
 * - ours: `addprocs(new SlurmManager({ jobId, ntasks: N }), { runtime })` until every worker has
 *   connected (then rmprocs, not timed);
 * - `srun --jobid=J -n N true`: Slurm's own floor for a step of N tasks;
 * - `srun --jobid=J -n N <runtime> -e 0` (`deno eval 0`): that step plus the runtime starting N
 *   times, all on this machine's 2 cores (the nodes are network namespaces of one machine), so it
 *   shows how much of our time is the runtimes starting rather than us.
 * After each, the bench waits (untimed) until the job has no step left, so the next one does not
 * start while slurmd is still tearing the previous one down.
 *
 * End to end (SlurmManager submitting its own job): `addprocs(new SlurmManager({ nodes, ntasks: N,
 * partition: "debug", time }))` against `sbatch` + polling `scontrol show job` until RUNNING +
 * `srun --jobid -n N true`, fewer rounds (at most 3). Each job is cancelled and gone before the
 * next round.
 *
 * Every job submitted here is cancelled at the end, also on an error or Ctrl-C, and the queue is
 * checked to be empty of them.
 *
 * @module
 */
import { execFile, execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { SlurmManager } from "../managers/mod.ts";
import { addprocs, rmprocs, type RuntimeName, workers } from "../src/mod.ts";
import { findBinary } from "./runtimes.ts";
import { median, now } from "./stats.ts";

const run = promisify(execFile);
const argv = process.argv.slice(2);
const runtime = (argv.find((a) => ["node", "bun", "deno"].includes(a)) ?? "node") as RuntimeName;
const rounds = Number(argv.find((a) => a.startsWith("--rounds="))?.slice(9) ?? 5);
if (!(Number.isInteger(rounds) && rounds > 0)) throw new RangeError(`--rounds must be a positive integer, got ${rounds}`);
const endToEndRounds = Math.min(rounds, 3);
const root = fileURLToPath(new URL(import.meta.url.includes("/dist/bench/") ? "../../" : "../", import.meta.url));
const script = join(root, "scripts", "test-hosts", "slurm.sh");
const TASKS = [2, 8, 32] as const;

// Bun and Deno as the tests find them; on PATH before the cluster starts, so its tasks see them too.
const testBin = join(root, "node_modules", ".cache", "distributed-test-bin");
if (existsSync(testBin)) process.env.PATH = `${testBin}${delimiter}${process.env.PATH ?? ""}`;

interface Cluster {
  slurmConf: string;
  cpusPerNode: number;
}

function ensureCluster(): { cluster: Cluster; startedHere: boolean; note: string } {
  const last = (out: string): string => out.trim().split("\n").at(-1) ?? "";
  const status = (): string | null => {
    try {
      return last(execFileSync("bash", [script, "status"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }));
    } catch {
      return null;
    }
  };
  let file = status();
  let startedHere = false;
  let note = "";
  if (file === null) {
    // `status` also says no while a node is e.g. IDLE+PLANNED (the backfill scheduler planned a
    // job there). A cluster whose controller answers is someone's: `start` would restart it
    // under them (it restarts whatever it does not find healthy). Use it as it is.
    const dir = (process.env.DISTRIBUTED_SLURM_DIR ?? "/tmp/distributed-slurm").replace(/\/$/, "");
    const json = join(dir, "cluster.json");
    let up = false;
    try {
      up = existsSync(json) &&
        /is UP/.test(
          execFileSync("scontrol", ["ping"], {
            encoding: "utf8",
            env: { ...process.env, SLURM_CONF: join(dir, "slurm.conf") },
            timeout: 10_000,
          }),
        );
    } catch {
      up = false;
    }
    if (up) {
      file = json;
      const states = execFileSync("sinfo", ["-h", "-N", "-o", "%N=%T"], {
        encoding: "utf8",
        env: { ...process.env, SLURM_CONF: join(dir, "slurm.conf") },
      }).trim().split("\n").join(" ");
      note = `(slurm.sh status said not healthy, but slurmctld answers; using the running cluster as it is. Nodes: ${states})`;
    } else {
      file = last(execFileSync("bash", [script, "start"], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }));
      startedHere = true;
    }
  }
  if (!existsSync(file)) throw new Error(`the Slurm test cluster did not give a cluster.json (${file})`);
  return { cluster: JSON.parse(readFileSync(file, "utf8")) as Cluster, startedHere, note };
}

const { cluster, startedHere, note } = ensureCluster();
process.env.SLURM_CONF = cluster.slurmConf; // SlurmManager's sbatch/srun/scontrol find the cluster here
// The workers' environment (workerEnv drops NODE_EXTRA_CA_CERTS: it slows every Node start), for
// the bare runs too, so both sides start the runtime the same way.
const env: NodeJS.ProcessEnv = { ...process.env };
delete env.NODE_EXTRA_CA_CERTS;
const bin = findBinary(runtime);
// "0", not "": `bun -e ""` takes the empty script for none and prints its usage instead.
const runtimeStart = runtime === "deno" ? [bin, "eval", "0"] : [bin, "-e", "0"];
const runtimeVersion = execFileSync(bin, ["--version"], { encoding: "utf8", env }).trim().split("\n")[0]!;

/** Every job submitted here (holding, reference and SlurmManager's own): cancelled at the end. */
const mine = new Set<string>();

async function slurm(cmd: string, args: readonly string[]): Promise<string> {
  return (await run(cmd, args, { env, encoding: "utf8", timeout: 120_000 })).stdout;
}

async function submit(args: readonly string[]): Promise<string> {
  const id = /^(\d+)/.exec((await slurm("sbatch", ["--parsable", "-o", "/dev/null", ...args])).trim())?.[1];
  if (id === undefined) throw new Error(`sbatch ${args.join(" ")} printed no job id`);
  mine.add(id);
  return id;
}

async function jobField(id: string, field: string): Promise<string> {
  const line = await slurm("scontrol", ["show", "job", "-o", id]);
  return new RegExp(`(?:^|\\s)${field}=(\\S*)`).exec(line)?.[1] ?? "";
}

async function waitRunning(id: string, pollMs: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await jobField(id, "JobState");
    if (state === "RUNNING") return;
    if (!["PENDING", "CONFIGURING"].includes(state)) {
      throw new Error(`job ${id} is ${state}, not RUNNING (reason: ${await jobField(id, "Reason")})`);
    }
    if (Date.now() > deadline) {
      throw new Error(`job ${id} still ${state} after ${timeoutMs / 1000} s (reason: ${await jobField(id, "Reason")})`);
    }
    await sleep(pollMs);
  }
}

/** Until `id` has no step but its batch/extern ones (bounded); ms waited. */
async function waitNoSteps(id: string): Promise<number> {
  const t0 = now();
  for (;;) {
    const steps = (await slurm("squeue", ["-h", "--steps", "-j", id, "-o", "%i"])).split("\n").filter((s) => /\.\d+$/.test(s.trim()));
    if (steps.length === 0) return now() - t0;
    if (now() - t0 > 15_000) throw new Error(`job ${id} still has step(s) ${steps.join(" ")} 15 s after they should have ended`);
    await sleep(20);
  }
}

/** Until `id` has left the queue (bounded). */
async function waitGone(id: string): Promise<void> {
  const t0 = now();
  for (;;) {
    let out = "";
    try {
      out = (await slurm("squeue", ["-h", "-j", id, "-o", "%T"])).trim();
    } catch {
      out = ""; // "Invalid job id": purged
    }
    if (out === "") return;
    if (now() - t0 > 20_000) throw new Error(`job ${id} still ${out} 20 s after it was cancelled`);
    await sleep(50);
  }
}

function cancelMineSync(): void {
  if (mine.size === 0) return;
  try {
    execFileSync("scancel", [...mine], { env, stdio: "ignore", timeout: 10_000 });
  } catch {
    // reported by the queue check, when there is one
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function timeCommand(args: readonly string[]): Promise<number> {
  const t0 = now();
  await run(args[0]!, args.slice(1), { env, timeout: 120_000 });
  return now() - t0;
}

/** Ours in the holding job: addprocs until every worker is ready; rmprocs after, untimed. */
async function oursInJob(jobId: string, n: number): Promise<number> {
  const t0 = now();
  await addprocs(new SlurmManager({ jobId, ntasks: n }), { runtime });
  const elapsed = now() - t0;
  const got = workers().length;
  await rmprocs(workers());
  if (got !== n) throw new Error(`addprocs(SlurmManager({ ntasks: ${n} })) gave ${got} workers`);
  return elapsed;
}

/** Runs the measurements of one round in rotating order (round i starts with the i-th). */
async function rotate(i: number, fns: ReadonlyArray<() => Promise<void>>): Promise<void> {
  for (let k = 0; k < fns.length; k++) await fns[(i + k) % fns.length]!();
}

/** A table with a header line and padded columns; the first column left-aligned. */
function layout(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(" | ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("-|-"), ...rows.map(line)].join("\n");
}

const ms = (x: number): string => x.toFixed(0);
const spread = (xs: readonly number[]): string => `${ms(Math.min(...xs))}-${ms(Math.max(...xs))}`;
const load = (): string => loadavg()[0]!.toFixed(2);

const onSigint = (): void => {
  cancelMineSync();
  process.exit(130);
};
process.once("SIGINT", onSigint);
const started = now();
const loadBefore = load();
let failed = false;
try {
  // ---- In an allocation: one holding job, every measurement a step in it.
  const hold = await submit(["-p", "debug", "-N3", "--ntasks=32", "--time=00:30:00", "-J", "bench-slurm-hold", "--wrap", "sleep 1800"]);
  const tHold = now();
  await waitRunning(hold, 50);
  const holdWait = now() - tHold;
  const holdNodes = await jobField(hold, "NodeList");
  const inJob: Array<{ n: number; ours: number[]; bareTrue: number[]; bareRuntime: number[]; stepGoneMax: number }> = [];
  // Warm caches (module files, the runtime binary, slurmd's) before measuring.
  await oursInJob(hold, 2);
  await waitNoSteps(hold);
  await timeCommand(["srun", `--jobid=${hold}`, "-n", "2", ...runtimeStart]);
  for (const n of TASKS) {
    const c = { n, ours: [] as number[], bareTrue: [] as number[], bareRuntime: [] as number[], stepGoneMax: 0 };
    const settle = async (): Promise<void> => {
      c.stepGoneMax = Math.max(c.stepGoneMax, await waitNoSteps(hold));
    };
    for (let i = 0; i < rounds; i++) {
      await rotate(i, [
        async () => {
          c.bareTrue.push(await timeCommand(["srun", `--jobid=${hold}`, "-n", String(n), "true"]));
          await settle();
        },
        async () => {
          c.ours.push(await oursInJob(hold, n));
          await settle();
        },
        async () => {
          c.bareRuntime.push(await timeCommand(["srun", `--jobid=${hold}`, "-n", String(n), ...runtimeStart]));
          await settle();
        },
      ]);
    }
    inJob.push(c);
  }
  await slurm("scancel", [hold]);
  await waitGone(hold);
  mine.delete(hold);

  // ---- End to end: submit, queue, start.
  const endToEnd: Array<{ n: number; nodes: number; ours: number[]; bare: number[] }> = [];
  for (const n of TASKS) {
    const nodes = Math.ceil(n / cluster.cpusPerNode);
    const c = { n, nodes, ours: [] as number[], bare: [] as number[] };
    for (let i = 0; i < endToEndRounds; i++) {
      await rotate(i, [
        async () => {
          const manager = new SlurmManager({
            nodes,
            ntasks: n,
            partition: "debug",
            time: "00:05:00",
            jobName: "bench-slurm-ours",
            output: "/dev/null",
          });
          const t0 = now();
          try {
            await addprocs(manager, { runtime });
            c.ours.push(now() - t0);
            const got = workers().length;
            await rmprocs(workers());
            if (got !== n) throw new Error(`addprocs(SlurmManager({ nodes: ${nodes}, ntasks: ${n} })) gave ${got} workers`);
          } finally {
            if (manager.jobId !== undefined) mine.add(manager.jobId);
          }
          await waitGone(manager.jobId!); // SlurmManager cancels its job once its workers are gone
          mine.delete(manager.jobId!);
        },
        async () => {
          const t0 = now();
          const id = await submit([
            "-p",
            "debug",
            `--nodes=${nodes}`,
            `--ntasks=${n}`,
            "--time=00:05:00",
            "-J",
            "bench-slurm-ref",
            "--wrap",
            "sleep 300",
          ]);
          await waitRunning(id, 20);
          await run("srun", [`--jobid=${id}`, "-n", String(n), "true"], { env, timeout: 120_000 });
          c.bare.push(now() - t0);
          await slurm("scancel", [id]);
          await waitGone(id);
          mine.delete(id);
        },
      ]);
    }
    endToEnd.push(c);
  }

  // ---- Report.
  const rt = `srun ${runtime} start`;
  console.log(
    `Slurm start-up, ${runtime} workers (${runtimeVersion}), median of ${rounds}; test cluster, ${cluster.cpusPerNode} CPUs advertised per node, ${availableParallelism()} real cores; ` +
      `${((now() - started) / 1000).toFixed(0)} s, load ${loadBefore} -> ${load()}`,
  );
  if (note) console.log(note);
  console.log(
    `\nIn an allocation: holding job ${hold} (sbatch -p debug -N3 -n 32, on ${holdNodes}; RUNNING ${
      ms(holdWait)
    } ms after sbatch); addprocs(new SlurmManager({ jobId, ntasks })) until every worker is connected:`,
  );
  console.log(
    layout(
      ["tasks", "ours ms", "srun true ms", "ratio", `${rt} ms`, "ratio to that", "ours min-max", "step gone max ms"],
      inJob.map((c) => {
        const [o, t, r] = [median(c.ours), median(c.bareTrue), median(c.bareRuntime)];
        return [String(c.n), ms(o), ms(t), `${(o / t).toFixed(2)}x`, ms(r), `${(o / r).toFixed(2)}x`, spread(c.ours), ms(c.stepGoneMax)];
      }),
    ),
  );
  console.log(
    `  (${rt}: srun --jobid -n N ${runtime} ${
      runtimeStart.slice(1).join(" ")
    }, ${runtime} being ${bin}; step gone: the untimed wait after a measurement until squeue shows no step of the job)`,
  );
  console.log(
    `\nEnd to end, median of ${endToEndRounds}: addprocs(new SlurmManager({ nodes, ntasks, partition: "debug", time })) = sbatch + queue + start, against sbatch + poll scontrol until RUNNING + srun --jobid -n N true:`,
  );
  console.log(
    layout(
      ["tasks", "nodes", "ours ms", "sbatch+wait+srun true ms", "ratio", "ours min-max", "bare min-max"],
      endToEnd.map((c) => {
        const [o, b] = [median(c.ours), median(c.bare)];
        return [String(c.n), String(c.nodes), ms(o), ms(b), `${(o / b).toFixed(2)}x`, spread(c.ours), spread(c.bare)];
      }),
    ),
  );
} catch (err) {
  failed = true;
  throw err;
} finally {
  process.off("SIGINT", onSigint);
  cancelMineSync();
  // The queue at the end: none of ours may be left (others' jobs, on a shared cluster, are named).
  try {
    for (const id of mine) await waitGone(id).catch(() => {});
    const queue = execFileSync("squeue", ["-h", "-o", "%i %j %T"], { encoding: "utf8", env, timeout: 10_000 }).trim();
    const left = queue === "" ? [] : queue.split("\n");
    const ours = left.filter((l) => mine.has(l.split(" ")[0]!) || / bench-slurm-/.test(l));
    if (left.length === 0) console.log("\nsqueue -h: empty, no job left");
    else if (ours.length === 0) console.log(`\nsqueue -h: none of this bench's jobs left; others' jobs: ${left.join("; ")}`);
    else {
      console.log(`\nsqueue -h: this bench's jobs LEFT: ${ours.join("; ")}`);
      if (!failed) process.exitCode = 1;
    }
  } catch (err) {
    console.log(`\nsqueue -h failed: ${(err as Error).message}`);
  }
  if (startedHere) execFileSync("bash", [script, "stop"], { stdio: "inherit" });
}
