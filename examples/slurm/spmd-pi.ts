/**
 * Seed 000's pi series, SPMD: srun starts this script on every task, and `init()` makes task 0
 * the master and the other tasks its workers. Everything after init() runs on task 0 only.
 *
 * Usage: srun -n 6 node dist/examples/slurm/spmd-pi.js [terms]   (or: sbatch slurm/examples/spmd.sbatch)
 *
 * @example
 * ```sh
 * srun -N 3 --ntasks-per-node=2 bun examples/slurm/spmd-pi.ts 4e8
 * ```
 * @module
 */
import { everywhere, gethostname, init, pmap, range, remotecallFetch, workers } from "distributed";
import { partialPi } from "../pi/series.ts";

const { size } = await init(); // tasks 1..size-1 serve as workers from here on, and never return

const terms = Number(process.argv[2] ?? 4e8);
const CHUNK = 10_000_000;
const where = await Promise.all(workers().map((p) => remotecallFetch(() => gethostname(), p)));
await everywhere(new URL(`../pi/series.${import.meta.url.endsWith(".ts") ? "ts" : "js"}`, import.meta.url));
const t = performance.now();
const pi = (await pmap(partialPi, Array.from({ length: terms / CHUNK }, (_, k) => range(k * CHUNK, (k + 1) * CHUNK)))).reduce(
  (a, b) => a + b,
  0,
);
console.log(
  `pi series, ${terms.toExponential(1)} terms, SPMD over ${size} tasks (master on ${gethostname()}, workers on ${
    [...new Set(where)].sort().join(", ")
  })`,
);
console.log(`  pi = ${pi}  error ${(pi - Math.PI).toExponential(2)}  ${((performance.now() - t) / 1000).toFixed(2)} s`);
