// Unit tests of src/channels/channel.ts (and its queue): Julia Channel semantics for buffered,
// unbuffered and unbounded channels, closing, fetch, readiness, async iteration, and exact
// first-come first-served order under many interleavings.
import t from "tap";
import { Channel, WITHDRAWABLE } from "../../src/channels/channel.ts";
import type { ChannelLike } from "../../src/channels/channel-like.ts";
import { Queue } from "../../src/channels/queue.ts";
import { ChannelClosedError, DistributedError } from "../../src/errors.ts";
import { caught, prng } from "../helpers/unit.ts";

/**
 * Lets every queued promise reaction run. This is not a sleep: setImmediate fires once the
 * microtask queue is empty, which is exactly the moment a still-pending promise is known to be
 * waiting for something else.
 */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

interface Tracked<T> {
  state: "pending" | "fulfilled" | "rejected";
  value?: T;
  error?: unknown;
  promise: Promise<void>;
}

/** Watches a promise so a test can ask, after settle(), whether it is still pending. */
function track<T>(p: Promise<T>): Tracked<T> {
  const tr: Tracked<T> = { state: "pending", promise: Promise.resolve() };
  tr.promise = p.then(
    (value) => {
      tr.state = "fulfilled";
      tr.value = value;
    },
    (error: unknown) => {
      tr.state = "rejected";
      tr.error = error;
    },
  );
  return tr;
}

/** The assertions the helper below needs (any tap Test has them). */
interface Asserts {
  ok(value: unknown, message: string): unknown;
  equal(found: unknown, wanted: unknown, message: string): unknown;
}

/** Asserts that `err` is the ChannelClosedError of operation `op`. */
function isClosedError(t: Asserts, err: unknown, op: string, what: string): void {
  t.ok(err instanceof ChannelClosedError, `${what}: a ChannelClosedError`);
  t.ok(err instanceof DistributedError, `${what}: a DistributedError`);
  t.equal((err as ChannelClosedError).code, "ERR_CHANNEL_CLOSED", `${what}: code`);
  t.equal((err as ChannelClosedError).operation, op, `${what}: operation`);
}

t.test("bad sizes are refused with an error naming the value", (t) => {
  for (const bad of [-1, 1.5, NaN, -Infinity, -0.5]) {
    const err = caught(() => new Channel(bad));
    t.ok(err instanceof RangeError, `${bad}: RangeError`);
    t.match((err as Error).message, String(bad), `${bad}: message names the value`);
    t.match((err as Error).message, /Infinity/, `${bad}: message says what is allowed`);
  }
  const err = caught(() => new Channel("3" as unknown as number));
  t.ok(err instanceof TypeError, "a string: TypeError");
  t.match((err as Error).message, '"3"', "a string: message names it");
  t.equal(new Channel().size, 0, "default size 0");
  t.equal(new Channel(0).size, 0);
  t.ok(Object.is(new Channel(-0).size, 0), "-0 is folded into 0");
  t.equal(new Channel(5).size, 5);
  t.equal(new Channel(Infinity).size, Infinity);
  t.end();
});

t.test("a buffered channel hands items out in put order", async (t) => {
  const ch = new Channel<number>(5);
  t.ok(ch.isempty());
  t.equal(ch.length, 0);
  for (let i = 1; i <= 5; i++) t.equal(await ch.put(i), i, `put ${i} resolves with the value`);
  t.equal(ch.length, 5);
  t.notOk(ch.isempty());
  const got: number[] = [];
  for (let i = 0; i < 5; i++) got.push(await ch.take());
  t.same(got, [1, 2, 3, 4, 5]);
  t.ok(ch.isempty());
  t.equal(ch.length, 0);
});

t.test("put on a full channel waits until a take makes room", async (t) => {
  const ch = new Channel<string>(2);
  const a = track(ch.put("a"));
  const b = track(ch.put("b"));
  const c = track(ch.put("c"));
  await settle();
  t.equal(a.state, "fulfilled");
  t.equal(b.state, "fulfilled");
  t.equal(c.state, "pending", "third put waits: the channel is full");
  t.equal(ch.length, 2, "the waiting value is not counted");
  t.equal(await ch.take(), "a");
  await settle();
  t.equal(c.state, "fulfilled", "the take made room");
  t.equal(c.value, "c");
  t.equal(ch.length, 2);
  t.equal(await ch.take(), "b");
  t.equal(await ch.take(), "c");
});

