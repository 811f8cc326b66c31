/**
 * Seed 003, "Global variables": what a remote call may use, and what stays on the workers.
 *
 * Julia ships a global that a closure uses (`remotecall_fetch(() -> sum(A), 2)`) and leaves
 * `Main.A` defined on worker 2 afterwards, silently. Here nothing is implicit:
 *
 * 1. A closure that uses a local `A` is refused at the call site (`UndefinedNameError`), with
 *    the fixes in the message.
 * 2. `capture({ A }, fn)` sends A with the call and leaves nothing behind (Julia's
 *    `let B = B ... end`).
 * 3. `everywhere({ A }, { procs })` defines `Main.A` there, as Julia's global shipping does;
 *    the manual's sequence (A to worker 2, a new A to worker 3, `A = nothing` here) leaves
 *    different values on 2 and 3, and nothing here.
 * 4. `@fetchfrom 2 varinfo()`: worker 2 has a binding `A` and none for `B`.
 * 5. `clear!([:A], workers())` is `clear(["A"])`: the bindings go, and their memory with them;
 *    using A there afterwards is an error from the worker.
 *
 * Usage: node dist/examples/seed003/06-globals.js
 *        (bun and deno run examples/seed003/06-globals.ts directly)
 *
 * @example
 * ```sh
 * node dist/examples/seed003/06-globals.js
 * bun examples/seed003/06-globals.ts
 * ```
 * @module
 */
import { addprocs, capture, clear, everywhere, fetchfrom, remotecallFetch, rmprocs, workers } from "distributed";

const pids = await addprocs(2);
const [w2, w3] = pids as [number, number];
console.log(`workers: [${pids.join(", ")}]`);

// 1. A = 1:100 (rand(10,10) in the seed; fixed values here, so that the sums can be printed)
let A: Float64Array | null = Float64Array.from({ length: 100 }, (_, i) => i + 1);
try {
  await remotecallFetch(() => A!.reduce((s, x) => s + x, 0), w2);
} catch (err) {
  console.log(`remotecall_fetch(() -> sum(A), ${w2}): ${(err as Error).name}`);
  console.log(`  ${(err as Error).message}`);
}

// 2. let B = B; remotecall_fetch(() -> sum(B), 2) end: B travels with the call only.
const B = Float64Array.from({ length: 100 }, (_, i) => 2 * (i + 1));
console.log(
  `capture({ B }): remotecall_fetch(() -> sum(B), ${w2}) = ${await remotecallFetch(
    capture({ B }, () => B.reduce((s, x) => s + x, 0)),
    w2,
  )}`,
);

// 3. A = rand(10,10); remotecall_fetch(() -> sum(A), 2); A = rand(10,10); remotecall_fetch(() -> sum(A), 3); A = nothing
await everywhere({ A }, { procs: [w2] }); // Main.A on worker 2
A = Float64Array.from({ length: 100 }, (_, i) => 3 * (i + 1));
await everywhere({ A }, { procs: [w3] }); // a different Main.A on worker 3
A = null;
// The same closure as in 1.: shipped, its `A` is Main.A of the process that runs it.
const sumA = (): number => A!.reduce((s, x) => s + x, 0);
console.log(
  `Main.A on worker ${w2}: sum = ${await remotecallFetch(sumA, w2)}; on worker ${w3}: sum = ${await remotecallFetch(
    sumA,
    w3,
  )}; A here = ${A}`,
);

// 4. @fetchfrom 2 varinfo(): which of A and B are bound on worker 2
const bound = (): string[] => ["A", "B"].filter((name) => name in globalThis);
console.log(`@fetchfrom ${w2} varinfo(): [${(await fetchfrom(w2, bound)).join(", ")}] (B was captured, not bound)`);

// 5. clear!([:A], workers())
await clear(["A"]);
console.log(
  `clear(["A"]): @fetchfrom ${w2} varinfo() = [${(await fetchfrom(w2, bound)).join(", ")}], on worker ${w3}: [${
    (await fetchfrom(w3, bound)).join(", ")
  }]`,
);
const err = await remotecallFetch(sumA, w3).catch((e: unknown) => e);
console.log(`using A on worker ${w3} now: ${(err as Error).message.split("\n").join(" / ")}`);

await rmprocs(workers());
