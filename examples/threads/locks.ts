/**
 * Julia's `Threads` beyond `@threads`: atomics of every width with `atomic_max!`, `atomic_or!`
 * and friends, `ReentrantLock` and `SpinLock` guarding a plain read-modify-write, and
 * `Threads.@spawn` as `threads.spawn`. With `processes`, two worker processes take part in the
 * same lock and the same counter as this process's pool threads.
 *
 * Usage: node dist/examples/threads/locks.js [processes]
 *        (bun and deno run examples/threads/locks.ts directly)
 *
 * @example
 * ```sh
 * node dist/examples/threads/locks.js
 * deno run -A examples/threads/locks.ts processes
 * ```
 * @module
 */
import { addprocs, Atomic, capture, range, ReentrantLock, remotecallFetch, rmprocs, SharedArray, SpinLock, threads } from "distributed";

const withProcesses = process.argv[2] === "processes";
await threads.setNthreads(2);
const pids = withProcesses ? await addprocs(2) : [];
console.log(`pool threads: ${threads.nthreads()}; worker processes: ${pids.length}`);

// x = Threads.Atomic{UInt8}(250); atomic_add!(x, UInt8(10)); x[]   -> 4: it wraps at 8 bits
const small = new Atomic(Uint8Array, 250);
const before = small.add(10);
console.log(`Atomic{UInt8}(250): atomic_add!(x, 10) returned ${before}; x[] = ${small.load()}`);

// best = Threads.Atomic{Int}(-1); @threads for i in 0:999 atomic_max!(best, (i * 7919) % 1000) end
const best = new Atomic(Int32Array, -1);
const least = new Atomic(Float64Array, Infinity);
await threads.parallelFor(
  range(0, 1000),
  capture({ best, least }, (i: number) => {
    best.max((i * 7919) % 1000);
    least.min(Math.sin(i));
  }),
);
console.log(`atomic_max! = ${best.load()}; atomic_min! of sin(i) on an Atomic{Float64} = ${least.load().toFixed(6)}`);

// flags = Threads.Atomic{UInt32}(0); @threads for b in 0:31 atomic_or!(flags, UInt32(1) << b) end
const flags = new Atomic(Uint32Array);
await threads.parallelFor(range(0, 32), capture({ flags }, (b: number) => flags.or(2 ** b)));
console.log(
  `atomic_or! of every bit: ${flags.load().toString(16)}; atomic_xor! with ffff0000 gives ${
    (flags.xor(0xffff0000), flags.load()).toString(16)
  }`,
);

// l = ReentrantLock(); @threads for i in 1:N lock(l) do total[1] += 1 end end (and on the workers)
const l = new ReentrantLock();
const total = new SharedArray(Float64Array, [1]);
const N = 400;
await Promise.all([
  threads.parallelFor(
    range(0, N),
    capture({ l, total }, async () => {
      await l.run(() => {
        total.data[0] = total.data[0]! + 1;
      }); // a plain read-modify-write, made exclusive
    }),
  ),
  ...pids.map((p) =>
    remotecallFetch(
      async (l: ReentrantLock, total: SharedArray<Float64ArrayConstructor>, n: number) => {
        for (let i = 0; i < n; i++) {
          await l.run(() => {
            total.data[0] = total.data[0]! + 1;
          });
        }
      },
      p,
      l,
      total,
      N,
    )
  ),
]);
console.log(`lock(l) do total[1] += 1 end, ${N * (1 + pids.length)} times: total = ${total.data[0]}`);

// lock(l) do lock(l) do ... end end: its owner re-enters a ReentrantLock
const depth = await l.run(async () => l.run(() => (l.islocked() ? "re-entered" : "?")));
console.log(`nested lock(l): ${depth}; islocked(l) after = ${l.islocked()}`);

// s = SpinLock(); trylock(s), trylock(s), unlock(s)
const s = new SpinLock();
console.log(`SpinLock: trylock = ${s.trylock()}, again = ${s.trylock()}, ${String(s).replace(/OS pid \d+/, "OS pid N")}`);
s.unlock();

// tasks = [Threads.@spawn (lock(l) do sum[1] += k end; k * k) for k in 1:8]; fetch.(tasks)
const sum = new SharedArray(Float64Array, [1]);
const tasks = [1, 2, 3, 4, 5, 6, 7, 8].map((k) =>
  threads.spawn(
    capture({ l, sum }, async (k: number) => {
      await l.run(() => {
        sum.data[0] = sum.data[0]! + k;
      });
      return k * k;
    }),
    k,
  )
);
console.log(`fetch.(Threads.@spawn ...) = [${(await Promise.all(tasks)).join(", ")}]; sum under the lock = ${sum.data[0]}`);

if (pids.length > 0) await rmprocs(pids);
await threads.close();