t.test("waiting putters enter the buffer one per take, in arrival order", async (t) => {
  const ch = new Channel<string>(1);
  await ch.put("a");
  const waiting = ["b", "c", "d"].map((v) => track(ch.put(v)));
  await settle();
  t.same(waiting.map((w) => w.state), ["pending", "pending", "pending"]);
  t.equal(await ch.take(), "a");
  await settle();
  t.same(waiting.map((w) => w.state), ["fulfilled", "pending", "pending"], "only the earliest putter moved in");
  t.equal(await ch.take(), "b");
  await settle();
  t.same(waiting.map((w) => w.state), ["fulfilled", "fulfilled", "pending"]);
  t.equal(await ch.take(), "c");
  t.equal(await ch.take(), "d");
  await settle();
  t.same(waiting.map((w) => w.state), ["fulfilled", "fulfilled", "fulfilled"]);
});

t.test("take on an empty buffered channel waits for the next put; waiting takers are served in order", async (t) => {
  const ch = new Channel<number>(3);
  const takers = [0, 1, 2].map(() => track(ch.take()));
  await settle();
  t.same(takers.map((x) => x.state), ["pending", "pending", "pending"]);
  await ch.put(10);
  await settle();
  t.same(takers.map((x) => x.state), ["fulfilled", "pending", "pending"]);
  t.equal(takers[0]!.value, 10);
  t.equal(ch.length, 0, "the value went to the taker, not the buffer");
  await ch.put(20);
  await ch.put(30);
  await settle();
  t.same(takers.map((x) => x.value), [10, 20, 30]);
  await ch.put(40);
  t.equal(ch.length, 1, "with nobody waiting the value is buffered");
});

t.test("an unbuffered put resolves only after a take receives the value", async (t) => {
  const ch = new Channel<string>();
  const events: string[] = [];
  const put = ch.put("x").then((v) => {
    events.push(`put ${v}`);
    return v;
  });
  await settle();
  t.same(events, [], "put is pending with no taker");
  t.equal(ch.length, 1, "length counts the waiting putter");
  t.ok(ch.isready(), "a putter is waiting, so take would not wait");
  t.notOk(ch.isempty());
  events.push("take called");
  const value = await ch.take();
  await put;
  t.equal(value, "x");
  t.same(events, ["take called", "put x"], "the put resolved after, and because of, the take");
  t.equal(ch.length, 0);
  t.notOk(ch.isready());
});

t.test("an unbuffered take waits for a put, and that put resolves at once", async (t) => {
  const ch = new Channel<number>(0);
  const take = track(ch.take());
  await settle();
  t.equal(take.state, "pending");
  const put = track(ch.put(5));
  await settle();
  t.equal(take.value, 5);
  t.equal(put.state, "fulfilled");
  t.equal(put.value, 5);
  t.equal(ch.length, 0);
});

t.test("an unbuffered take pairs with the earliest waiting putter", async (t) => {
  const ch = new Channel<string>();
  const puts = ["a", "b", "c"].map((v) => track(ch.put(v)));
  t.equal(ch.length, 3);
  t.equal(await ch.take(), "a");
  await settle();
  t.same(puts.map((p) => p.state), ["fulfilled", "pending", "pending"], "only the first putter was released");
  t.equal(ch.length, 2);
  t.equal(await ch.take(), "b");
  t.equal(await ch.take(), "c");
  await settle();
  t.same(puts.map((p) => p.state), ["fulfilled", "fulfilled", "fulfilled"]);
});

t.test("an unbounded channel takes 100k puts without waiting, in order", async (t) => {
  const ch = new Channel<number>(Infinity);
  const n = 100_000;
  let resolved = 0;
  for (let i = 0; i < n; i++) void ch.put(i).then(() => resolved++);
  t.equal(ch.length, n, "every value is buffered synchronously");
  await settle();
  t.equal(resolved, n, "every put resolved without a take");
  let inOrder = true;
  for (let i = 0; i < n; i++) if ((await ch.take()) !== i) inOrder = false;
  t.ok(inOrder, "taken in put order");
  t.ok(ch.isempty());
});

t.test("put on a closed channel rejects with ChannelClosedError", async (t) => {
  for (const size of [0, 1, Infinity]) {
    const ch = new Channel<number>(size);
    ch.close();
    t.notOk(ch.isopen(), `size ${size}: closed`);
    const err = await ch.put(1).catch((e: unknown) => e);
    isClosedError(t, err, "put", `size ${size}`);
    t.match((err as Error).message, /^Cannot put on a closed channel/);
    t.notMatch((err as Error).message, /\.$/, "no trailing period");
    t.equal(ch.length, 0, `size ${size}: nothing was added`);
  }
});

