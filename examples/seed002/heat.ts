/**
 * Seed 002's exercise "Using SharedArrays with Heatequation" (its SharedArrays branch): a 2-D
 * explicit heat-equation solver (heat-kernel.ts, after ENCCS's HeatEquation.jl) run for a
 * fixed number of time steps four ways, which must give the same field to the last bit:
 *
 * 1. serial: every column on this thread, two plain Float64Arrays swapped after each step
 *    (HeatEquation.jl's `evolve!` and `swap_fields!`);
 * 2. threads: `threads.parallelFor` over one block of columns per pool thread, once per step
 *    (its `Threads.@threads for j`), on two SharedArrays;
 * 3. thread workers: `addprocs(2, { manager: "threads" })`, each updating its block of
 *    columns of two SharedArrays (current and next) per step;
 * 4. worker processes: `addprocs(2)` on this host, of this process's runtime, the same code
 *    on two SharedArrays that every worker maps from /dev/shm (the exercise's solution:
 *    `evolve_shared!` with `@sync @distributed for j`);
 * 5. the exercise's DistributedArrays branch: the same 2 worker processes each own a block of
 *    columns of two DArrays (current and next, `dist: [1, 2]`), and each step is one call per
 *    owner, `evolveMyBlock(next, prev)`: it widens its block of the previous field by one ghost
 *    column on each side (`halo`, fetched from the neighbouring owner, worker to worker) and
 *    writes its block of the next field in place. Nothing but the ghost columns moves between
 *    steps; the field comes back to the master once, at the end (`collect`).
 *
 * In 3 and 4 the workers are the arrays' participants (`pids`, as Julia's `SharedArray` has
 * `workers()`), and each step is one call per worker, `evolveMyColumns(next, prev)`: its block
 * of columns by its index among the participants. The master awaits every worker's call before
 * it swaps the arrays and starts the next step: that await is the barrier that keeps a worker
 * from reading a neighbour's column of step t before it is written.
 *
 * Every variant starts from the same initial field; each result is compared with the serial
 * one element by element, by their bits (`identical bits`) and by value (`max |diff|`). The
 * checksum is an FNV-1a hash of the serial field's bytes, so the same on every runtime.
 *
 * Usage: node dist/examples/seed002/heat.js [nx] [ny] [steps]   (default 400 400 200;
 *        bun and deno run examples/seed002/heat.ts directly. HeatEquation.jl's own test runs
 *        1000 1000 500: average temperature 59.76482 at the start, 58.80755 after 499 steps,
 *        the field it prints after its 500th.)
 *
 * @example
 * ```sh
 * node dist/examples/seed002/heat.js
 * bun examples/seed002/heat.ts 1000 1000 500
 * ```
 * @module
 */
import {
  addprocs,
  capture,
  currentRuntime,
  distribute,
  everywhere,
  range,
  remotecallWait,
  rmprocs,
  SharedArray,
  threads,
} from "distributed";
import { averageTemperature, columnBlock, evolveColumns, evolveMyBlock, evolveMyColumns, gridLength, initialField } from "./heat-kernel.ts";

const [nx, ny, steps] = [2, 3, 4].map((k, d) => Number(process.argv[k] ?? [400, 400, 200][d]));
if (![nx, ny, steps].every((x) => Number.isInteger(x) && x! >= 1)) {
  console.error("usage: heat [nx] [ny] [steps]   (positive integers, default 400 400 200)");
  process.exit(2);
}
const NX = nx!;
const NY = ny!;
const STEPS = steps!;
const WORKERS = 2;
await everywhere(new URL(`./heat-kernel.${import.meta.url.endsWith(".ts") ? "ts" : "js"}`, import.meta.url));

const initial = new Float64Array(gridLength(NX, NY));
initialField(initial, NX, NY);

/** Serial: the whole field per step, swapping the two arrays (returns the field after the last step). */
function serial(): Float64Array {
  let prev = initial.slice();
  let next = initial.slice(); // the boundary layer is never written: both arrays carry it
  for (let t = 0; t < STEPS; t++) {
    evolveColumns(next, prev, NX, NY, range(1, NY + 1));
    [prev, next] = [next, prev];
  }
  return prev;
}

/** Threads of this process: one parallelFor per step, one block of columns per thread. */
async function pooled(): Promise<Float64Array> {
  let prev = SharedArray.from(Float64Array, initial, [NX + 2, NY + 2]);
  let next = SharedArray.from(Float64Array, initial, [NX + 2, NY + 2]);
  const blocks = threads.nthreads();
  for (let t = 0; t < STEPS; t++) {
    const body = capture({ next, prev, NX, NY, blocks }, (b: number) => {
      evolveColumns(next.data, prev.data, NX, NY, columnBlock(NY, b, blocks));
    });
    await threads.parallelFor(range(0, blocks), body);
    [prev, next] = [next, prev];
  }
  return prev.data;
}

