/**
 * One soak run (started by bench/soak.ts under the runtime being soaked; alone:
 * `node --expose-gc dist/bench/soak-master.js --seconds=20 --runtime=node`): a master with
 * `--workers` workers (default 4) of `--runtime` (mixed: node, bun and deno in turn) runs four
 * workloads at once, pmap (soak-pmap.ts), futures and worker-to-worker calls (soak-calls.ts)
 * and RemoteChannels between workers (soak-channels.ts, two generations at a time), while a
 * killer SIGKILLs a random worker every 0.5-1.5 s (while at most one is missing) and addprocs
 * replaces it.
 *
 * Phases: start the workers; one round of each workload (warm-up); take the start figures
 * (soak-figures.ts); kill and work for `--seconds`; stop the killer and the fresh items; let
 * each workload finish its resubmitted items (a workload not done DRAIN_MS later is reported
 * as hung); take the end figures with the cluster at full size again; remove the workers and
 * look for their processes. Prints one line, RESULT_PREFIX + JSON (SoakResult), and exits by
 * itself: a master that does not is holding a handle it should not (the driver reports it).
 *
 * @module
 */
import { currentRuntime, type RuntimeName } from "../src/mod.ts";
import { channelRound } from "./soak-channels.ts";
import { SoakCluster } from "./soak-cluster.ts";
import { futuresRound, w2wRound } from "./soak-calls.ts";
import { BOUNDS, checkBounds, snapshot } from "./soak-figures.ts";
import { Ledger } from "./soak-ledger.ts";
import { pmapRound } from "./soak-pmap.ts";
import { RESULT_PREFIX, type SoakResult } from "./soak-result.ts";

/** How long the workloads get to finish their resubmitted items after the kills stop. */
const DRAIN_MS = 60_000;

function option(name: string, fallback: string): string {
  const arg = process.argv.slice(2).find((a) => a.startsWith(`--${name}=`));
  return arg === undefined ? fallback : arg.slice(name.length + 3);
}

const seconds = Number(option("seconds", "20"));
const runtime = option("runtime", "node");
const size = Number(option("workers", "4"));
if (!(seconds > 0)) throw new RangeError(`--seconds must be a positive number, got ${option("seconds", "")}`);
if (!["node", "bun", "deno", "mixed"].includes(runtime)) throw new RangeError(`--runtime must be node, bun, deno or mixed, got ${runtime}`);
if (!(Number.isInteger(size) && size >= 2)) throw new RangeError(`--workers must be an integer >= 2, got ${option("workers", "")}`);
const runtimes: RuntimeName[] = runtime === "mixed" ? ["node", "bun", "deno"] : [runtime as RuntimeName];

const unhandled: string[] = [];
process.on("unhandledRejection", (reason) => {
  unhandled.push(reason instanceof Error ? `${reason.name}: ${reason.message}`.slice(0, 300) : String(reason));
});

type Round = (ledger: Ledger, fresh: boolean) => Promise<void>;
const workloads: Array<[Ledger, Round, number]> = [
  [new Ledger("pmap"), pmapRound, 1],
  [new Ledger("futures"), futuresRound, 1],
  [new Ledger("worker-to-worker"), w2wRound, 1],
  [new Ledger("channels"), channelRound, 2],
];

const cluster = new SoakCluster(runtimes, size);
let phase = "starting workers";
const t0 = Date.now();
// A line every 5 s on stderr: where the run is, so a hang shows where it hangs.
const status = setInterval(() => {
  const counts = workloads.map(([l]) => {
    const s = l.summary();
    return `${l.name} ${s.done}/${s.submitted}${l.pending.length > 0 ? ` (${l.pending.length} pending)` : ""}`;
  });
  process.stderr.write(
    `soak ${runtime} +${((Date.now() - t0) / 1000).toFixed(0)}s ${phase}: ${
      counts.join(", ")
    }; kills ${cluster.figures.kills}, replacements ${cluster.figures.replacements}; rss ${
      (process.memoryUsage().rss / 2 ** 20).toFixed(0)
    } MiB, heap ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MiB\n`,
  );
}, 5000);
status.unref?.();
await cluster.start();
phase = "warm-up";
for (const [ledger, round] of workloads) await round(ledger, true);
phase = "start figures";
const start = await snapshot();
phase = "killing";

const killer = cluster.startKiller([500, 1500]);
const deadline = Date.now() + seconds * 1000;
let drainEnd = Infinity;
const finished = new Set<string>();
/** Rounds until the deadline, then rounds of resubmitted items only until there are none. */
async function lane(ledger: Ledger, round: Round): Promise<void> {
  // A turn of the event loop after each round: a round that fails at once must not starve the timers.
  const run = async (fresh: boolean): Promise<void> => {
    await round(ledger, fresh).catch((err: unknown) => ledger.unexpected(err));
    await new Promise((r) => setTimeout(r, 0));
  };
  while (Date.now() < deadline) await run(true);
  while (ledger.pending.length > 0 && Date.now() < drainEnd) await run(false);
}
const byWorkload = workloads.map(([ledger, round, lanes]) =>
  Promise.all(Array.from({ length: lanes }, () => lane(ledger, round))).then(() => finished.add(ledger.name))
);
await new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now())));
phase = "stopping the killer";
await killer.stop();
phase = "draining";
drainEnd = Date.now() + DRAIN_MS;
let drainTimer: ReturnType<typeof setTimeout> | undefined;
await Promise.race([Promise.all(byWorkload), new Promise((r) => (drainTimer = setTimeout(r, DRAIN_MS + 5000)))]);
clearTimeout(drainTimer);
const hung = workloads.map(([l]) => l.name).filter((n) => !finished.has(n));

phase = "end figures";
await cluster.refill();
const end = await snapshot();
phase = "removing workers";
let orphans: number[];
try {
  orphans = await cluster.stop();
} catch (err) {
  // rmprocs itself failed: a hang of its own, and whatever still runs is an orphan.
  hung.push(`rmprocs: ${(err as Error).message}`);
  orphans = cluster.stillRunning();
}

const result: SoakResult = {
  runtime,
  masterRuntime: currentRuntime(),
  seconds,
  workers: size,
  streams: Object.fromEntries(workloads.map(([l]) => [l.name, l.summary()])),
  killer: cluster.figures,
  start,
  end,
  bounds: BOUNDS,
  unbounded: checkBounds(start, end),
  orphans,
  hung,
  unhandledRejections: unhandled,
};
clearInterval(status);
process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
