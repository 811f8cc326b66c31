/**
 * Threads, races and atomics (seed 004 and seed 003's "Atomic Operations"), on real shared
 * memory in this process's thread pool:
 *
 * 1. `nthreads()`, and `a[i] = threadid()` for every i with `threads.parallelFor` (Julia's
 *    `Threads.@threads for`): the static split, one contiguous block per thread.
 * 2. The race: every thread adds 1 to a plain shared counter, `iterations` times. The
 *    read-add-write of one thread overwrites the others' updates, so the total falls short.
 *    A start barrier (Atomics.wait/notify) makes the threads really run at the same time
 *    rather than one after another; a round that still loses nothing (a busy machine gave
 *    the threads no common moment) is printed as such and run again, up to 5 rounds.
 * 3. The same with an Atomic counter (Julia's `atomic_add!`): the exact total, every time.
 * 4. Seed 003's `old_is[id] = atomic_add!(i, id)`, an `Atomic<Float64>` sum, and `cas`
 *    (Julia's `atomic_cas!`): one winner among the threads, and a compare-and-swap loop that
 *    computes a maximum.
 *
 * Usage: node dist/examples/threads/race.js [iterations per thread] [threads]
 *        (bun and deno run examples/threads/race.ts directly; the default thread count is
 *        DISTRIBUTED_THREADS, else one per CPU)
 *
 * @example
 * ```sh
 * node dist/examples/threads/race.js            # 1e6 increments per thread
 * bun examples/threads/race.ts 2e6 4
 * deno run -A examples/threads/race.ts 1e5 2
 * ```
 * @module
 */
import { Atomic, capture, currentRuntime, range, SharedArray, threads } from "distributed";

const iterations = Number(process.argv[2] ?? 1e6);
const requested = process.argv[3] === undefined ? undefined : Number(process.argv[3]);
if (!Number.isInteger(iterations) || iterations < 1 || (requested !== undefined && !(Number.isInteger(requested) && requested >= 1))) {
  console.error("usage: race [iterations per thread: a positive integer, e.g. 1e6] [threads: a positive integer]");
  process.exit(2);
}
if (requested !== undefined) await threads.setNthreads(requested);
const n = threads.nthreads();
const list = (xs: ArrayLike<number>): string => `[${Array.from(xs).join(", ")}]`;

// Threads.nthreads(), Threads.threadid()
console.log(`runtime: ${currentRuntime()}`);
console.log(`nthreads() = ${n}`);
console.log(`threadid() here = ${threads.threadid()} (the process's own thread; the pool's threads are 1..${n})`);

// a = zeros(Threads.nthreads()*2); Threads.@threads for i = 1:length(a) a[i] = Threads.threadid() end
const a = new SharedArray(Float64Array, [n * 2]);
await threads.parallelFor(
  range(0, a.length),
  capture({ a }, (i: number) => {
    a.data[i] = threads.threadid();
  }),
);
console.log(`a = threadid() per element, ${a.length} elements: ${list(a.data)}`);
// seed 003: a = zeros(10); Threads.@threads for i = 1:10 a[i] = Threads.threadid() end
const a10 = new SharedArray(Float64Array, [10]);
await threads.parallelFor(
  range(0, 10),
  capture({ a10 }, (i: number) => {
    a10.data[i] = threads.threadid();
  }),
);
console.log(`a = threadid() per element, 10 elements: ${list(a10.data)}`);

// The race: total = 0; @threads for i in 1:N  total += 1  end
// One iteration of the parallel loop per thread: it waits at a start barrier until every
// thread has arrived (Atomics.wait/notify on a shared Int32, so waiting threads take no CPU
// and all wake together), then increments the counter `iterations` times. The increment reads
// and writes memory each time (Atomics.load, then Atomics.store: the JIT cannot keep the
// counter in a register), but the read-add-write as a whole is not atomic: a thread that
// writes back what it read a moment ago erases the increments made in between.
// A race needs the threads to run at the same moment, which a busy machine may not grant:
// if a round happens to lose nothing, it is printed and run again (at most ROUNDS times).
const expected = n * iterations;
const ROUNDS = n > 1 ? 5 : 1; // one thread cannot race with itself
let plainTotal = expected;
for (let round = 1; round <= ROUNDS && plainTotal === expected; round++) {
  const plain = new SharedArray(Int32Array, [1]); // a plain shared counter: no atomic add
  const gate = new SharedArray(Int32Array, [1]);
  const t = performance.now();
  await threads.parallelFor(
    range(0, n),
    capture({ plain, gate, n, iterations }, () => {
      const g = gate.data;
      if (Atomics.add(g, 0, 1) + 1 === n) Atomics.notify(g, 0); // the last to arrive wakes the others
      else for (let v = Atomics.load(g, 0); v < n; v = Atomics.load(g, 0)) Atomics.wait(g, 0, v);
      const cell = plain.data;
      for (let k = 0; k < iterations; k++) Atomics.store(cell, 0, Atomics.load(cell, 0) + 1); // read, add, write
    }),
  );
  const seconds = (performance.now() - t) / 1000;
  plainTotal = plain.data[0]!;
  const note = plainTotal === expected ? "; the threads did not overlap this time" : "";
  console.log(
    `plain counter:  total = ${plainTotal} of ${expected} (${expected - plainTotal} updates lost${note})  ${seconds.toFixed(3)} s`,
  );
}