/** Workers (threads or processes) as the arrays' participants: one evolveMyColumns call per worker per step. */
async function onWorkers(pids: readonly number[]): Promise<Float64Array> {
  let prev = SharedArray.from(Float64Array, initial, [NX + 2, NY + 2], { pids });
  let next = SharedArray.from(Float64Array, initial, [NX + 2, NY + 2], { pids });
  for (let t = 0; t < STEPS; t++) {
    await Promise.all(pids.map((p) => remotecallWait(evolveMyColumns, p, next, prev)));
    [prev, next] = [next, prev];
  }
  return prev.data;
}

/** Worker processes owning column blocks of two DArrays: one evolveMyBlock call per owner per step, ghost columns exchanged between them. */
async function onDArrays(pids: readonly number[]): Promise<Float64Array> {
  const layout = { dims: [NX + 2, NY + 2], dist: [1, pids.length], pids };
  let prev = await distribute(initial, layout);
  let next = await distribute(initial, layout); // the boundary layer is never written: both carry it
  for (let t = 0; t < STEPS; t++) {
    await Promise.all(pids.map((p) => remotecallWait(evolveMyBlock, p, next, prev)));
    [prev, next] = [next, prev];
  }
  const field = (await prev.collect()) as Float64Array;
  prev.release();
  next.release();
  return field;
}

/** FNV-1a (32 bits) of the field's bytes, as 8 hex digits. */
function checksum(field: Float64Array): string {
  const bytes = new Uint8Array(field.buffer, field.byteOffset, field.byteLength);
  let h = 0x811c9dc5;
  for (let k = 0; k < bytes.length; k++) h = Math.imul(h ^ bytes[k]!, 0x01000193);
  return (h >>> 0).toString(16).padStart(8, "0");
}

/** Elements whose bits differ from `expected`'s, and the largest absolute difference. */
function compare(actual: Float64Array, expected: Float64Array): { differing: number; maxDiff: number } {
  const a = new BigUint64Array(actual.buffer, actual.byteOffset, actual.length);
  const e = new BigUint64Array(expected.buffer, expected.byteOffset, expected.length);
  let differing = 0;
  let maxDiff = 0;
  for (let k = 0; k < actual.length; k++) {
    if (a[k] !== e[k]) differing++;
    maxDiff = Math.max(maxDiff, Math.abs(actual[k]! - expected[k]!));
  }
  return { differing, maxDiff };
}

/** Runs a variant, timed. */
async function timed(f: () => Float64Array | Promise<Float64Array>): Promise<{ field: Float64Array; ms: number }> {
  const t0 = performance.now();
  const field = await f();
  return { field, ms: performance.now() - t0 };
}

console.log(`heat equation, ${NX}×${NY} grid, ${STEPS} time steps, a = 0.5, dx = dy = 0.01, ${currentRuntime()}`);
console.log(`average temperature at start: ${averageTemperature(initial, NX, NY).toFixed(5)}`);
const reference = await timed(serial);
const results: Array<[string, { field: Float64Array; ms: number }]> = [["serial", reference]];

await threads.setNthreads(WORKERS);
results.push([`threads.parallelFor, ${threads.nthreads()} threads`, await timed(pooled)]);
await threads.close();

const threadWorkers = await addprocs(WORKERS, { manager: "threads" });
results.push([`${WORKERS} thread workers, SharedArray`, await timed(() => onWorkers(threadWorkers))]);
await rmprocs(threadWorkers);

const processes = await addprocs(WORKERS);
results.push([`${WORKERS} worker processes, SharedArray`, await timed(() => onWorkers(processes))]);
results.push([`${WORKERS} worker processes, DArray + halos`, await timed(() => onDArrays(processes))]);
await rmprocs(processes);

console.log(`average temperature after ${STEPS} steps: ${averageTemperature(reference.field, NX, NY).toFixed(5)}`);
console.log(`checksum (FNV-1a of the field's bytes): ${checksum(reference.field)}`);
let allIdentical = true;
for (const [name, { field }] of results) {
  const { differing, maxDiff } = compare(field, reference.field);
  allIdentical &&= differing === 0;
  const sameBits = `identical bits: ${differing === 0}  max |diff| = ${maxDiff}  checksum ${checksum(field)}`;
  const verdict = name === "serial" ? "the reference" : sameBits;
  console.log(`  ${name.padEnd(36)} ${verdict}`);
}
console.log(`all variants bit-identical: ${allIdentical}`);
console.log("times (they vary from run to run; the per-step barrier costs the workers a round trip per step):");
for (const [name, { ms }] of results) console.log(`  ${name.padEnd(36)} ${ms.toFixed(1).padStart(8)} ms`);
