/**
 * Seed 003, "Multi-Core or Distributed Processing": remote references (`Future`) and remote
 * calls, on two local workers.
 *
 * 1. `r = remotecall(rand, 2, 2, 2)`, `s = @spawnat 2 1 .+ fetch(r)`, `fetch(s)`: a 2×2
 *    random matrix made on worker 2 and 1 added to it there; only `s`'s value comes here.
 * 2. `remotecall_fetch(getindex, 2, r, 1, 1)`: one element of `r`, read on worker 2.
 * 3. `@spawn` (here `spawnat("any", ...)`) picks the worker in turn; a Future passed to another
 *    worker is fetched there, worker to worker.
 * 4. A fetched Future caches its value: a second fetch is no network hop.
 * 5. `remotecall_wait`, `remote_do`, and an error on a worker (`RemoteException`, here
 *    `RemoteError`, printed "On worker N:").
 * 6. The `@async` feeder tasks of the manual: one local task per worker, each taking the next
 *    index (`nextidx`) and waiting for its worker, until the indices run out. The tasks share
 *    `nextidx` safely: they run on one thread and switch only at `await`.
 *
 * Matrices are Float64Arrays in column-major order, as Julia stores them. Random values
 * differ from run to run; what is printed about them is checked by pattern.
 *
 * Usage: node dist/examples/seed003/03-remote-calls.js
 *        (bun and deno run examples/seed003/03-remote-calls.ts directly)
 *
 * @example
 * ```sh
 * node dist/examples/seed003/03-remote-calls.js
 * bun examples/seed003/03-remote-calls.ts
 * ```
 * @module
 */
import {
  addprocs,
  Future,
  myid,
  remotecall,
  remotecallFetch,
  remotecallWait,
  remoteDo,
  RemoteError,
  rmprocs,
  spawnat,
  workers,
} from "distributed";

const show = (m: Float64Array): string => `[${Array.from(m, (v) => v.toFixed(5)).join(", ")}]`;

const pids = await addprocs(2);
console.log(`addprocs(2) = [${pids.join(", ")}]`);
const [w2, w3] = pids as [number, number];

// 1. r = remotecall(rand, 2, 2, 2); s = @spawnat 2 1 .+ fetch(r); fetch(s)
const rand = (rows: number, cols: number): Float64Array => Float64Array.from({ length: rows * cols }, () => Math.random());
const r = remotecall(rand, w2, 2, 2);
// r is shipped to worker 2 as a handle; fetching it there is local to worker 2.
const s = spawnat(w2, async (r: Future<Float64Array>) => (await r.fetch()).map((x) => 1 + x), r);
console.log(`r = remotecall(rand, ${w2}, 2, 2): a Future on worker ${r.where}`);
console.log(`s = @spawnat ${w2} 1 .+ fetch(r): a Future on worker ${s.where}`);
const sv = await s.fetch();
console.log(`fetch(s) = ${show(sv)}`);
console.log(`fetch(s) is 2×2 with entries in [1, 2): ${sv.length === 4 && sv.every((v) => v >= 1 && v < 2)}`);

// 2. remotecall_fetch(getindex, 2, r, 1, 1): r[1,1], read on worker 2 (only a number travels).
const r11 = await remotecallFetch(
  async (r: Future<Float64Array>, i: number, j: number) => (await r.fetch())[(j - 1) * 2 + (i - 1)],
  w2,
  r,
  1,
  1,
);
console.log(`remotecall_fetch(getindex, ${w2}, r, 1, 1) = ${r11.toFixed(5)}; fetch(s)[1,1] - r[1,1] = ${(sv[0]! - r11).toFixed(5)}`);

// 3. r = @spawn rand(2,2); s = @spawn 1 .+ fetch(r)
const r2 = spawnat("any", rand, 2, 2);
const s2 = spawnat("any", async (r: Future<Float64Array>) => [myid(), (await r.fetch()).map((x) => 1 + x)] as const, r2);
const [fetchedOn, s2v] = await s2.fetch();
console.log(
  `@spawn rand(2,2) ran on worker ${r2.where}; @spawn 1 .+ fetch(r) ran on worker ${s2.where} (myid() there: ${fetchedOn}) and fetched r from worker ${r2.where}`,
);
console.log(`fetch(s) = ${show(s2v)}`);

// 4. Once fetched, a Future caches its value locally.
const first = await r.fetch();
const again = await r.fetch();
console.log(`fetch(r) twice: the same object, fetched once: ${first === again}`);

// 5. remotecall_wait: waits until the call is done; the value stays on the worker.
const done = await remotecallWait(() => "stays there", w3);
console.log(`remotecall_wait: isready = ${await done.isready()}, value fetched afterwards = ${JSON.stringify(await done.fetch())}`);
// remote_do: nothing comes back, not even an error (errors print on the worker).
const flag = new Future<string>(1); // a Future on the master that worker 3 will set
remoteDo(async (f: Future<string>) => void (await f.put(`set by worker ${myid()}`)), w3, flag);
console.log(`remote_do(put!, ${w3}, f): fetch(f) = ${JSON.stringify(await flag.fetch())}`);
// RemoteException: the error from the worker, with its pid.
const err = await remotecallFetch(() => {
  throw new Error("boom");
}, w2).catch((e: unknown) => e);
console.log(`an error on worker ${w2}: ${(err as Error).name}, pid ${(err as RemoteError).pid}, message:`);
console.log((err as Error).message);

// 6. @sync for p in workers() @async while (idx = nextidx()) <= n; results[idx] = remotecall_fetch(f, p, lst[idx]) end end
async function feederPmap<T, R>(f: (x: T) => R | Promise<R>, lst: readonly T[]): Promise<Awaited<R>[]> {
  const n = lst.length;
  const results = new Array<Awaited<R>>(n);
  let i = 0;
  const nextidx = (): number => i++; // shared by the feeder tasks below
  await Promise.all(
    workers().map(async (p) => {
      for (let idx = nextidx(); idx < n; idx = nextidx()) results[idx] = (await remotecallFetch(f, p, lst[idx]!)) as Awaited<R>;
    }),
  );
  return results;
}
// Uneven work: item k sleeps (k % 4) * 20 ms; whichever worker is free takes the next index.
const work = async (k: number): Promise<[number, number]> => {
  await new Promise((resolve) => setTimeout(resolve, (k % 4) * 20));
  return [k * k, myid()];
};
const fed = await feederPmap(work, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
console.log(`feeder tasks: squares = [${fed.map(([sq]) => sq).join(", ")}]`);
console.log(
  `every item computed on a worker: ${fed.every(([, p]) => pids.includes(p))}; both workers took items: ${
    new Set(fed.map(([, p]) => p)).size === 2
  }`,
);

await rmprocs(pids);
console.log(`rmprocs: workers() = [${workers().join(", ")}]`);