t.test("putters waiting at close reject and their values are not added", async (t) => {
  const ch = new Channel<string>(1);
  await ch.put("kept");
  const waiting = [track(ch.put("lost1")), track(ch.put("lost2"))];
  ch.close();
  await settle();
  for (const [i, w] of waiting.entries()) {
    t.equal(w.state, "rejected", `putter ${i} rejected`);
    isClosedError(t, w.error, "put", `putter ${i}`);
  }
  t.equal(ch.length, 1);
  t.equal(await ch.take(), "kept");
  isClosedError(t, await ch.take().catch((e: unknown) => e), "take", "then nothing is left");
});

t.test("unbuffered putters waiting at close reject, and a later take does not see them", async (t) => {
  const ch = new Channel<number>();
  const put = track(ch.put(1));
  t.ok(ch.isready());
  ch.close();
  await settle();
  isClosedError(t, put.error, "put", "waiting putter");
  t.notOk(ch.isready());
  t.equal(ch.length, 0);
  isClosedError(t, await ch.take().catch((e: unknown) => e), "take", "take after close");
  isClosedError(t, await ch.wait().catch((e: unknown) => e), "wait", "wait after close");
});

t.test("take and fetch drain a closed channel, then reject", async (t) => {
  const ch = new Channel<number>(3);
  await ch.put(1);
  await ch.put(2);
  ch.close();
  t.ok(ch.isready(), "items remain after close");
  await ch.wait(); // resolves: there is something to take
  t.equal(await ch.fetch(), 1);
  t.equal(await ch.take(), 1);
  t.equal(await ch.fetch(), 2);
  t.equal(await ch.take(), 2);
  isClosedError(t, await ch.take().catch((e: unknown) => e), "take", "take when drained");
  isClosedError(t, await ch.fetch().catch((e: unknown) => e), "fetch", "fetch when drained");
  isClosedError(t, await ch.wait().catch((e: unknown) => e), "wait", "wait when drained");
  const err = await ch.take().catch((e: unknown) => e);
  t.match((err as Error).message, /^Cannot take from a closed channel: it is closed and empty/);
});

t.test("takes, fetches and waits pending at close reject with their own operation", async (t) => {
  const ch = new Channel<number>(2);
  const take1 = track(ch.take());
  const fetch1 = track(ch.fetch());
  const wait1 = track(ch.wait());
  const take2 = track(ch.take());
  await settle();
  t.same([take1, fetch1, wait1, take2].map((x) => x.state), ["pending", "pending", "pending", "pending"]);
  ch.close();
  await settle();
  isClosedError(t, take1.error, "take", "take 1");
  isClosedError(t, fetch1.error, "fetch", "fetch");
  isClosedError(t, wait1.error, "wait", "wait");
  isClosedError(t, take2.error, "take", "take 2");
  t.match((wait1.error as Error).message, /^Cannot wait on a closed channel/);
});

t.test("unbuffered takers pending at close reject", async (t) => {
  const ch = new Channel<number>();
  const take = track(ch.take());
  const wait = track(ch.wait());
  ch.close();
  await settle();
  isClosedError(t, take.error, "take", "take");
  isClosedError(t, wait.error, "wait", "wait");
});

t.test("close is idempotent and keeps the first reason", async (t) => {
  const ch = new Channel<number>(1);
  await ch.put(1);
  const first = new Error("producer failed");
  ch.close(first);
  t.doesNotThrow(() => ch.close());
  t.doesNotThrow(() => ch.close(new Error("later")));
  t.notOk(ch.isopen());
  t.equal(ch.length, 1, "a second close does not drop items");
  t.equal(await ch.take(), 1);
  const err = await ch.take().catch((e: unknown) => e);
  isClosedError(t, err, "take", "after the reason");
  t.equal((err as Error).cause, first, "the first reason is the cause");
  const putErr = await ch.put(2).catch((e: unknown) => e);
  t.equal((putErr as Error).cause, first);
  const plain = new Channel<number>(1);
  plain.close();
  const noCause = await plain.take().catch((e: unknown) => e);
  t.notOk("cause" in (noCause as object), "no cause property without a reason");
});

