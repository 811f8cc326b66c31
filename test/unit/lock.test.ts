// SpinLock and ReentrantLock in one thread: mutual exclusion among async tasks, who owns a lock
// (a run's async flow; bare lock() is this thread outside a run), re-entry, the coded errors,
// the holder record, and the codec (the same memory to a target that shares it). Threads and
// processes are in test/cluster/locks.test.ts.
import t from "tap";
import { LockError, ReentrantLock, SpinLock } from "../../src/mod.ts";
import { decode, encode } from "../../src/protocol/codec.ts";
import { osPid } from "../../src/runtime/host.ts";
import { processAlive } from "../../src/runtime/process-alive.ts";
import { caught } from "../helpers/unit.ts";

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

for (const Lock of [ReentrantLock, SpinLock]) {
  t.test(`${Lock.name}: async tasks of one thread take turns`, async (t) => {
    const l = new Lock();
    let count = 0;
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        for (let i = 0; i < 10; i++) {
          await l.run(async () => {
            inside++;
            most = Math.max(most, inside);
            const v = count;
            await tick();
            count = v + 1;
            inside--;
          });
        }
      }),
    );
    t.equal(count, 100, "no update lost across awaits inside the critical section");
    t.equal(most, 1, "never two tasks inside");
    t.equal(l.islocked(), false);
  });

  t.test(`${Lock.name}: run returns fn's value, rejects with its error, unlocks either way`, async (t) => {
    const l = new Lock();
    t.equal(await l.run(() => 7), 7);
    t.equal(
      await l.run(async () => {
        await tick();
        return "later";
      }),
      "later",
    );
    const err = await l.run(() => {
      throw new RangeError("inside");
    }).catch((e: unknown) => e);
    t.type(err, RangeError);
    t.equal(l.islocked(), false, "unlocked after a throw");
    await t.rejects(l.run(5 as never), new TypeError(`${Lock.name}.run(fn): fn must be a function`));
  });

  t.test(`${Lock.name}: trylock, unlock errors, holder and toString`, async (t) => {
    const l = new Lock();
    t.equal(String(l), `${Lock.name}(unlocked)`);
    t.equal(l.holder(), null);
    const free = caught(() => l.unlock()) as LockError;
    t.type(free, LockError);
    t.equal(free.code, "ERR_LOCK_NOT_OWNER");
    t.equal(free.message, `${Lock.name}.unlock(): this task does not hold the lock: it is not locked`);
    t.equal(l.trylock(), true);
    t.same(l.holder(), { pid: 1, ospid: osPid(), threadid: 0 }, "the holder records itself");
    t.equal(String(l), `${Lock.name}(locked by the master (OS pid ${osPid()}))`);
    t.equal(l.trylock(), false, "a bare trylock does not re-enter: another task of this thread could be the holder");
    l.unlock();
    t.equal(l.islocked(), false);
  });
}

t.test("a run waits for a bare lock of the same thread; a bare unlock of a run's lock is refused", async (t) => {
  const l = new ReentrantLock();
  await l.lock();
  let ran = false;
  const waiting = l.run(async () => {
    ran = true;
    await tick();
  });
  await tick();
  t.equal(ran, false, "the run waits: the bare holder may be another task");
  l.unlock();
  await tick();
  t.equal(ran, true, "and runs once the bare lock is let go");
  const err = caught(() => l.unlock()) as LockError;
  t.equal(err.code, "ERR_LOCK_NOT_OWNER", "a task outside the run cannot unlock the run's lock");
  t.equal(
    err.message,
    "ReentrantLock.unlock(): this task does not hold the lock: another task of this thread holds it (outside a run, or in another run)",
  );
  await waiting;
  t.equal(l.islocked(), false);
});

t.test("ReentrantLock: its run's owner re-enters with lock, trylock and run; other tasks wait", async (t) => {
  const l = new ReentrantLock();
  let other = false;
  let open: () => void = () => {};
  const gate = new Promise<void>((resolve) => (open = resolve));
  // Started outside the run: another task, which must wait.
  const outsider = (async () => {
    await gate;
    await l.lock();
    other = true;
    l.unlock();
  })();
  await l.run(async () => {
    await l.lock();
    t.equal(l.trylock(), true, "trylock re-enters");
    t.equal(
      await l.run(async () => {
        await tick();
        return l.islocked();
      }),
      true,
      "a nested run re-enters, across awaits",
    );
    open();
    await tick();
    t.equal(other, false, "a task started outside the run waits");
    let child = false;
    await (async () => {
      await l.lock();
      child = true;
      l.unlock();
    })();
    t.equal(child, true, "a task fn starts is part of fn's async flow: it is the owner too (documented)");
    l.unlock();
    l.unlock();
    t.equal(l.islocked(), true, "still held by the run");
  });
  await outsider;
  t.equal(other, true, "the outsider got it after the run");
  t.equal(l.islocked(), false);
});

t.test("SpinLock: locking again inside its own run is ERR_LOCK_RECURSIVE; trylock says false", async (t) => {
  const l = new SpinLock();
  const err = await l.run(async () => {
    t.equal(l.trylock(), false);
    return l.lock();
  }).catch((e: unknown) => e);
  t.type(err, LockError);
  t.equal((err as LockError).code, "ERR_LOCK_RECURSIVE");
  t.equal(
    (err as LockError).message,
    "SpinLock: locked again inside its own run(): a SpinLock is not reentrant, so this would wait for itself forever. Use a ReentrantLock.",
  );
  t.equal(l.islocked(), false, "the run unlocked it");
});

t.test("a lock travels by reference to a target that shares memory", (t) => {
  for (const Lock of [ReentrantLock, SpinLock]) {
    const l = new Lock();
    const [back] = decode(encode([l], { sharesMemory: true, describe: "a thread" }, true).body) as [InstanceType<typeof Lock>];
    t.type(back, Lock);
    t.equal(back.buffer, l.buffer, "the same memory");
    t.equal(l.trylock(), true);
    t.equal(back.islocked(), true, "locked through one, seen through the other");
    t.equal(back.trylock(), false);
    back.unlock();
    t.equal(l.islocked(), false, "the same lock: this thread unlocks it through either");
    t.same(l.pids, [1]);
  }
  t.end();
});

t.test("processAlive: this process runs, a finished one does not", (t) => {
  t.equal(processAlive(osPid()), true);
  t.equal(processAlive(2 ** 30), false);
  t.end();
});
