/**
 * Seed 004's last cells: `addprocs(100)`, `@everywhere function slowtask(_) sleep(5); getpid()
 * end`, `@time pmap(slowtask, rand(100))`, `rmprocs(workers())`: a hundred five-second tasks
 * on a hundred workers take about five seconds, not the 500 s they add up to.
 *
 * Scaled down for a small machine: 8 workers and 16 tasks of 0.5 s by default. The tasks only
 * sleep, so they do not need a core each. Julia's pmap gives each worker one call at a time:
 * tasks / workers × duration (two rounds of 0.5 s here), against the serial sum of 8 s. This
 * pmap keeps two calls in flight per worker, and a worker runs the sleeps of an asynchronous
 * function side by side, so it can take as little as one duration. The elapsed time is
 * printed and checked to lie between one duration and 1.5 × Julia's time; the `getpid()`
 * values show how many worker processes took part.
 *
 * Usage: node dist/examples/seed004/03-many-workers-pmap.js [workers] [tasks] [seconds per task]
 *        (default 8 16 0.5; `100 100 5` is the notebook's cell; bun and deno run
 *        examples/seed004/03-many-workers-pmap.ts directly)
 *
 * @example
 * ```sh
 * node dist/examples/seed004/03-many-workers-pmap.js
 * bun examples/seed004/03-many-workers-pmap.ts 100 100 5
 * ```
 * @module
 */
import { addprocs, everywhere, nworkers, pmap, rmprocs, workers } from "distributed";

// Defined on every process by everywhere() below (declared for the type checker).
declare function slowtask(_: unknown): Promise<number>;
declare const taskSeconds: number;

const count = Number(process.argv[2] ?? 8);
const tasks = Number(process.argv[3] ?? 16);
const seconds = Number(process.argv[4] ?? 0.5);
if (!Number.isInteger(count) || count < 1 || !Number.isInteger(tasks) || tasks < 1 || !(seconds > 0)) {
  console.error("usage: 03-many-workers-pmap [workers: default 8] [tasks: default 16] [seconds per task: default 0.5]");
  process.exit(2);
}

// addprocs(100)  # don't repeat this cell too much!
let t = performance.now();
await addprocs(count, { timeout: 120 });
console.log(`addprocs(${count}): nworkers() = ${nworkers()} (started in ${((performance.now() - t) / 1000).toFixed(1)} s)`);

// @everywhere function slowtask(_) sleep(5); getpid() end
await everywhere({
  taskSeconds: seconds,
  async slowtask(_: unknown): Promise<number> {
    await new Promise((resolve) => setTimeout(resolve, taskSeconds * 1000)); // sleep(5)
    return (globalThis as unknown as { process: { pid: number } }).process.pid; // getpid()
  },
});

// A = rand(100); @time pmap(slowtask, A)
const A = Array.from({ length: tasks }, () => Math.random());
t = performance.now();
const pids = await pmap(slowtask, A);
const elapsed = (performance.now() - t) / 1000;
const ideal = Math.ceil(tasks / count) * seconds;
console.log(`pmap(slowtask, A) over ${tasks} tasks of ${seconds} s: ${pids.length} results from ${new Set(pids).size} worker processes`);
console.log(
  `elapsed ${elapsed.toFixed(2)} s; one call per worker at a time: ${ideal.toFixed(2)} s (${
    Math.ceil(tasks / count)
  } rounds of ${seconds} s); serial: ${(tasks * seconds).toFixed(2)} s`,
);
console.log(`at most about tasks / workers × duration, far below the serial sum: ${elapsed >= seconds * 0.99 && elapsed < 1.5 * ideal}`);

// rmprocs(workers())
await rmprocs(workers());
console.log(`rmprocs(workers()): nworkers() = ${nworkers()}`);
