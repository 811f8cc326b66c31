/**
 * Soak workloads: futures and worker-to-worker calls while workers die.
 *
 * futuresRound runs a batch of items at once, each through one of: remotecall + fetch,
 * spawnat("any") + fetch, remotecallWait + fetch, or a Future owned by the master that the
 * worker puts into. w2wRound has a worker call another one for each item (remotecallFetch, or
 * remotecall + fetch, from worker to worker), so a death of either end is met by the other.
 * An item whose call failed because a worker died is resubmitted, with one exception: a put
 * into the master's Future that arrived before the worker died counts (the value is here).
 *
 * @example
 * ```ts
 * await futuresRound(new Ledger("futures"), true);
 * await w2wRound(new Ledger("worker-to-worker"), true);
 * ```
 * @module
 */
import { Future, remotecall, remotecallFetch, remotecallWait, spawnat, workers } from "../src/mod.ts";
import { isDeath, type Ledger } from "./soak-ledger.ts";

const ITEMS_PER_ROUND = 24;

/** The work of one item: a short wait (async calls overlap on a worker), then the value. */
async function triple(x: number): Promise<number> {
  await new Promise((r) => setTimeout(r, x % 4));
  return x * 3;
}

/** On a worker: puts into the master's Future, then drops its handle to it. */
async function putInto(fut: Future<number>, x: number): Promise<null> {
  try {
    await fut.put(x * 3);
  } finally {
    fut.release();
  }
  return null;
}

/** On worker a: asks worker b for the value (one round trip between workers). */
function relayFetch(b: number, x: number): Promise<number> {
  return remotecallFetch((y: number) => y * 3, b, x);
}

/** On worker a: a Future on worker b, then its value. */
function relayFuture(b: number, x: number): Promise<number> {
  return remotecall((y: number) => y * 3, b, x).fetch();
}

function pick(list: readonly number[]): number {
  return list[Math.floor(Math.random() * list.length)]!;
}

const KINDS = ["remotecall", "spawnat any", "remotecallWait", "future put by worker"] as const;

async function futureItem(ledger: Ledger, id: number, kind: (typeof KINDS)[number]): Promise<void> {
  const w = pick(workers());
  ledger.note(kind);
  if (kind === "future put by worker") {
    const fut = new Future<number>();
    try {
      await remotecall(putInto, w, fut, id).fetch();
    } catch (err) {
      if (!isDeath(err)) ledger.unexpected(err);
      // The worker died: its put may still have arrived before.
      if (!(await fut.isready())) {
        fut.release();
        ledger.resubmit(id);
        return;
      }
      ledger.note("put arrived before the worker died");
    }
    check(ledger, id, await fut.fetch(), kind);
    return;
  }
  let value: number;
  try {
    if (kind === "remotecall") value = await remotecall(triple, w, id).fetch();
    else if (kind === "spawnat any") value = await spawnat("any", triple, id).fetch();
    else value = await (await remotecallWait(triple, w, id)).fetch();
  } catch (err) {
    if (!isDeath(err)) ledger.unexpected(err);
    ledger.resubmit(id);
    return;
  }
  check(ledger, id, value, kind);
}

async function w2wItem(ledger: Ledger, id: number, viaFuture: boolean): Promise<void> {
  const list = workers();
  if (list.length < 2) {
    ledger.resubmit(id);
    return;
  }
  const a = pick(list);
  const b = pick(list.filter((p) => p !== a));
  const kind = viaFuture ? "w2w remotecall+fetch" : "w2w remotecallFetch";
  ledger.note(kind);
  let value: number;
  try {
    value = await remotecallFetch(viaFuture ? relayFuture : relayFetch, a, b, id);
  } catch (err) {
    if (!isDeath(err)) ledger.unexpected(err);
    ledger.resubmit(id);
    return;
  }
  check(ledger, id, value, kind);
}

function check(ledger: Ledger, id: number, value: unknown, kind: string): void {
  if (value === id * 3) ledger.done(id);
  else {
    ledger.wrong(`${kind}: item ${id} gave ${String(value)}, expected ${id * 3}`);
    ledger.resubmit(id);
  }
}

/** One batch of future-based items, all at once. */
export async function futuresRound(ledger: Ledger, fresh: boolean): Promise<void> {
  const ids = ledger.next(ITEMS_PER_ROUND, fresh);
  await Promise.all(ids.map((id) => futureItem(ledger, id, KINDS[id % KINDS.length]!)));
}

/** One batch of worker-to-worker items, all at once. */
export async function w2wRound(ledger: Ledger, fresh: boolean): Promise<void> {
  const ids = ledger.next(ITEMS_PER_ROUND, fresh);
  await Promise.all(ids.map((id) => w2wItem(ledger, id, id % 2 === 1)));
}
