/**
 * `@distributed for` into a SharedArray (seeds 001, 003 and 004), with thread workers (threads
 * of this process, `addprocs(n, { manager: "threads" })`) or, with the argument `processes`,
 * with worker processes on this host (`addprocs(n)`, as the seeds do): either way a SharedArray
 * passed to them is the same memory, not a copy.
 *
 * 1. `a = SharedArray{Float64}(10); @distributed for i = 1:10 a[i] = i end`, and which worker
 *    wrote each element.
 * 2. Seed 001's `square_broken` (a plain array: each worker squares its own copy, the master's
 *    array is unchanged) and `square!` against `square_distributed!` on a SharedArray, each
 *    element with a 1 ms pause "mimicking some computational cost"; both times are printed.
 * 3. Seed 003's `SharedArray{Int,2}((3,4), init = S -> S[localindices(S)] = myid())`, then
 *    `S[3,2] = 7`, and the `indexpids` variant, printed column-major as Julia prints them.
 *
 * Indices are 0-based here (Julia's are 1-based): `a[i] = i` for i = 1:10 is `a.data[i] = i + 1`
 * for i in 0..9, and the SharedArray's participants are this process (pid 1) and the thread
 * workers.
 *
 * Usage: node dist/examples/threads/shared-loop.js [workers] [square size] [threads|processes]
 *        (bun and deno run examples/threads/shared-loop.ts directly)
 *
 * @example
 * ```sh
 * node dist/examples/threads/shared-loop.js        # 2 thread workers, a 10×10 square!
 * node dist/examples/threads/shared-loop.js 2 10 processes
 * bun examples/threads/shared-loop.ts 4 20
 * ```
 * @module
 */
import {
  addprocs,
  capture,
  currentRuntime,
  distributed,
  indexpids,
  localindices,
  myid,
  procs,
  range,
  rmprocs,
  SharedArray,
  workers,
} from "distributed";

const count = Number(process.argv[2] ?? 2);
const size = Number(process.argv[3] ?? 10);
const kind = process.argv[4] ?? "threads";
if (!Number.isInteger(count) || count < 1 || !Number.isInteger(size) || size < 1 || !["threads", "processes"].includes(kind)) {
  console.error(
    "usage: shared-loop [workers: a positive integer, default 2] [square size: a positive integer, default 10] [threads|processes, default threads]",
  );
  process.exit(2);
}
const list = (xs: ArrayLike<number>): string => `[${Array.from(xs).join(", ")}]`;
/** A matrix as Julia prints it: element (i, j) of the column-major data in row i, column j. */
function show(S: SharedArray<Int32ArrayConstructor>): string {
  const [rows, cols] = S.shape as [number, number];
  const width = Math.max(...Array.from(S.data, (v) => String(v).length));
  const lines = [`${rows}×${cols} SharedArray<Int32Array>:`];
  for (let i = 0; i < rows; i++) {
    lines.push(" " + Array.from({ length: cols }, (_, j) => String(S.get(i, j)).padStart(width)).join("  "));
  }
  return lines.join("\n");
}

// addprocs(n): worker processes; or thread workers, threads of this process.
const pids = await addprocs(count, kind === "threads" ? { manager: "threads" } : {});
const workerKind = kind === "threads" ? "thread workers" : "worker processes";
console.log(`runtime: ${currentRuntime()}; ${workerKind} ${list(pids)}; procs() = ${list(procs())}`);

// a = SharedArray{Float64}(10); @distributed for i = 1:10 a[i] = i end
const a = new SharedArray(Float64Array, [10]);
const by = new SharedArray(Int32Array, [10]);
await distributed(
  range(0, 10),
  capture({ a, by }, (i: number) => {
    a.data[i] = i + 1;
    by.data[i] = myid();
  }),
);
console.log(`a = ${list(a.data)}`);
console.log(`written by workers ${list(by.data)}`);

// square_broken(): a plain array is copied to each worker, which squares its own copy.
const A = Array.from({ length: 10 }, (_, i) => i + 1);
await distributed(
  range(0, A.length),
  capture({ A }, (i: number) => {
    A[i] = A[i]! ** 2;
  }),
);
console.log(`square_broken: A = ${list(A)} (each worker squared its own copy)`);

// square!(X) on one process against square_distributed!(S) on the workers, with the same data
// (seed 001: A = rand(10,10); S = SharedArray(A)). The pause is a 1 ms wait, like Julia's sleep.
const original = Float64Array.from({ length: size * size }, (_, k) => ((k * 37) % 101) / 101);
const X = Float64Array.from(original);
const S = SharedArray.from(Float64Array, original, [size, size]);

async function square(X: Float64Array): Promise<void> {
  for (let i = 0; i < X.length; i++) {
    await new Promise((resolve) => setTimeout(resolve, 1)); // mimicking some computational cost
    X[i] = X[i]! ** 2;
  }
}
function squareDistributed(S: SharedArray): Promise<unknown> {
  return distributed(
    range(0, S.length),
    capture({ S }, async (i: number) => {
      await new Promise((resolve) => setTimeout(resolve, 1)); // mimicking some computational cost
      S.data[i] = S.data[i]! ** 2;
    }),
  );
}

let t = performance.now();
await square(X);
const serialSeconds = (performance.now() - t) / 1000;
t = performance.now();
await squareDistributed(S);
const distributedSeconds = (performance.now() - t) / 1000;
const squares = S.data.every((v, k) => v === original[k]! ** 2) && X.every((v, k) => v === original[k]! ** 2);
console.log(`square!(A), ${size}×${size}, one process:          ${(serialSeconds * 1000).toFixed(1)} ms`);
console.log(
  `square_distributed!(S), ${workers().length} ${workerKind}:  ${(distributedSeconds * 1000).toFixed(1)} ms  (${
    (serialSeconds / distributedSeconds).toFixed(2)
  }x)`,
);
console.log(`squares correct: ${squares}`);

// S = SharedArray{Int,2}((3,4), init = S -> S[localindices(S)] = myid())
const M = await SharedArray.create(Int32Array, [3, 4], {
  init: (S) => {
    for (const k of localindices(S)) S.data[k] = myid();
  },
});
console.log(`init with localindices, participants ${list(M.pids)}:`);
console.log(show(M));
// S[3,2] = 7
M.set(2, 1, 7);
console.log("after S[3,2] = 7 (M.set(2, 1, 7)):");
console.log(show(M));

// S = SharedArray{Int,2}((3,4), init = S -> S[indexpids(S):length(procs(S)):length(S)] = myid())
const N = await SharedArray.create(Int32Array, [3, 4], {
  init: (S) => {
    for (let k = indexpids(S) - 1; k < S.length; k += S.pids.length) S.data[k] = myid();
  },
});
console.log(`init with indexpids, participants ${list(N.pids)}:`);
console.log(show(N));

await rmprocs(pids);
