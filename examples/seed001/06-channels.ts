/**
 * Seed 001, "Explicit data movement: Channel and RemoteChannel".
 *
 * 1. A `Channel` (Julia's `Channel{Int}(5)`): `put`, `take`, `fetch`, `isready`, and what
 *    "blocking" means here: `take()` on an empty channel is a promise that waits (the process
 *    keeps serving other work; it does not hang), until a value comes or the channel closes.
 * 2. A Channel belongs to its process: sending one to a worker is refused at the call site.
 * 3. The notebook's `do_something()`: a `RemoteChannel` that lives on the master, every worker
 *    puts its `myid()` into it, and the master takes them while `isready(r)`.
 * 4. Producer and consumers: a jobs RemoteChannel and a results RemoteChannel, each worker
 *    taking jobs until the jobs channel is closed (seed 003's pattern).
 *
 * Usage: node dist/examples/seed001/06-channels.js   (bun and deno run the .ts directly)
 *
 * @example
 * ```sh
 * bun examples/seed001/06-channels.ts
 * ```
 * @module
 */
import { addprocs, Channel, ChannelClosedError, fetchfrom, myid, remotecall, RemoteChannel, rmprocs, spawnat, workers } from "distributed";

/** `p`'s value, or "still waiting" if it has none after `ms`. */
async function within<T>(p: Promise<T>, ms: number): Promise<T | "still waiting"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"still waiting">((resolve) => (timer = setTimeout(() => resolve("still waiting"), ms)));
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

// 1. ch = Channel{Int}(5)
const ch = new Channel<number>(5);
console.log(`ch = new Channel<number>(5): size ${ch.size}, ${ch.length} items`);
console.log(`isready(ch) = ${ch.isready()}`);
console.log(`put!(ch, 3) = ${await ch.put(3)}`);
console.log(`isready(ch) = ${ch.isready()}`);
console.log(`fetch(ch) = ${await ch.fetch()}  # looks, leaves it there: ${ch.length} item`);
console.log(`take!(ch) = ${await ch.take()}  # removes it: ${ch.length} items`);
console.log(`isready(ch) = ${ch.isready()}`);
console.log(`put!(ch, 4) = ${await ch.put(4)}`);
console.log(`fetch(ch) = ${await ch.fetch()}`);
console.log(`take!(ch) = ${await ch.take()}`);
console.log(`isready(ch) = ${ch.isready()}`);
// take!(ch) on an empty channel would hang a Julia session; here it is a promise that waits.
const pending = ch.take();
console.log(`take!(ch) on the empty channel, after 100 ms: ${await within(pending, 100)}`);
await ch.put(1);
console.log(`put!(ch, 1): the waiting take gets ${await pending}`);
// put! on a full channel waits too, until a take makes room.
for (let i = 1; i <= 5; i++) await ch.put(10 * i);
const late = ch.put(60);
console.log(`put!(ch, 60) on the full channel (${ch.length} of ${ch.size}), after 100 ms: ${await within(late, 100)}`);
console.log(`take!(ch) = ${await ch.take()}; then the put completes: ${await within(late, 100)}`);
ch.close();
try {
  await ch.put(70);
} catch (err) {
  console.log(
    `put! on a closed channel: ${
      err instanceof ChannelClosedError ? "ChannelClosedError" : String(err)
    }; the ${ch.length} items in it can still be taken: ${await ch.take()}, ...`,
  );
}

const pids = await addprocs(2);

// 2. A Channel is local to a process.
try {
  await fetchfrom(pids[0]!, (c: Channel<number>) => c.length, new Channel<number>(1));
} catch (err) {
  console.log(`sending a Channel to a worker: ${(err as Error).name}`);
}

// 3. function do_something()
//        rc = RemoteChannel(()->Channel{Int}(10)) # lives on the master
//        @sync for p in workers()
//            @spawnat p put!(rc, myid())
//        end
//        rc
//    end
async function doSomething(): Promise<RemoteChannel<number>> {
  const rc = new RemoteChannel<number>(() => new Channel(10)); // lives on the master
  await Promise.all(workers().map((p) => spawnat(p, (rc: RemoteChannel<number>) => rc.put(myid()), rc).wait()));
  return rc;
}
const r = await doSomething();
console.log(`r = do_something(): RemoteChannel on process ${r.where}`);
console.log(`isready(r) = ${await r.isready()}`);
const taken: number[] = [];
while (await r.isready()) {
  taken.push(await r.take());
  console.log(`take!(r) = ${taken.at(-1)}`);
}
console.log(`one myid() from each worker: [${taken.sort((a, b) => a - b).join(", ")}]`);

// 4. Producer and consumers.
const jobs = new RemoteChannel<number>(() => new Channel(32));
const results = new RemoteChannel<[number, number, number]>(() => new Channel(32));
async function doWork(jobs: RemoteChannel<number>, results: RemoteChannel<[number, number, number]>): Promise<number> {
  let done = 0;
  for await (const job of jobs) {
    await new Promise((resolve) => setTimeout(resolve, 20)); // some work
    await results.put([job, job * job, myid()]);
    done++;
  }
  return done;
}
const consumers = workers().map((p) => remotecall(doWork, p, jobs, results));
const n = 8;
for (let job = 1; job <= n; job++) await jobs.put(job);
const got: Array<[number, number, number]> = [];
for (let k = 0; k < n; k++) got.push(await results.take());
await jobs.close(); // the workers' `for await` loops end
const counts = await Promise.all(consumers.map((f) => f.fetch()));
for (const [job, value, by] of got.sort((a, b) => a[0] - b[0])) console.log(`job ${job}: ${value} (worker ${by})`);
console.log(
  `jobs taken per worker add up to ${counts.reduce((a, b) => a + b, 0)}; workers that took some: ${
    counts.filter((c) => c > 0).length
  } of ${counts.length}`,
);

await rmprocs(pids);
