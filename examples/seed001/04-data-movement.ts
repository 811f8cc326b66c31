/**
 * Seed 001, "Data movement": `method1` makes two random matrices on the master and sends them
 * to a worker, which computes `A^2 * B^2` and sends the product back; `method2` makes them on
 * the worker, so only the product travels. method1 moves three matrices, method2 one.
 *
 * ```julia
 * function method1()
 *     A = rand(100,100)
 *     B = rand(100,100)
 *     C = @fetch A^2 * B^2
 * end
 * function method2()
 *     C = @fetch rand(100,100)^2 * rand(100,100)^2
 * end
 * ```
 *
 * In Julia, A and B reach the worker because the closure uses them; here that is explicit:
 * `capture({ A, B }, fn)` ships them with the function. Both are timed as `@btime` does (the
 * best of several runs, after a warm-up; the runs alternate between the two methods), and the
 * bytes each moves are counted.
 *
 * With 100×100 matrices the three products (6·10^6 flops each way, and no BLAS in JavaScript)
 * cost more than moving 160 kB, so method1 is only some 10% slower here (Julia's BLAS makes
 * the products so fast that the seed measured 1.6x). Data movement weighs most when it is
 * large next to the computation; the second pair shows that: element-wise `A.^2 .* B.^2` of
 * 1000×1000 matrices, where moving 16 MB more makes method1 one and a half to two and a half
 * times slower.
 *
 * Usage: node dist/examples/seed001/04-data-movement.js [runs]   (default 10; bun and deno run the .ts directly)
 *
 * @example
 * ```sh
 * bun examples/seed001/04-data-movement.ts 50
 * ```
 * @module
 */
import { addprocs, capture, everywhere, rmprocs, spawnat } from "distributed";
import { type Matrix, mul, rand, square } from "./linalg.ts";

const runs = Number(process.argv[2] ?? 10);
if (!Number.isInteger(runs) || runs < 1) {
  console.error("usage: 04-data-movement [runs: a positive integer, default 10]");
  process.exit(2);
}

const pids = await addprocs(1);
await everywhere(new URL(`./linalg.${import.meta.url.endsWith(".ts") ? "ts" : "js"}`, import.meta.url));
const worker = pids[0]!;

/** `A.^2 .* B.^2`: element-wise, one pass over the data. */
function squaresTimes(A: Matrix, B: Matrix): Matrix {
  const out = new Float64Array(A.data.length);
  for (let k = 0; k < out.length; k++) out[k] = A.data[k]! ** 2 * B.data[k]! ** 2;
  return { rows: A.rows, cols: A.cols, data: out };
}
await everywhere({ squaresTimes });

/**
 * The best of `runs` timings (ms) of each method, after one warm-up run of each, as @btime
 * reports. The runs alternate between the two methods, so both see the same machine load.
 */
async function btime2(method1: () => Promise<Matrix>, method2: () => Promise<Matrix>): Promise<[number, number]> {
  await method1();
  await method2();
  const best: [number, number] = [Infinity, Infinity];
  for (let r = 0; r < runs; r++) {
    for (const [k, f] of [method1, method2].entries()) {
      const t = performance.now();
      await f();
      best[k] = Math.min(best[k]!, performance.now() - t);
    }
  }
  return best;
}

async function compare(title: string, n: number, method1: () => Promise<Matrix>, method2: () => Promise<Matrix>): Promise<void> {
  const bytes = n * n * 8;
  const [t1, t2] = await btime2(method1, method2);
  console.log(`${title}, ${n}×${n} (best of ${runs} runs each):`);
  console.log(`  method1: ${t1.toFixed(3)} ms  moves ${(3 * bytes / 1e3).toFixed(0)} kB (A and B there, C back)`);
  console.log(`  method2: ${t2.toFixed(3)} ms  moves ${(bytes / 1e3).toFixed(0)} kB (C back)`);
  console.log(`  method1 moves 3x the data of method2 and takes ${(t1 / t2).toFixed(2)}x its time`);
}

// The seed's pair: matrix powers, compute-bound here.
const N = 100;
async function method1(): Promise<Matrix> {
  const A = rand(N, N);
  const B = rand(N, N);
  return spawnat(worker, capture({ A, B }, () => mul(square(A), square(B)))).fetch();
}
async function method2(): Promise<Matrix> {
  return spawnat(worker, capture({ N }, () => mul(square(rand(N, N)), square(rand(N, N))))).fetch();
}
await compare("A^2 * B^2 (the seed's)", N, method1, method2);

// Data-bound: element-wise, so the bytes moved decide.
const M = 1000;
async function method1Elementwise(): Promise<Matrix> {
  const A = rand(M, M);
  const B = rand(M, M);
  return spawnat(worker, capture({ A, B }, () => squaresTimes(A, B))).fetch();
}
async function method2Elementwise(): Promise<Matrix> {
  return spawnat(worker, capture({ M }, () => squaresTimes(rand(M, M), rand(M, M)))).fetch();
}
await compare("A.^2 .* B.^2 (element-wise)", M, method1Elementwise, method2Elementwise);

await rmprocs(pids);
