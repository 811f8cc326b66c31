/**
 * Seed 001, "One master to rule them all": `@spawn`, `@spawnat`, `@fetch`, `@fetchfrom`, `@sync`.
 *
 * | Julia | here |
 * | --- | --- |
 * | `@spawn expr` (any worker) | `spawnat("any", () => expr)` → a `Future` |
 * | `@spawnat p expr` | `spawnat(p, () => expr)` |
 * | `fetch(future)` | `await future.fetch()` |
 * | `@fetch expr` | `await spawnat("any", () => expr).fetch()` |
 * | `@fetchfrom p expr` | `await fetchfrom(p, () => expr)` |
 * | `@sync begin @spawn ...; @spawn ... end` | `await Promise.all(futures.map((f) => f.wait()))` |
 *
 * What a worker prints reaches the master's output as `From worker N:\t...`. It travels on the
 * worker's own output pipe, apart from the result, so it can arrive a moment after the result
 * of the call that printed it (in Julia too); the example waits for it (`workerOutput()`)
 * before printing more, so that its output has the same order on every run.
 *
 * Usage: node dist/examples/seed001/02-spawn-fetch.js   (bun and deno run the .ts directly)
 *
 * @example
 * ```sh
 * bun examples/seed001/02-spawn-fetch.ts
 * ```
 * @module
 */
import { addprocs, fetchfrom, Future, myid, rmprocs, spawnat } from "distributed";

/** Lets worker output that is on its way reach this process's output. */
const workerOutput = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 200));

const pids = await addprocs(2);

// @spawn 3+3: a Future at once; the value stays on the worker until fetched.
const result = spawnat("any", () => 3 + 3);
console.log(
  `result = spawnat("any", () => 3 + 3): ${
    result instanceof Future ? "Future" : typeof result
  }(where=${result.where}, whence=${result.whence}, id=${result.id})`,
);
console.log(`await result.fetch() = ${await result.fetch()}`);

// @fetch 3+3 and @fetch rand(3,3)
console.log(`@fetch 3+3 = ${await spawnat("any", () => 3 + 3).fetch()}`);
const [who, m] = await spawnat(
  "any",
  () => [myid(), Array.from({ length: 3 }, () => Array.from({ length: 3 }, () => Math.random()))] as const,
).fetch();
console.log(`@fetch rand(3,3): a 3×3 matrix made on worker ${who}, every entry in [0, 1): ${m.flat().every((x) => x >= 0 && x < 1)}`);

// Which worker did the work? @fetch begin println(myid()); 3+3 end
const six = await spawnat("any", () => {
  console.log(`${myid()}`); // a string: Deno and Bun colour a logged number when FORCE_COLOR is set
  return 3 + 3;
}).fetch();
await workerOutput();
console.log(`=> ${six}`);

// @fetchfrom 3 begin println(myid()); 3+3 end: a worker of our choice.
const chosen = pids[1]!;
const alsoSix = await fetchfrom(chosen, () => {
  console.log(`${myid()}`); // a string: Deno and Bun colour a logged number when FORCE_COLOR is set
  return 3 + 3;
});
await workerOutput();
console.log(`=> ${alsoSix} (from worker ${chosen})`);

// @sync begin
//     @spawn (sleep(2); println("Today is reverse day!"))
//     @spawn (sleep(1); println(" class!"))
//     @spawn println("Hello")
// end; println("Done!")
// setTimeout is a JavaScript global, so the workers have it; a helper such as sleep(ms)
// defined here would have to be shipped with everywhere({ sleep }) first.
const spawned = [
  spawnat("any", async () => {
    await new Promise((resolve) => setTimeout(resolve, 400));
    console.log("Today is reverse day!");
  }),
  spawnat("any", async () => {
    await new Promise((resolve) => setTimeout(resolve, 200));
    console.log(" class!");
  }),
  spawnat("any", () => console.log("Hello")),
];
await Promise.all(spawned.map((f) => f.wait()));
await workerOutput();
console.log("Done!");

await rmprocs(pids);
