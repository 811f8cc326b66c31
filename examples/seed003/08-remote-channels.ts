/**
 * Seed 003, "Remote References and AbstractChannels" and "Channels and RemoteChannels".
 *
 * 1. The manual's jobs/results example across processes: `jobs` and `results` are
 *    RemoteChannels on this process; `do_work` is defined on every process (`@everywhere`) and
 *    started on each worker with `remote_do`; each takes job ids, "works" (sleeps), and puts
 *    `(job_id, exec_time, myid())` into `results`, which this process prints as they come.
 *    Closing `jobs` ends the workers' loops (Julia's `while true` loop never ends). The job
 *    times are fixed rather than `rand()`, so that their sum is the same on every run.
 * 2. `RemoteChannel(() -> Channel{Int}(10), pid)`: the channel lives on worker `pid`; any
 *    process holding the handle puts and takes there (here another worker puts, this process
 *    takes). A plain `Channel` is local to its process: sending one to another process is
 *    refused with a SerializationError (Julia would send a copy of it and its contents).
 * 3. A RemoteChannel over a user-implemented store (Julia's `dictchannel.jl`): a channel that
 *    hands out the smallest value first, defined in priority-channel.ts and loaded everywhere.
 *
 * Usage: node dist/examples/seed003/08-remote-channels.js [workers]   (default 4)
 *        (bun and deno run examples/seed003/08-remote-channels.ts directly)
 *
 * @example
 * ```sh
 * node dist/examples/seed003/08-remote-channels.js
 * bun examples/seed003/08-remote-channels.ts 2
 * ```
 * @module
 */
import { addprocs, Channel, everywhere, myid, remotecallFetch, RemoteChannel, remoteDo, rmprocs, workers } from "distributed";

declare function doWork(jobs: RemoteChannel<number>, results: RemoteChannel<[number, number, number]>): Promise<void>;

const count = Number(process.argv[2] ?? 4);
if (!Number.isInteger(count) || count < 2) {
  console.error("usage: 08-remote-channels [workers: an integer >= 2, default 4]");
  process.exit(2);
}

// 1. addprocs(4); const jobs = RemoteChannel(()->Channel{Int}(32)); const results = RemoteChannel(()->Channel{Tuple}(32))
const pids = await addprocs(count);
console.log(`addprocs(${count}) = [${pids.join(", ")}]`);
const jobs = new RemoteChannel<number>(() => new Channel(32));
const results = new RemoteChannel<[number, number, number]>(() => new Channel(32));

// @everywhere function do_work(jobs, results) ... end
await everywhere({
  async doWork(jobs: RemoteChannel<number>, results: RemoteChannel<[number, number, number]>): Promise<void> {
    for await (const jobId of jobs) {
      const execTime = ((jobId * 7) % 10 + 1) / 40; // 0.025 .. 0.25 s
      await new Promise((resolve) => setTimeout(resolve, execTime * 1000)); // simulates elapsed time doing actual work
      await results.put([jobId, execTime, myid()]);
    }
  },
});
async function makeJobs(n: number): Promise<void> {
  for (let i = 1; i <= n; i++) await jobs.put(i);
  await jobs.close(); // the workers' loops end once every job is taken
}

let n = 12;
const t0 = performance.now();
const feeding = makeJobs(n); // @async make_jobs(n)
for (const p of workers()) remoteDo(doWork, p, jobs, results); // start tasks on the workers
const done = new Set<number>();
const by = new Set<number>();
let summed = 0;
while (n > 0) {
  const [jobId, execTime, where] = await results.take();
  console.log(`${jobId} finished in ${execTime.toFixed(2)} seconds on worker ${where}`);
  done.add(jobId);
  by.add(where);
  summed += execTime;
  n--;
}
const elapsed = (performance.now() - t0) / 1000;
await feeding;
console.log(`every job done once: ${done.size === 12}; by ${by.size} of the ${count} workers`);
console.log(`the job times add up to ${summed.toFixed(3)} s; the workers took ${elapsed.toFixed(2)} s`);
console.log(`the workers ran jobs at the same time (elapsed < half the sum): ${elapsed < summed / 2}`);

// 2. RemoteChannel(()->Channel{Int}(10), pid)
const [w2, w3] = pids as [number, number];
const onW2 = new RemoteChannel<number>(() => new Channel(10), w2);
const put = await remotecallFetch(
  async (ch: RemoteChannel<number>) => {
    await ch.put(10 * myid());
    return myid();
  },
  w3,
  onW2,
);
console.log(
  `RemoteChannel(() -> Channel{Int}(10), ${w2}): where = ${onW2.where}; worker ${put} put, this process took ${await onW2.take()}`,
);
const refused = await remotecallFetch((ch: Channel<number>) => ch.size, w2, new Channel<number>(10)).catch((e: unknown) => e);
console.log(`a plain Channel sent to worker ${w2}: ${(refused as Error).name}`);

// 3. A RemoteChannel over a user-implemented store, on worker 2.
// priority-channel.ts next to this file (priority-channel.js when built), on every process.
const module = new URL(`./priority-channel.${import.meta.url.endsWith(".ts") ? "ts" : "js"}`, import.meta.url);
await everywhere(module);
const { PriorityChannel } = (await import(module.href)) as typeof import("./priority-channel.ts");
const pq = new RemoteChannel<number>(() => new PriorityChannel(), w2);
for (const x of [5, 1, 4, 2, 3]) await pq.put(x);
const order: number[] = [];
while (await pq.isready()) order.push(await pq.take());
console.log(`RemoteChannel(() -> PriorityChannel(), ${w2}): put 5, 1, 4, 2, 3; took ${order.join(", ")}`);

await rmprocs(pids);