t.test("fetch does not remove the item", async (t) => {
  const ch = new Channel<string>(3);
  await ch.put("a");
  await ch.put("b");
  t.equal(await ch.fetch(), "a");
  t.equal(await ch.fetch(), "a");
  t.equal(ch.length, 2);
  t.equal(await ch.take(), "a");
  t.equal(await ch.fetch(), "b");
  t.equal(ch.length, 1);
});

t.test("a waiting fetch resolves on the next put and leaves the item there", async (t) => {
  const ch = new Channel<number>(1);
  const f1 = track(ch.fetch());
  const f2 = track(ch.fetch());
  await settle();
  t.equal(f1.state, "pending");
  await ch.put(9);
  await settle();
  t.equal(f1.value, 9);
  t.equal(f2.value, 9);
  t.equal(ch.length, 1, "still buffered");
  t.equal(await ch.take(), 9);
});

t.test("waiting readers see a new item in arrival order; the first take consumes it", async (t) => {
  const ch = new Channel<number>(2);
  const fetchBefore = track(ch.fetch());
  const waitBefore = track(ch.wait());
  const take = track(ch.take());
  const fetchAfter = track(ch.fetch());
  const waitAfter = track(ch.wait());
  await ch.put(1);
  await settle();
  t.equal(fetchBefore.value, 1, "a fetch queued before the take sees the item");
  t.equal(waitBefore.state, "fulfilled", "a wait queued before the take is released");
  t.equal(take.value, 1, "the take gets it");
  t.equal(fetchAfter.state, "pending", "a fetch queued after the take keeps waiting");
  t.equal(waitAfter.state, "pending", "a wait queued after the take keeps waiting");
  t.equal(ch.length, 0);
  await ch.put(2);
  await settle();
  t.equal(fetchAfter.value, 2);
  t.equal(waitAfter.state, "fulfilled");
  t.equal(ch.length, 1);
});

t.test("fetch on an unbuffered channel rejects, as in Julia", async (t) => {
  const ch = new Channel<number>();
  const put = track(ch.put(1));
  const err = await ch.fetch().catch((e: unknown) => e);
  t.ok(err instanceof DistributedError);
  t.notOk(err instanceof ChannelClosedError);
  t.equal((err as DistributedError).code, "ERR_CHANNEL_UNBUFFERED");
  t.match((err as Error).message, /unbuffered channel/);
  t.match((err as Error).message, /take\(\)/, "says what to do instead");
  t.equal(ch.length, 1, "the waiting putter is untouched");
  t.equal(await ch.take(), 1);
  await put.promise;
  t.equal(put.state, "fulfilled");
  ch.close();
  const closed = await ch.fetch().catch((e: unknown) => e);
  t.equal((closed as DistributedError).code, "ERR_CHANNEL_UNBUFFERED", "even when closed");
});

t.test("isready and wait on a buffered channel", async (t) => {
  const ch = new Channel<number>(1);
  t.notOk(ch.isready());
  const w = track(ch.wait());
  await settle();
  t.equal(w.state, "pending");
  await ch.put(1);
  await settle();
  t.equal(w.state, "fulfilled");
  t.ok(ch.isready());
  t.equal(ch.length, 1, "wait does not take");
  const again = track(ch.wait());
  await settle();
  t.equal(again.state, "fulfilled", "wait on a ready channel resolves at once");
  await ch.take();
  t.notOk(ch.isready());
  t.ok(ch.isempty());
});

t.test("isready and wait on an unbuffered channel track waiting putters", async (t) => {
  const ch = new Channel<number>();
  const w = track(ch.wait());
  await settle();
  t.equal(w.state, "pending");
  const put = track(ch.put(3));
  await settle();
  t.equal(w.state, "fulfilled", "a putter arrived");
  t.equal(put.state, "pending", "a wait does not take, so the putter still waits");
  t.ok(ch.isready());
  t.equal(ch.length, 1);
  t.equal(await ch.take(), 3);
  t.notOk(ch.isready());
  t.ok(ch.isempty());
});

t.test("wait on an open empty channel rejects when it is closed later", async (t) => {
  const ch = new Channel<number>(4);
  const w = track(ch.wait());
  await settle();
  ch.close();
  await settle();
  isClosedError(t, w.error, "wait", "wait");
});

t.test("for await takes items until the channel is closed and drained", async (t) => {
  for (const size of [0, 1, 3, Infinity]) {
    const ch = new Channel<number>(size);
    const producer = (async () => {
      for (let i = 0; i < 20; i++) await ch.put(i);
      ch.close();
    })();
    const got: number[] = [];
    for await (const x of ch) got.push(x);
    await producer;
    t.same(got, Array.from({ length: 20 }, (_, i) => i), `size ${size}`);
  }
});

