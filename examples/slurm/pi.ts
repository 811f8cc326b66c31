/**
 * Seed 000's pi series on a Slurm cluster, with SlurmManager. The same script works both ways:
 * - inside a job (`sbatch slurm/examples/pi.sbatch`, or `salloc -N 2 -n 4 node dist/examples/slurm/pi.js`):
 *   one worker per task of the job's allocation (mode 1);
 * - outside any job (a login node): it submits a job for its workers, waits until it runs, and
 *   cancels it at the end (mode 2; `--nodes`, `--tasks-per-node`, `--partition` shape it).
 * Prints pi, its error, and the speedup of pmap over the same sum computed serially here.
 *
 * Usage: node dist/examples/slurm/pi.js [terms] [--nodes=2] [--tasks-per-node=2] [--partition=P]
 *        (bun and deno run examples/slurm/pi.ts directly)
 *
 * @example
 * ```sh
 * sbatch slurm/examples/pi.sbatch                # output in pi-<jobid>.out
 * node dist/examples/slurm/pi.js 4e8 --nodes=3   # from a login node
 * ```
 * @module
 */
import { addprocs, currentRuntime, everywhere, gethostname, nworkers, pmap, range, remotecallFetch, rmprocs, workers } from "distributed";
import { SlurmManager } from "distributed/managers";
import { partialPi } from "../pi/series.ts";

const args = process.argv.slice(2);
const option = (name: string): string | undefined => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const terms = Number(args.find((a) => !a.startsWith("--")) ?? 4e8);
const CHUNK = 10_000_000;
if (!Number.isInteger(terms) || terms < CHUNK || terms % CHUNK !== 0) {
  console.error(`usage: pi [terms: a multiple of ${CHUNK}] [--nodes=N] [--tasks-per-node=N] [--partition=P]`);
  process.exit(2);
}

const insideJob = process.env.SLURM_JOB_ID !== undefined;
const partition = option("partition");
const manager = insideJob ? new SlurmManager() : new SlurmManager({
  nodes: Number(option("nodes") ?? 2),
  ntasksPerNode: Number(option("tasks-per-node") ?? 2),
  time: "00:15:00",
  ...(partition !== undefined ? { partition } : {}),
});

let t = performance.now();
const pids = await addprocs(manager);
const startSeconds = (performance.now() - t) / 1000;
const where = await Promise.all(workers().map((p) => remotecallFetch(() => gethostname(), p)));
await everywhere(new URL(`../pi/series.${import.meta.url.endsWith(".ts") ? "ts" : "js"}`, import.meta.url));

const ranges = Array.from({ length: terms / CHUNK }, (_, k) => range(k * CHUNK, (k + 1) * CHUNK));
t = performance.now();
const pi = (await pmap(partialPi, ranges)).reduce((a, b) => a + b, 0);
const parallelSeconds = (performance.now() - t) / 1000;

t = performance.now();
const serial = partialPi(range(0, terms));
const serialSeconds = (performance.now() - t) / 1000;

console.log(
  `pi series, ${terms.toExponential(1)} terms, ${currentRuntime()}, Slurm job ${manager.jobId} (${
    insideJob ? "this job's allocation" : "submitted for the workers"
  })`,
);
console.log(`  ${nworkers()} workers on ${[...new Set(where)].sort().join(", ")}, started in ${startSeconds.toFixed(2)} s`);
console.log(
  `  pmap    pi = ${pi}  error ${(pi - Math.PI).toExponential(2)}  ${parallelSeconds.toFixed(2)} s  speedup ${
    (serialSeconds / parallelSeconds).toFixed(2)
  }x`,
);
console.log(`  serial  pi = ${serial}  ${serialSeconds.toFixed(2)} s`);
await rmprocs(pids);
