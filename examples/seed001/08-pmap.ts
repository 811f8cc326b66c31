/**
 * Seed 001, "Parallel map: pmap": `map(x -> x^2, 1:10)` and its parallel form, then the
 * singular values of ten random matrices (`map(svdvals, M)` against `pmap(svdvals, M)`), which
 * workers did the work, and the times of both.
 *
 * `@everywhere using LinearAlgebra` is `everywhere(url of ./linalg.ts)`: svdvals is then an
 * export of a module every process has loaded, and travels by reference. The seed's matrices
 * are 200×200; these are 80×80 (JavaScript has no LAPACK), ten of them, as in the seed.
 *
 * When to choose which (the notebook's summary): `pmap` for a function applied to a collection,
 * when each call does a larger amount of work and/or the work is uneven (it balances the load
 * over the workers); `distributed` (07-distributed.ts) for reductions over many tiny, uniform
 * iterations.
 *
 * Usage: node dist/examples/seed001/08-pmap.js [matrix size]   (default 80; bun and deno run the .ts directly)
 *
 * @example
 * ```sh
 * bun examples/seed001/08-pmap.ts 200
 * ```
 * @module
 */
import { addprocs, everywhere, myid, pmap, range, rmprocs } from "distributed";
import { matrix, rand, svdvals } from "./linalg.ts";
import { best } from "./timing.ts";

const n = Number(process.argv[2] ?? 80);
if (!Number.isInteger(n) || n < 2) {
  console.error("usage: 08-pmap [matrix size: an integer of at least 2, default 80]");
  process.exit(2);
}
/** Lets worker output that is on its way reach this process's output (see 02-spawn-fetch.ts). */
const workerOutput = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 200));
const list = (xs: readonly number[]): string => `[${xs.join(", ")}]`;

const pids = await addprocs(2);
await everywhere(new URL(`./linalg.${import.meta.url.endsWith(".ts") ? "ts" : "js"}`, import.meta.url));

// map(x->x^2, 1:10) and pmap(x->x^2, 1:10)
console.log(`map(x -> x^2, 1:10)  = ${list(range(1, 11).toArray().map((x) => x ** 2))}`);
console.log(`pmap(x -> x^2, 1:10) = ${list(await pmap((x: number) => x ** 2, range(1, 11)))}`);

// svdvals(rand(2,2)), on a matrix whose singular values are known: sqrt(45) and sqrt(5).
console.log(`svdvals([3 0; 4 5]) = ${list(svdvals(matrix([[3, 0], [4, 5]])).map((s) => Number(s.toFixed(12))))}`);

// M = Matrix{Float64}[rand(200,200) for i = 1:10]
const M = Array.from({ length: 10 }, () => rand(n, n));
const viaMap = M.map(svdvals);
const viaPmap = await pmap(svdvals, M);
console.log(
  `map(svdvals, M) and pmap(svdvals, M): ${viaPmap.length} vectors of ${viaPmap[0]!.length} singular values, identical: ${
    JSON.stringify(viaMap) === JSON.stringify(viaPmap)
  }`,
);
// The largest singular value of an n×n matrix of uniform [0, 1) entries is close to n/2.
console.log(`largest singular values near n/2 = ${n / 2}: ${viaPmap.every((s) => Math.abs(s[0]! - n / 2) < 0.1 * n)}`);

// pmap(M) do m
//     println(myid());
//     svdvals(m)
// end;
const done = await pmap((m: (typeof M)[number]) => {
  console.log(`${myid()}`); // a string: Deno and Bun colour a logged number when FORCE_COLOR is set
  return [myid(), svdvals(m).length];
}, M);
await workerOutput();
console.log(
  `pmap with println(myid()): ${done.length} matrices, on workers ${list([...new Set(done.map(([p]) => p!))].sort((a, b) => a - b))}`,
);

// @btime map($svdvals, $M); @btime pmap($svdvals, $M)
const mapMs = await best(() => M.map(svdvals));
const pmapMs = await best(() => pmap(svdvals, M));
console.log(`map(svdvals, M)   ${mapMs.toFixed(1)} ms`);
console.log(`pmap(svdvals, M)  ${pmapMs.toFixed(1)} ms on ${pids.length} workers: ${(mapMs / pmapMs).toFixed(2)}x the speed of map`);

await rmprocs(pids);
