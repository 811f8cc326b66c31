/**
 * The main job: seed 000's pi series, serial and then on local workers two ways, as in the
 * notebook: a `distributed` reduction over offsets (Julia's `@distributed (+)`), and `pmap`
 * over ranges. Prints pi, its error and the speedup of each over the serial run, then whether
 * both parallel runs beat the serial one. `npm run pi` runs it under node, bun and deno
 * (examples/pi/every-runtime.ts).
 *
 * Usage: node dist/examples/pi/main.js [terms] [workers]   (bun/deno can run the .ts directly)
 *
 * @example
 * ```sh
 * npm run pi              # 2e9 terms on as many workers as there are cores
 * bun examples/pi/main.ts 1e9 2
 * ```
 * @module
 */
import { availableParallelism } from "node:os";
import { addprocs, capture, currentRuntime, distributed, everywhere, nworkers, pmap, range, rmprocs } from "distributed";
import { partialPi } from "./series.ts";

const terms = Number(process.argv[2] ?? 2e9);
const count = Number(process.argv[3] ?? availableParallelism());
const CHUNK = 10_000_000;
if (!Number.isInteger(terms) || terms < CHUNK || terms % CHUNK !== 0 || !Number.isInteger(count) || count < 1) {
  console.error(`usage: main [terms: a multiple of ${CHUNK}, e.g. 2e9] [workers: a positive integer]`);
  process.exit(2);
}

let t = performance.now();
const serial = partialPi(range(0, terms));
const serialSeconds = (performance.now() - t) / 1000;

t = performance.now();
const pids = await addprocs(count);
const startSeconds = (performance.now() - t) / 1000;
// The module next to this file: series.ts when run from source (bun, deno), series.js when built.
await everywhere(new URL(`./series.${import.meta.url.endsWith(".ts") ? "ts" : "js"}`, import.meta.url));

// @distributed (+) for offset in 0:CHUNK:terms-1 ... end
t = performance.now();
// CHUNK is a local constant: capture() ships it with the body (the workers have no CHUNK).
const viaDistributed =
  (await distributed(range(0, terms, CHUNK), capture({ CHUNK }, (offset: number) => partialPi(range(offset, offset + CHUNK))), "+"))!;
const distributedSeconds = (performance.now() - t) / 1000;

// pmap(partial_pi, ranges)
const ranges = Array.from({ length: terms / CHUNK }, (_, k) => range(k * CHUNK, (k + 1) * CHUNK));
t = performance.now();
const viaPmap = (await pmap(partialPi, ranges)).reduce((a, b) => a + b, 0);
const pmapSeconds = (performance.now() - t) / 1000;

const line = (name: string, value: number, seconds: number): string =>
  `  ${name.padEnd(12)} pi = ${value}  error ${(value - Math.PI).toExponential(2)}  ${seconds.toFixed(2)} s` +
  (name === "serial"
    ? ""
    : `  speedup ${(serialSeconds / seconds).toFixed(2)}x (efficiency ${(serialSeconds / seconds / pids.length).toFixed(2)})`);
console.log(
  `pi series, ${terms.toExponential(1)} terms, ${currentRuntime()}, ${nworkers()} workers (started in ${startSeconds.toFixed(2)} s)`,
);
console.log(line("serial", serial, serialSeconds));
console.log(line("distributed", viaDistributed, distributedSeconds));
console.log(line("pmap", viaPmap, pmapSeconds));
// The guard: on every runtime the parallel runs must beat the serial one (a Deno worker once ran
// this kernel 5-7x slower than its master did; see src/runtime/command.ts). Said, not thrown:
// a loaded machine can make a small run lose, and the output is what a user reads.
const slowest = Math.max(distributedSeconds, pmapSeconds);
console.log(
  slowest < serialSeconds
    ? `  parallel faster than serial on ${currentRuntime()}: ok`
    : `  WARNING: a parallel run was slower than the serial one on ${currentRuntime()} (speedup ${
      (serialSeconds / slowest).toFixed(2)
    }x): a small run, a busy machine, or a slow worker; rerun with more terms`,
);
await rmprocs(pids);
