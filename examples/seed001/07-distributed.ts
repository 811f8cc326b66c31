/**
 * Seed 001, "Distributed loops (@distributed)": counting heads in a series of coin tosses, a
 * reduction with `+` as the reducer.
 *
 * | Julia | here |
 * | --- | --- |
 * | `for i = 1:n; c += rand(Bool); end` | `countHeadsLoop(n)` |
 * | `mapreduce(i -> rand(Bool), +, 1:n)` | `countHeadsReduce(n)` |
 * | `@distributed (+) for i in 1:n; Int(rand(Bool)); end` | `distributed(range(0, n), () => (Math.random() < 0.5 ? 1 : 0), "+")` |
 *
 * Then the verbose version, where each iteration prints its toss on its worker (the work is
 * split evenly, one contiguous chunk per worker: which iteration ran where is printed too),
 * and the notebook's "common mistake": a loop body that adds to a variable of the caller.
 * Julia runs it and the variable stays 0; here the body is refused at the call site
 * (UndefinedNameError), and with `capture({ a }, ...)` each worker adds to its own copy, so
 * `a` stays 0 here too. The reduction is the way to get the count.
 *
 * The `@distributed for` over a SharedArray (`square_broken`, `square_distributed!`) is
 * examples/threads/shared-loop.ts.
 *
 * Usage: node dist/examples/seed001/07-distributed.js [tosses]   (default 1e7; bun and deno run the .ts directly)
 *
 * @example
 * ```sh
 * bun examples/seed001/07-distributed.ts 2e8
 * ```
 * @module
 */
import { addprocs, capture, distributed, myid, range, rmprocs, UndefinedNameError } from "distributed";

const N = Number(process.argv[2] ?? 1e7);
if (!Number.isInteger(N) || N < 1) {
  console.error("usage: 07-distributed [tosses: a positive integer, default 1e7]");
  process.exit(2);
}
/** Lets worker output that is on its way reach this process's output (see 02-spawn-fetch.ts). */
const workerOutput = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 200));

function countHeadsLoop(n: number): number {
  let c = 0;
  for (let i = 0; i < n; i++) c += Math.random() < 0.5 ? 1 : 0;
  return c;
}
function mapreduce<T>(f: (x: number) => T, op: (a: T, b: T) => T, r: Iterable<number>): T {
  let acc: T | undefined;
  let first = true;
  for (const x of r) {
    acc = first ? f(x) : op(acc as T, f(x));
    first = false;
  }
  return acc as T;
}
const countHeadsReduce = (n: number): number => mapreduce((): number => (Math.random() < 0.5 ? 1 : 0), (a, b) => a + b, range(0, n));
async function countHeadsDistributedLoop(n: number): Promise<number> {
  return (await distributed(range(0, n), () => (Math.random() < 0.5 ? 1 : 0), "+"))!;
}

/** The best of three runs, in ms, and the last result. */
async function timed(f: () => number | Promise<number>): Promise<[number, number]> {
  let best = Infinity;
  let value = 0;
  for (let r = 0; r < 3; r++) {
    const t = performance.now();
    value = await f();
    best = Math.min(best, performance.now() - t);
  }
  return [value, best];
}
/** Whether `heads` of `n` fair tosses is within 6 standard deviations of n/2. */
const fair = (heads: number, n: number): boolean => Math.abs(heads - n / 2) < 6 * Math.sqrt(n / 4);

const pids = await addprocs(2);
const [loopHeads, loopMs] = await timed(() => countHeadsLoop(N));
const [reduceHeads, reduceMs] = await timed(() => countHeadsReduce(N));
const [distHeads, distMs] = await timed(() => countHeadsDistributedLoop(N));
console.log(`count heads in ${N.toExponential(1)} tosses:`);
console.log(`  countHeadsLoop              ${loopMs.toFixed(1)} ms`);
console.log(`  countHeadsReduce            ${reduceMs.toFixed(1)} ms`);
console.log(
  `  countHeadsDistributedLoop   ${distMs.toFixed(1)} ms on ${pids.length} workers: ${(loopMs / distMs).toFixed(2)}x the loop's speed`,
);
console.log(`  about half heads each time: ${[loopHeads, reduceHeads, distHeads].every((h) => fair(h, N))}`);

// count_heads_distributed_verbose(8): every toss printed by the worker that made it.
const verbose = await distributed(range(0, 8), () => {
  const x = Math.random() < 0.5 ? 1 : 0;
  console.log(`${x}`); // a string: Deno and Bun colour a logged number when FORCE_COLOR is set
  return x;
}, "+");
await workerOutput();
console.log(`countHeadsDistributedVerbose(8) = ${verbose} (the sum of the 8 tosses above)`);
// The split: one contiguous chunk per worker, as Julia's @distributed does.
const where = (await distributed(range(1, 9), (i) => [`${i}→${myid()}`], (a: string[], b: string[]) => [...a, ...b]))!;
console.log(`iteration→worker: ${where.join(" ")}`);

// A common mistake:
// function g(n)
//     a = 0
//     @distributed (+) for i in 1:n
//         a += 1
//     end
//     a
// end
async function g(n: number): Promise<number> {
  let a = 0;
  try {
    await distributed(range(0, n), () => (a += 1), "+");
  } catch (err) {
    console.log(
      `g(${n}): the body uses a variable of g: ${
        err instanceof UndefinedNameError ? `UndefinedNameError naming ${err.names.join(", ")}` : String(err)
      }`,
    );
  }
  // Captured, each worker gets a copy of a (0) and adds to it: the copies go 1..5.
  const sum = await distributed(range(0, n), capture({ a }, () => (a += 1)), "+");
  console.log(
    `g(${n}) with capture({ a }): the workers' copies go 1..${n / pids.length}, their values sum to ${sum}; a here is still ${a}`,
  );
  return a;
}
console.log(`a = g(10) = ${await g(10)}`);
console.log(`the count as a reduction: distributed(range(0, 10), () => 1, "+") = ${await distributed(range(0, 10), () => 1, "+")}`);

await rmprocs(pids);