t.test("a for await waiting on an empty channel ends when it is closed", async (t) => {
  const ch = new Channel<number>(2);
  let ended = false;
  const loop = (async () => {
    const got: number[] = [];
    for await (const x of ch) got.push(x);
    ended = true;
    return got;
  })();
  await ch.put(1);
  await settle();
  t.notOk(ended, "still waiting for more");
  ch.close();
  t.same(await loop, [1]);
  t.ok(ended);
});

t.test("breaking out of for await leaves the channel open with the rest of the items", async (t) => {
  const ch = new Channel<number>(5);
  for (let i = 0; i < 5; i++) await ch.put(i);
  for await (const x of ch) if (x === 1) break;
  t.ok(ch.isopen());
  t.equal(ch.length, 3);
  t.equal(await ch.take(), 2);
});

t.test("for await throws when the channel was closed with a reason", async (t) => {
  const ch = new Channel<number>(2);
  await ch.put(1);
  const reason = new Error("upstream failed");
  ch.close(reason);
  const got: number[] = [];
  const err = await (async () => {
    for await (const x of ch) got.push(x);
  })().catch((e: unknown) => e);
  t.same(got, [1], "buffered items still come first");
  isClosedError(t, err, "take", "the loop's error");
  t.equal((err as Error).cause, reason);
});

t.test("the k-th take gets the k-th put under random interleavings", async (t) => {
  for (const size of [0, 1, 2, 7, Infinity]) {
    for (let seed = 1; seed <= 5; seed++) {
      const rand = prng(seed * 1000 + (size === Infinity ? 999 : size));
      const ch = new Channel<number>(size);
      const puts: Tracked<number>[] = [];
      const takes: Tracked<number>[] = [];
      let bad = "";
      for (let step = 0; step < 2000 && bad === ""; step++) {
        const r = rand();
        if (r < 0.45) puts.push(track(ch.put(puts.length)));
        else if (r < 0.9) takes.push(track(ch.take()));
        else if (r < 0.95) await Promise.resolve();
        else await settle();
        // The counts alone determine the state: check it after every step.
        const surplus = puts.length - takes.length;
        const buffered = size === 0 ? Math.max(0, surplus) : Math.min(size, Math.max(0, surplus));
        if (ch.length !== buffered) bad = `step ${step}: length ${ch.length}, expected ${buffered}`;
        else if (ch.isready() !== surplus > 0) bad = `step ${step}: isready ${ch.isready()} with surplus ${surplus}`;
      }
      while (takes.length < puts.length) takes.push(track(ch.take()));
      while (puts.length < takes.length) puts.push(track(ch.put(puts.length)));
      await Promise.all(takes.map((x) => x.promise));
      await Promise.all(puts.map((x) => x.promise));
      if (bad === "") {
        const wrong = takes.findIndex((x, k) => x.state !== "fulfilled" || x.value !== k);
        if (wrong !== -1) bad = `take ${wrong} got ${String(takes[wrong]!.value)} (${takes[wrong]!.state})`;
        else if (puts.some((p) => p.state !== "fulfilled")) bad = "a put did not resolve";
        else if (!ch.isempty()) bad = `left ${ch.length} items`;
      }
      t.equal(bad, "", `size ${size}, seed ${seed}: ${puts.length} puts matched ${takes.length} takes in order`);
    }
  }
});

t.test("many concurrent producers and consumers lose nothing, duplicate nothing and keep each producer's order", async (t) => {
  for (const size of [0, 1, 4, Infinity]) {
    const rand = prng(size === Infinity ? 77 : size + 11);
    const ch = new Channel<[number, number]>(size);
    const producers = 25;
    const perProducer = 200;
    const pause = async (): Promise<void> => {
      const r = rand();
      if (r < 0.2) await settle();
      else if (r < 0.6) await Promise.resolve();
    };
    const log: [number, number][] = [];
    const consumers = Array.from({ length: 10 }, async () => {
      for await (const item of ch) {
        log.push(item);
        await pause();
      }
    });
    await Promise.all(
      Array.from({ length: producers }, async (_, p) => {
        for (let i = 0; i < perProducer; i++) {
          await pause();
          await ch.put([p, i]);
        }
      }),
    );
    ch.close();
    await Promise.all(consumers);
    t.equal(log.length, producers * perProducer, `size ${size}: every item arrived once`);
    const seen = new Set(log.map(([p, i]) => p * perProducer + i));
    t.equal(seen.size, producers * perProducer, `size ${size}: no duplicates`);
    const next = new Array<number>(producers).fill(0);
    let ordered = true;
    for (const [p, i] of log) {
      if (next[p] !== i) ordered = false;
      next[p] = i + 1;
    }
    t.ok(ordered, `size ${size}: each producer's items arrive in the order it put them`);
  }
});