// total = Threads.Atomic{Int}(0); @threads for i in 1:N  Threads.atomic_add!(total, 1)  end
const total = new Atomic(Int32Array);
const gate = new SharedArray(Int32Array, [1]);
const t = performance.now();
await threads.parallelFor(
  range(0, n),
  capture({ total, gate, n, iterations }, () => {
    const g = gate.data;
    if (Atomics.add(g, 0, 1) + 1 === n) Atomics.notify(g, 0);
    else for (let v = Atomics.load(g, 0); v < n; v = Atomics.load(g, 0)) Atomics.wait(g, 0, v);
    for (let k = 0; k < iterations; k++) total.add(1);
  }),
);
const atomicSeconds = (performance.now() - t) / 1000;
console.log(`atomic counter: total = ${total.load()} of ${expected}  ${atomicSeconds.toFixed(3)} s`);
console.log(`race lost updates: ${plainTotal < expected}; atomic exact: ${total.load() === expected}`);

// seed 003: i = Threads.Atomic{Int}(0); @threads for id in 1:4 old_is[id] = atomic_add!(i, id); ids[id] = id end
const i = new Atomic(Int32Array);
const ids = new SharedArray(Float64Array, [4]);
const oldIs = new SharedArray(Float64Array, [4]);
await threads.parallelFor(
  range(0, 4),
  capture({ i, ids, oldIs }, (k: number) => {
    const id = k + 1;
    oldIs.data[k] = i.add(id);
    ids.data[k] = id;
  }),
);
console.log(`atomic_add!: ids = ${list(ids.data)}, old_is = ${list(oldIs.data)} (the order the threads came in), i = ${i.load()}`);

// Atomic{Float64}: a compare-and-swap loop on the number's bits, as in Julia.
const adds = 10_000;
const sum = new Atomic(Float64Array, 0);
await threads.parallelFor(range(0, adds), capture({ sum }, () => sum.add(0.5)));
console.log(`Atomic<Float64>: ${adds} adds of 0.5 = ${sum.load()} (expected ${adds * 0.5})`);

// atomic_cas!: the old value comes back; the swap happened only if it was the expected one.
const x = new Atomic(Int32Array, 5);
const first = x.cas(5, 7);
const second = x.cas(5, 9);
console.log(`cas: x = 5; cas(x, 5, 7) returned ${first}, cas(x, 5, 9) returned ${second}; x = ${x.load()}`);

// One winner: every thread tries to claim the slot with its threadid; exactly one succeeds.
const owner = new Atomic(Int32Array, 0);
const claims = await threads.map(capture({ owner }, () => owner.cas(0, threads.threadid()) === 0), range(0, n));
console.log(`cas claim: ${claims.filter(Boolean).length} of ${n} threads won (thread ${owner.load()})`);

// A compare-and-swap loop: the maximum of f(k) over 0..N-1, every thread updating one Atomic.
const count = 200_000;
const max = new Atomic(Int32Array, -1);
await threads.parallelFor(
  range(0, count),
  capture({ max }, (k: number) => {
    const v = (k * 7919) % 100_003;
    let seen = max.load();
    while (v > seen) {
      const before = max.cas(seen, v);
      if (before === seen) break; // swapped
      seen = before; // another thread got there first: try again against its value
    }
  }),
);
let serialMax = -1;
for (let k = 0; k < count; k++) serialMax = Math.max(serialMax, (k * 7919) % 100_003);
console.log(`cas loop: max = ${max.load()} (serial: ${serialMax})`);
