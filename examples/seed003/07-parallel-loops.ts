/**
 * Seed 003, "Parallel Map and Loops", on two local workers.
 *
 * 1. `@everywhere include("count_heads.jl")`, then `a = @spawn count_heads(n)`,
 *    `b = @spawn count_heads(n)`, `fetch(a) + fetch(b)`: coin flips on two processes.
 * 2. `nheads = @distributed (+) for i = 1:2n Int(rand(Bool)) end`: the same as a parallel
 *    reduction, `distributed(range, body, "+")`.
 * 3. A read-only "outside" variable: `a = randn(1000); @distributed (+) for i = 1:100000
 *    f(a[rand(1:end)]) end`, with `a` shipped by `capture({ a }, ...)`.
 * 4. `@sync @distributed for` without a reducer: `await distributed(range, body)` resolves once
 *    every iteration has run; the iterations are split statically, one block per worker.
 *    (Writing into a plain array from such a loop changes only the workers' copies; into a
 *    SharedArray it works: see examples/threads/shared-loop.ts.)
 * 5. `pmap(svdvals, M)` over 10 random matrices (seeded, so that the values printed are the
 *    same on every run; 40×40 rather than 1000×1000 to stay small).
 *
 * Counts of random coin flips differ from run to run; what is printed about them is whether
 * they are within 0.2% of half the flips (over 20 standard deviations at these sizes).
 *
 * Usage: node dist/examples/seed003/07-parallel-loops.js [flips per worker]   (default 1e7)
 *        (bun and deno run examples/seed003/07-parallel-loops.ts directly)
 *
 * @example
 * ```sh
 * node dist/examples/seed003/07-parallel-loops.js 1e8
 * deno run -A examples/seed003/07-parallel-loops.ts
 * ```
 * @module
 */
import { addprocs, capture, Channel, distributed, everywhere, myid, pmap, range, RemoteChannel, rmprocs, spawnat } from "distributed";

const n = Number(process.argv[2] ?? 1e7);
if (!Number.isInteger(n) || n < 1e6) {
  console.error("usage: 07-parallel-loops [flips per worker: an integer >= 1e6, default 1e7]");
  process.exit(2);
}
const pids = await addprocs(2);
console.log(`workers: [${pids.join(", ")}]`);

// 1. @everywhere include("count_heads.jl"): linalg.ts next to this file (linalg.js when built).
const linalgUrl = new URL(`./linalg.${import.meta.url.endsWith(".ts") ? "ts" : "js"}`, import.meta.url);
await everywhere(linalgUrl);
const { countHeads, seededMatrix, svdvals } = (await import(linalgUrl.href)) as typeof import("./linalg.ts");
const near = (heads: number, flips: number): boolean => Math.abs(heads - flips / 2) < 0.002 * flips;

const a = spawnat("any", countHeads, n);
const b = spawnat("any", countHeads, n);
const heads = (await a.fetch()) + (await b.fetch());
console.log(`a = @spawn count_heads(${n}) on worker ${a.where}, b on worker ${b.where}`);
console.log(`fetch(a) + fetch(b) = ${heads}: within 0.2% of ${n} (half of ${2 * n}): ${near(heads, 2 * n)}`);

// 2. nheads = @distributed (+) for i = 1:2n Int(rand(Bool)) end
const nheads = (await distributed(range(0, 2 * n), () => (Math.random() < 0.5 ? 1 : 0), "+"))!;
console.log(`@distributed (+) over ${2 * n} flips = ${nheads}: within 0.2% of ${n}: ${near(nheads, 2 * n)}`);

// 3. a = randn(1000); @distributed (+) for i = 1:100000 f(a[rand(1:end)]) end, with f(x) = x^2
const randn = (): number => Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random());
const samples = Float64Array.from({ length: 1000 }, randn);
const total =
  (await distributed(range(0, 100_000), capture({ samples }, () => samples[Math.floor(Math.random() * samples.length)]! ** 2), "+"))!;
const meanSquare = samples.reduce((s, x) => s + x * x, 0) / samples.length;
console.log(
  `@distributed (+) f(a[rand(1:end)]) / 100000 is within 5% of mean(f.(a)): ${Math.abs(total / 100_000 - meanSquare) < 0.05 * meanSquare}`,
);

// 4. @sync @distributed for i = 1:8 ... end: which worker ran which iteration.
const log = new RemoteChannel<[number, number]>(() => new Channel(Infinity)); // on this process
await distributed(range(1, 9), capture({ log }, (i: number) => log.put([i, myid()])));
const ran: Array<[number, number]> = [];
while (await log.isready()) ran.push(await log.take());
ran.sort((x, y) => x[0] - y[0]);
console.log(`@sync @distributed for i = 1:8: all ${ran.length} iterations ran before it returned`);
for (const p of pids) console.log(`  worker ${p} ran i = ${ran.filter(([, q]) => q === p).map(([i]) => i).join(", ")}`);

// 5. M = Matrix{Float64}[rand(1000,1000) for i = 1:10]; pmap(svdvals, M)
const M = Array.from({ length: 10 }, (_, i) => seededMatrix(i + 1, 40));
const t = performance.now();
const values = await pmap(svdvals, M);
const seconds = (performance.now() - t) / 1000;
console.log(`pmap(svdvals, M) over ${M.length} matrices of 40×40 in ${seconds.toFixed(3)} s; the largest singular value of each:`);
console.log(`  [${values.map((v) => v[0]!.toFixed(4)).join(", ")}]`);
const serial = M.map(svdvals);
console.log(`the same as map(svdvals, M) here: ${values.every((v, i) => v.every((x, k) => x === serial[i]![k]))}`);

await rmprocs(pids);
