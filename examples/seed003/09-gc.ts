/**
 * Seed 003, "Remote References and Distributed Garbage Collection": the process that owns a
 * value keeps it while any process holds a reference to it. `localReferenceCounts()`, run on
 * the owner, says how many Future values and RemoteChannel channels it still keeps for others.
 *
 * 1. A Future's value stays on the worker until it is fetched; "calling fetch on a Future also
 *    removes its reference from the remote store".
 * 2. An unfetched Future the program no longer needs: `finalize(f)` is `f.release()` (or
 *    `using f = ...`, released at the end of the block). A handle that is simply dropped is
 *    released when it is garbage-collected here, which may take a while: release it.
 * 3. A Future passed on to a third process is counted for that process too: the owner keeps
 *    the value until both have let go.
 * 4. A RemoteChannel's channel lives until every handle to it is released.
 *
 * (`clear!` for globals on workers is in 06-globals.ts.)
 *
 * Usage: node dist/examples/seed003/09-gc.js
 *        (bun and deno run examples/seed003/09-gc.ts directly)
 *
 * @example
 * ```sh
 * node dist/examples/seed003/09-gc.js
 * deno run -A examples/seed003/09-gc.ts
 * ```
 * @module
 */
import { addprocs, Channel, Future, localReferenceCounts, remotecall, remotecallFetch, RemoteChannel, rmprocs } from "distributed";

const pids = await addprocs(2);
const [w2, w3] = pids as [number, number];
console.log(`workers: [${pids.join(", ")}]`);
/** What worker `p` keeps for references held anywhere. */
const kept = async (p: number): Promise<string> => {
  const { futures, channels } = await remotecallFetch(() => localReferenceCounts(), p);
  return `futures ${futures}, channels ${channels}`;
};
const big = (): Float64Array => new Float64Array(1_000_000); // 8 MB, made on the worker

// 1. fetch frees the owner's copy.
const f = remotecall(big, w2);
await f.wait();
console.log(`f = remotecall(big, ${w2}); wait(f): worker ${w2} keeps ${await kept(w2)}`);
const value = await f.fetch();
console.log(`fetch(f) (${value.length} numbers here): worker ${w2} keeps ${await kept(w2)}`);

// 2. finalize(g) on an unfetched Future: release().
const g = remotecall(big, w2);
await g.wait();
console.log(`g = remotecall(big, ${w2}), not fetched: worker ${w2} keeps ${await kept(w2)}`);
g.release();
console.log(`g.release() (finalize(g)): worker ${w2} keeps ${await kept(w2)}`);
{
  using h = remotecall(big, w2);
  await h.wait();
  console.log(`using h = remotecall(big, ${w2}): inside the block worker ${w2} keeps ${await kept(w2)}`);
}
console.log(`after the block: worker ${w2} keeps ${await kept(w2)}`);

// 3. A Future sent to worker 3 is held there too.
const shared = remotecall(big, w2);
await shared.wait();
await remotecallFetch(
  (fut: Future<Float64Array>) => {
    (globalThis as { held?: Future<Float64Array> }).held = fut; // worker 3 keeps the handle
  },
  w3,
  shared,
);
shared.release();
console.log(`sent to worker ${w3}, then released here: worker ${w2} keeps ${await kept(w2)} (worker ${w3} still holds it)`);
const length = await remotecallFetch(async () => {
  const fut = (globalThis as { held?: Future<Float64Array> }).held!;
  delete (globalThis as { held?: Future<Float64Array> }).held;
  return (await fut.fetch()).length; // worker 3 fetches it: its hold ends
}, w3);
console.log(`worker ${w3} fetched it (${length} numbers): worker ${w2} keeps ${await kept(w2)}`);

// 4. A RemoteChannel on worker 2: the channel lives while a handle exists.
const rc = new RemoteChannel<number>(() => new Channel(4), w2);
await rc.put(1);
console.log(`rc = RemoteChannel(() -> Channel(4), ${w2}): worker ${w2} keeps ${await kept(w2)}`);
rc.release();
console.log(`rc.release() (finalize(rc)): worker ${w2} keeps ${await kept(w2)}`);
console.log(`this process keeps: ${JSON.stringify(localReferenceCounts())}`);

await rmprocs(pids);
