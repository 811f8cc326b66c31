/**
 * Seed 003, "Multi-Threading": what examples/threads/race.ts does not already show.
 * (race.ts has `nthreads()`, `threadid()`, `Threads.@threads for i = 1:10 a[i] = threadid()`,
 * the race on a plain counter against `atomic_add!`, and `old_is[id] = atomic_add!(i, id)`;
 * run it as `bun examples/threads/race.ts 1e6 2`.)
 *
 * 1. "`Threads.@threads` does not have an optional reduction parameter like `@distributed`":
 *    here it has one, `threads.reduce(range, body, reducer)`.
 * 2. "Side effects and mutable function arguments": seed 003's `f()` runs `findfirst(rx, s[i])`
 *    on every thread with one shared, mutable `rx`, and gets a wrong count. Threads here share
 *    only what lives in shared memory, so the shared mutable thing is a SharedArray `scratch`
 *    that `findfirst` writes the string into before scanning it: threads overwrite each
 *    other's scratch. The count printed is whatever the race left (exact only if the threads
 *    never met). `f_fix()` gives each thread its own row of scratch (`rx[threadid()]`): exact.
 * 3. `g()`: `a[i] = rand()` on every thread. Julia's threads shared one random generator, so
 *    values repeated (781 unique of 1000); each JavaScript thread has its own `Math.random`
 *    state: 1000 unique of 1000. `g_fix(r)` gave each thread its own seeded stream so that
 *    a run can be repeated; here a counter-based generator (the value depends on the seed and
 *    `i` only) repeats exactly, whatever the number of threads.
 *
 * Usage: node dist/examples/seed003/02-threads.js [threads]   (default 2)
 *        (bun and deno run examples/seed003/02-threads.ts directly)
 *
 * @example
 * ```sh
 * node dist/examples/seed003/02-threads.js 4
 * bun examples/seed003/02-threads.ts
 * ```
 * @module
 */
import { capture, everywhere, range, SharedArray, threads } from "distributed";

const count = Number(process.argv[2] ?? 2);
if (!Number.isInteger(count) || count < 1) {
  console.error("usage: 02-threads [threads: a positive integer, default 2]");
  process.exit(2);
}
await threads.setNthreads(count);
console.log(`nthreads() = ${threads.nthreads()}`);

// 1. @distributed (+) for i = 1:1000 i end, on threads: the reduction Threads.@threads lacks.
const sum = await threads.reduce(range(1, 1001), (i: number) => i, "+");
console.log(`threads.reduce(1:1000, i -> i, +) = ${sum}`);
const maxSquare = await threads.reduce(range(0, 1000), (i: number) => (i * i) % 1009, "max");
console.log(`threads.reduce(0:999, i -> i^2 mod 1009, max) = ${maxSquare}`);

// 2. s = repeat(["123", "213", "231"], outer=OUTER); x[i] = findfirst(rx, s[i]).start
// (OUTER is 100000 rather than the seed's 1000, so that the threads run long enough to meet.)
const OUTER = 100_000;
const s = ["123", "213", "231"]; // s[i % 3] is the repeated array's element i
const x = new SharedArray(Int32Array, [3 * OUTER]);

// findfirst("1", str) the way a stateful matcher does it: copy the subject into the matcher's
// buffer, then scan the buffer. `shared` selects the one buffer of all threads (column 0) or
// the calling thread's own column.
const scratch = new SharedArray(Uint16Array, [3, threads.nthreads() + 1]); // column k: thread k's
function f(shared: boolean): Promise<void> {
  return threads.parallelFor(
    range(0, x.length),
    capture({ s, x, scratch, shared }, (i: number) => {
      const str = s[i % 3]!;
      const col = shared ? 0 : threads.threadid(); // rx, or rx[threadid()]
      const base = col * 3;
      for (let k = 0; k < 3; k++) Atomics.store(scratch.data, base + k, str.charCodeAt(k));
      let at = 0;
      for (let k = 0; k < 3; k++) {
        if (Atomics.load(scratch.data, base + k) === 49) {
          at = k + 1; // 1-based, as Julia's .start
          break;
        }
      }
      x.data[i] = at;
    }),
  );
}
const ones = (): number => x.data.reduce((n, v) => n + (v === 1 ? 1 : 0), 0);
await f(true);
console.log(`f() = ${ones()} (the correct result is ${OUTER})`);
x.data.fill(0);
await f(false);
console.log(`f_fix() = ${ones()}`);

// 3. g(): a = zeros(1000); @threads for i in 1:1000 a[i] = rand() end; length(unique(a))
const a = new SharedArray(Float64Array, [1000]);
await threads.parallelFor(
  range(0, a.length),
  capture({ a }, (i: number) => {
    a.data[i] = Math.random();
  }),
);
console.log(`g() = ${new Set(a.data).size} unique of ${a.length} (each thread has its own Math.random)`);

// g_fix: values that a run can repeat. A counter-based generator (splitmix32 of seed + i) has
// no state to share or to split between threads: thread count and schedule do not matter.
function splitmix(seed: number, i: number): number {
  let z = (seed + Math.imul(i + 1, 0x9e3779b9)) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return ((z ^ (z >>> 16)) >>> 0) / 4294967296;
}
await everywhere({ splitmix }); // @everywhere: defined in Main here and on the pool's threads
async function gFix(seed: number): Promise<Float64Array> {
  const b = new SharedArray(Float64Array, [1000]);
  await threads.parallelFor(
    range(0, b.length),
    capture({ b, seed }, (i: number) => {
      b.data[i] = splitmix(seed, i);
    }),
  );
  return b.data.slice();
}
const serial = Float64Array.from({ length: 1000 }, (_, i) => splitmix(1, i));
const withN = await gFix(1);
await threads.setNthreads(1);
const withOne = await gFix(1);
const same = (p: Float64Array, q: Float64Array): boolean => p.every((v, k) => v === q[k]);
console.log(
  `g_fix(1) = ${new Set(withN).size} unique of 1000; the same on ${count} threads, on 1 thread and serially: ${
    same(withN, withOne) && same(withN, serial)
  }`,
);
console.log(`first three: ${Array.from(withN.slice(0, 3), (v) => v.toFixed(6)).join(", ")}`);
await threads.close();