t.test("Channel satisfies ChannelLike", async (t) => {
  const store: ChannelLike<string> = new Channel<string>(1);
  t.equal(await store.put("v"), "v");
  t.equal(await store.isready(), true);
  t.equal(await store.fetch(), "v");
  t.equal(await store.take(), "v");
  await store.close();
  t.equal(await store.isopen(), false);
});

t.test("Queue keeps FIFO order across wrap-around, growth and shrinking", (t) => {
  const q = new Queue<number>();
  const model: number[] = [];
  const rand = prng(42);
  let next = 0;
  let bad = "";
  t.equal(q.shift(), undefined, "shift on empty");
  t.equal(q.peek(), undefined, "peek on empty");
  // Bursts of pushes then of shifts exercise growth past 1024 slots and shrinking back.
  for (let round = 0; round < 40 && bad === ""; round++) {
    const pushBias = round % 2 === 0 ? 0.8 : 0.2;
    for (let i = 0; i < 3000; i++) {
      if (rand() < pushBias) {
        q.push(next);
        model.push(next++);
      } else {
        const a = q.shift();
        const b = model.shift();
        if (a !== b) {
          bad = `round ${round}: shift ${String(a)}, expected ${String(b)}`;
          break;
        }
      }
      if (q.length !== model.length || q.peek() !== model[0]) {
        bad = `round ${round}: length ${q.length}/${model.length}, peek ${String(q.peek())}/${String(model[0])}`;
        break;
      }
    }
  }
  t.equal(bad, "", "matches an array model");
  t.ok(next > 10_000, "the run was long enough to grow and shrink");
  t.end();
});

t.test("a withdrawn take gets nothing, and the next item waits for a live taker", async (t) => {
  const ch = new Channel<number>(2);
  const first = track(ch.take());
  const gone = ch[WITHDRAWABLE]("take");
  const gonePromise = track(gone.promise);
  const third = track(ch.take());
  gone.withdraw(new Error("the taker has gone"));
  await settle();
  t.equal(gonePromise.state, "rejected");
  t.match(gonePromise.error, { message: "the taker has gone" });
  await ch.put(1);
  await ch.put(2);
  await ch.put(3);
  await settle();
  t.same([first.value, third.value], [1, 2], "the takers around the withdrawn one get the items in order");
  t.equal(await ch.take(), 3, "nothing was handed to the withdrawn take");
  t.end();
});

t.test("a withdrawn put adds nothing; withdrawing a finished operation does nothing", async (t) => {
  const ch = new Channel<number>(1);
  const done = ch[WITHDRAWABLE]("put", 1);
  await done.promise;
  done.withdraw(new Error("too late"));
  const waiting = ch[WITHDRAWABLE]("put", 2);
  const w = track(waiting.promise);
  const after = track(ch.put(3));
  waiting.withdraw(new Error("the putter has gone"));
  t.equal(await ch.take(), 1, "the finished put stays");
  t.equal(await ch.take(), 3, "the withdrawn put's value never enters");
  await settle();
  t.equal(w.state, "rejected");
  t.equal(after.state, "fulfilled");
  const rendezvous = new Channel<number>(0);
  const r = rendezvous[WITHDRAWABLE]("put", 9);
  r.promise.catch(() => {});
  r.withdraw(new Error("gone"));
  t.equal(rendezvous.isready(), false, "a size-0 channel has no putter left to meet");
  t.end();
});

t.test("Queue.remove closes the gap across wrap-around", (t) => {
  const q = new Queue<number>();
  for (let i = 0; i < 6; i++) q.push(i);
  for (let i = 0; i < 5; i++) q.shift(); // head near the end of the ring
  for (let i = 6; i < 12; i++) q.push(i); // wraps
  t.equal(q.remove(8), true);
  t.equal(q.remove(99), false);
  t.equal(q.last(), 11);
  const out: number[] = [];
  while (q.length > 0) out.push(q.shift()!);
  t.same(out, [5, 6, 7, 9, 10, 11]);
  t.equal(q.last(), undefined);
  t.end();
});
