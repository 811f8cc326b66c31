/**
 * Seed 003, "Coroutines" and "Channels": tasks that talk through a `Channel`, in one process.
 *
 * Julia's tasks are JavaScript's async functions: `@async f()` / `@schedule f()` is calling an
 * async function without awaiting it, `@sync begin ... end` is `await Promise.all([...])`, and
 * `sleep(t)` is awaiting a timer. A task is suspended at every `await` (Julia: at `take!`,
 * `fetch`, `wait`, I/O), so many tasks can wait at once on one thread.
 *
 * 1. The channel's rules: `put!` on a closed channel fails, `fetch` reads without removing,
 *    `take!` drains what is left after `close`, then fails; `isready` and `wait`.
 * 2. A channel as an iterable: `[i for i in c]` ends once the channel is closed and empty, and
 *    keeps waiting while it is open.
 * 3. `Channel(func)`: a producer task bound to its channel, closing it when done.
 * 4. The manual's producer/consumer: `make_jobs` feeds 12 job ids into `jobs`, 4 `do_work`
 *    tasks take them, "work" (sleep) and put `(job_id, exec_time)` into `results`, and the main
 *    task prints the results as they come. The 4 tasks overlap their waits, so the whole takes
 *    about a quarter of the summed job times. The job times are fixed (not `rand()`) so that
 *    the sum printed is the same on every run.
 *
 * Usage: node dist/examples/seed003/01-tasks-channels.js
 *        (bun and deno run examples/seed003/01-tasks-channels.ts directly)
 *
 * @example
 * ```sh
 * node dist/examples/seed003/01-tasks-channels.js
 * deno run -A examples/seed003/01-tasks-channels.ts
 * ```
 * @module
 */
import { Channel } from "distributed";

const sleep = (seconds: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, seconds * 1000));
/** The error's name and the first clause of its message (the rest is advice). */
const brief = (err: unknown): string => `${(err as Error).name}: ${(err as Error).message.split(":")[0]}`;

// 1. c = Channel(2); put!(c, 1); close(c); put!(c, 2)
const c = new Channel<number>(2);
console.log(`put!(c, 1) -> ${await c.put(1)}`);
c.close();
console.log(`close(c); put!(c, 2) -> ${await c.put(2).catch(brief)}`);
// fetch and take! on a closed channel still hand out what is buffered.
console.log(`fetch(c) -> ${await c.fetch()}, fetch(c) -> ${await c.fetch()} (fetch does not remove)`);
console.log(`take!(c) -> ${await c.take()}`);
console.log(`take!(c) -> ${await c.take().catch(brief)}`);

// isready tests for an item; wait waits for one without taking it.
const d = new Channel<string>(1);
console.log(`isready(d) on an empty channel: ${d.isready()}`);
const waiting = d.wait().then(() => `wait(d) returned; isready(d) = ${d.isready()}`);
setTimeout(() => void d.put("hello"), 50); // another task puts, a moment later
console.log(await waiting);

// 2. c = Channel{Int}(10); foreach(i -> put!(c, i), 1:3); close(c); data = [i for i in c]
const e = new Channel<number>(10);
for (const i of [1, 2, 3]) await e.put(i);
e.close();
const data: number[] = [];
for await (const i of e) data.push(i);
console.log(`closed channel: [i for i in c] = [${data.join(", ")}]`);
// Without close the loop reads the three items and then waits for more (here: until a timer
// gives up on it and closes the channel, which ends the loop).
const open = new Channel<number>(10);
for (const i of [1, 2, 3]) await open.put(i);
const seen: number[] = [];
let ended = false;
const loop = (async () => {
  for await (const i of open) seen.push(i);
  ended = true;
})();
await sleep(0.2);
console.log(`open channel: after 0.2 s the loop has read [${seen.join(", ")}] and is still waiting: ${!ended}`);
open.close();
await loop;
console.log(`after close(c) the loop ends: ${ended}`);

// 3. Channel(c -> for i in 1:5 put!(c, i^2) end): a producer task bound to the channel; it
// closes the channel when it returns, which ends the consumer's loop (Julia's bind).
function producer<T>(size: number, body: (c: Channel<T>) => Promise<void>): Channel<T> {
  const ch = new Channel<T>(size);
  body(ch).then(
    () => ch.close(),
    (err: unknown) => ch.close(err), // the consumer sees the producer's error as the cause
  );
  return ch;
}
const squares = producer<number>(0, async (ch) => {
  for (let i = 1; i <= 5; i++) await ch.put(i * i);
});
const got: number[] = [];
for await (const x of squares) got.push(x);
console.log(`Channel(producer): [${got.join(", ")}]`);

// 4. The jobs/results example with 4 tasks.
const jobs = new Channel<number>(32);
const results = new Channel<[number, number]>(32);
const execTime = (jobId: number): number => ((jobId * 7) % 10 + 1) / 40; // 0.025 .. 0.25 s

async function doWork(): Promise<void> {
  for await (const jobId of jobs) {
    const exectime = execTime(jobId);
    await sleep(exectime); // simulates elapsed time doing actual work
    await results.put([jobId, exectime]);
  }
}
async function makeJobs(n: number): Promise<void> {
  for (let i = 1; i <= n; i++) await jobs.put(i);
  jobs.close(); // lets the do_work loops end once the jobs are all taken
}

let n = 12;
const t0 = performance.now();
const feeding = makeJobs(n); // @async make_jobs(n)
const tasks = Array.from({ length: 4 }, () => doWork()); // for i in 1:4 @async do_work() end
const done = new Set<number>();
let summed = 0;
while (n > 0) {
  const [jobId, exectime] = await results.take();
  console.log(`${jobId} finished in ${exectime.toFixed(2)} seconds`);
  done.add(jobId);
  summed += exectime;
  n--;
}
const elapsed = (performance.now() - t0) / 1000;
await Promise.all([feeding, ...tasks]); // @sync: every task has ended
console.log(`every job done once: ${done.size === 12 && [...done].every((id) => id >= 1 && id <= 12)}`);
console.log(`the job times add up to ${summed.toFixed(3)} s; the 4 tasks took ${elapsed.toFixed(2)} s`);
console.log(`the tasks overlapped their waits (elapsed < half the sum): ${elapsed < summed / 2}`);
