/**
 * Soak workload: RemoteChannels between workers while workers die.
 *
 * A round (a "generation") picks an owner, a producer and two consumers among the workers
 * (they may coincide), makes a channel on the owner, and has the producer put the round's
 * items into it and close it, while the consumers take items until it is closed and drained.
 * Everything is reported to the master through channels the master owns (the master is never
 * killed, so its books survive): the producer reports each put once it was acknowledged
 * (`acks`), a consumer reports each item in the same turn it took it (`taken`).
 *
 * When the producer fails (it, or the owner, died) or both consumers have ended, the master
 * closes the channel, waits for everyone, and takes what is left in it (`leftovers`) if the
 * owner lives. Then it settles the round's books:
 * - an item reported taken is done (reported twice: a duplicate);
 * - any other item is resubmitted to a later round;
 * - an item acknowledged as put, not taken and not left over, while the owner lived, has
 *   vanished, unless a consumer died holding it: each consumer takes one item at a time and
 *   reports it before the next take, so a dead consumer explains at most one such item. More
 *   than that is counted as vanished (items a channel lost).
 * Items acknowledged into an owner that died went with it: counted, and resubmitted.
 *
 * @example
 * ```ts
 * await channelRound(new Ledger("channels"), true);
 * ```
 * @module
 */
import { capture, Channel, remotecallFetch, RemoteChannel, workers } from "../src/mod.ts";
import { isDeath, type Ledger } from "./soak-ledger.ts";

const ITEMS_PER_ROUND = 64;
const CHANNEL_SIZE = 8;

/** On the producer: puts the items, reporting each acknowledged put, then closes the channel. */
async function produce(ch: RemoteChannel<number>, items: number[], acks: RemoteChannel<number>): Promise<number> {
  try {
    for (const x of items) {
      await ch.put(x);
      await acks.put(x);
    }
    await ch.close();
    return items.length;
  } finally {
    ch.release();
    acks.release();
  }
}

/** On a consumer: takes until the channel is closed and drained, reporting each item at once. */
async function consume(ch: RemoteChannel<number>, taken: RemoteChannel<number>): Promise<number> {
  let n = 0;
  try {
    for await (const x of ch) {
      await taken.put(x);
      n++;
    }
    return n;
  } finally {
    ch.release();
    taken.release();
  }
}

function pick(list: readonly number[]): number {
  return list[Math.floor(Math.random() * list.length)]!;
}

/** Settles a promise to its error (or null), so a round can wait for every part. */
function outcome(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => null,
    (err: unknown) => err ?? new Error("rejected without a reason"),
  );
}

/** Takes everything a channel owned here holds now. */
async function drainLocal(ch: RemoteChannel<number>): Promise<number[]> {
  const out: number[] = [];
  while (await ch.isready()) out.push(await ch.take());
  return out;
}

/** One generation: a channel, a producer, two consumers; settles its books before returning. */
export async function channelRound(ledger: Ledger, fresh: boolean): Promise<void> {
  const ids = ledger.next(ITEMS_PER_ROUND, fresh);
  if (ids.length === 0) return;
  const list = workers();
  const [owner, producer, c1, c2] = [pick(list), pick(list), pick(list), pick(list)];
  ledger.note("generations");
  const acks = new RemoteChannel<number>(() => new Channel(Infinity));
  const taken = new RemoteChannel<number>(() => new Channel(Infinity));
  let ch: RemoteChannel<number> | null = null;
  const deadConsumers: number[] = [];
  let leftovers: number[] = [];
  let ownerDied = false;
  try {
    ch = new RemoteChannel<number>(capture({ CHANNEL_SIZE }, () => new Channel<number>(CHANNEL_SIZE)), owner!);
    const produced = outcome(remotecallFetch(produce, producer!, ch, ids, acks));
    const consumed = [c1!, c2!].map((c) => outcome(remotecallFetch(consume, c, ch!, taken)));
    await Promise.race([produced, Promise.all(consumed)]);
    // The producer is done (or dead), or nobody consumes any more: no more puts are coming.
    const closed = await outcome(ch.close());
    if (closed !== null) {
      if (isDeath(closed)) ownerDied = true;
      else ledger.unexpected(closed);
    }
    const perr = await produced;
    if (perr !== null && !isDeath(perr) && !closedError(perr)) ledger.unexpected(perr);
    const cerrs = await Promise.all(consumed);
    cerrs.forEach((err, i) => {
      if (err === null) return;
      if (isDeath(err)) deadConsumers.push([c1!, c2!][i]!);
      else ledger.unexpected(err);
    });
    if (!ownerDied) {
      const left = await outcome(
        (async () => {
          for await (const x of ch!) leftovers.push(x);
        })(),
      );
      if (left !== null) {
        if (isDeath(left)) ownerDied = true;
        else ledger.unexpected(left);
      }
    }
  } catch (err) {
    // The owner was gone before the channel could be made (new RemoteChannel threw).
    if (!isDeath(err)) ledger.unexpected(err);
    ownerDied = true;
  } finally {
    ch?.release();
  }
  settle(ledger, ids, await drainLocal(acks), await drainLocal(taken), leftovers, ownerDied, deadConsumers);
  acks.release();
  taken.release();
}

/** The books of one generation (see the module comment). */
function settle(
  ledger: Ledger,
  ids: number[],
  acked: number[],
  taken: number[],
  leftovers: number[],
  ownerDied: boolean,
  deadConsumers: number[],
): void {
  const seen = new Map<number, number>();
  for (const x of taken) seen.set(x, (seen.get(x) ?? 0) + 1);
  const left = new Set(leftovers);
  const ackedSet = new Set(acked);
  let missing = 0;
  for (const id of ids) {
    const n = seen.get(id) ?? 0;
    for (let i = 0; i < n; i++) ledger.done(id);
    if (n > 0) continue;
    ledger.resubmit(id);
    if (left.has(id)) ledger.note("left in the channel, resubmitted");
    else if (ackedSet.has(id)) {
      if (ownerDied) ledger.note("gone with their owner, resubmitted");
      else missing++;
    }
  }
  ledger.note("items taken", taken.length);
  // Each dead consumer may have died holding one item it had not reported yet.
  const explained = Math.min(missing, deadConsumers.length);
  if (explained > 0) ledger.note("held by a consumer that died, resubmitted", explained);
  ledger.vanished(
    missing - explained,
    `acknowledged into a live owner, not taken, not left over (${deadConsumers.length} consumer(s) died)`,
  );
}

function closedError(err: unknown): boolean {
  const e = err as { code?: unknown; remote?: { code?: unknown } };
  return e.code === "ERR_CHANNEL_CLOSED" || e.remote?.code === "ERR_CHANNEL_CLOSED";
}
