/**
 * The main job: seed 000's pi series, serial and then spread over local workers with
 * remotecall (a static split, one contiguous slice per worker, as `@distributed (+)` does),
 * printing pi, its error and the speedup.
 *
 * Usage: node dist/examples/pi/main.js [terms] [workers]   (bun/deno can run the .ts directly)
 *
 * @example
 * ```sh
 * npm run pi            # 2e9 terms on as many workers as there are cores
 * bun examples/pi/main.ts 1e9 2
 * ```
 * @module
 */
import { addprocs, everywhere, remotecall, rmprocs, nworkers, currentRuntime } from "distributed";
import { availableParallelism } from "node:os";
import { partialPi } from "./series.ts";

const terms = Number(process.argv[2] ?? 2e9);
const count = Number(process.argv[3] ?? availableParallelism());
if (!Number.isInteger(terms) || terms < 1 || !Number.isInteger(count) || count < 1) {
  console.error("usage: main [terms (integer, e.g. 2e9)] [workers (integer)]");
  process.exit(2);
}

let t = performance.now();
const serial = partialPi(0, terms);
const serialSeconds = (performance.now() - t) / 1000;

t = performance.now();
const pids = await addprocs(count);
const startSeconds = (performance.now() - t) / 1000;
// The module next to this file: series.ts when run from source (bun, deno), series.js when built.
await everywhere(new URL(`./series.${import.meta.url.endsWith(".ts") ? "ts" : "js"}`, import.meta.url));

t = performance.now();
const slice = Math.ceil(terms / pids.length);
const futures = pids.map((p, k) => remotecall(partialPi, p, k * slice, Math.min(terms, (k + 1) * slice)));
let parallel = 0;
for (const f of futures) parallel += await f.fetch();
const parallelSeconds = (performance.now() - t) / 1000;

console.log(`pi series, ${terms.toExponential(1)} terms, ${currentRuntime()}, ${nworkers()} workers`);
console.log(`  pi        ${parallel}`);
console.log(`  error     ${(parallel - Math.PI).toExponential(3)} (serial: ${(serial - Math.PI).toExponential(3)})`);
console.log(`  serial    ${serialSeconds.toFixed(2)} s`);
console.log(`  parallel  ${parallelSeconds.toFixed(2)} s on ${pids.length} workers (+ ${startSeconds.toFixed(2)} s to start them)`);
console.log(`  speedup   ${(serialSeconds / parallelSeconds).toFixed(2)}x, parallel efficiency ${(serialSeconds / parallelSeconds / pids.length).toFixed(2)}`);
await rmprocs(pids);
