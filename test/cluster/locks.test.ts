// Atomics of every kind, SpinLock, ReentrantLock and threads.spawn across worker processes of
// every runtime: test/fixtures/locks-master.ts runs under a node, a bun and a deno master, each
// with a node, a bun and a deno worker (two pool threads everywhere), and prints one JSON line.
// Exactness under contention is the point: a plain read-modify-write inside lock.run from
// async tasks, pool threads and processes at once must lose no update.
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import path from "node:path";
import t, { type Test } from "tap";
import { ROOT, runtimeExe } from "../helpers/processes.ts";

const RUNTIMES = ["node", "bun", "deno"] as const;
type Runtime = (typeof RUNTIMES)[number];
const listed = (): string[] => readdirSync("/dev/shm").filter((n) => n.startsWith("distributed-"));

function runFixture(runtime: Runtime): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const source = path.join(ROOT, "test", "fixtures", "locks-master.ts");
  const [exe, args] = runtime === "node"
    ? [process.execPath, [path.join(ROOT, "dist", "test", "fixtures", "locks-master.js")]]
    : runtime === "deno"
    ? [runtimeExe("deno"), ["run", "-A", source]]
    : [runtimeExe("bun"), [source]];
  const child = spawn(exe, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  const limit = setTimeout(() => child.kill("SIGKILL"), 240_000);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(limit);
      resolve({ code, stdout, stderr });
    });
  });
}

const before = listed();

for (const runtime of RUNTIMES) {
  t.test(`${runtime} master with node, bun and deno worker processes`, async (t) => {
    const run = await runFixture(runtime);
    t.equal(run.code, 0, `exit code 0; stderr:\n${run.stderr}`);
    const line = run.stdout.split("\n").find((l) => l.startsWith('{"runtime":'));
    if (line === undefined) return void t.fail(`no results\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
    const r = JSON.parse(line) as Record<string, Record<string, unknown>>;
    const scenario = (name: string, check: (t: Test, v: Record<string, unknown>) => void): void => {
      t.test(name, async (t) => {
        const v = r[name];
        if (v !== undefined && typeof v === "object" && v !== null && "failed" in v) {
          return void t.fail(`${name} threw: ${String(v.failed)}`);
        }
        t.not(v, undefined, `${name} has a result`);
        check(t, v as Record<string, unknown>);
      });
    };
    t.same(r.start, { pids: [2, 3, 4], runtimes: ["node", "bun", "deno"] }, "one worker process of each runtime");
    scenario("atomic.kinds", (t, v) => {
      const wrapped: Record<string, string> = { Int8Array: "-32", Uint8Array: "224" };
      for (
        const kind of [
          "Int8Array",
          "Uint8Array",
          "Int16Array",
          "Uint16Array",
          "Int32Array",
          "Uint32Array",
          "BigInt64Array",
          "BigUint64Array",
          "Float32Array",
          "Float64Array",
        ]
      ) {
        t.same(
          v[kind],
          { sum: wrapped[kind] ?? "12000", max: "99", min: "51", bits: "15", mapped: true },
          `${kind}: 3000 adds from each of 4 processes at once (${
            wrapped[kind] ? "12000 wrapped at 8 bits" : "exact"
          }), max, min, or: exact`,
        );
      }
    });
    for (const lock of ["ReentrantLock", "SpinLock"]) {
      scenario(`lock.${lock}`, (t, v) => {
        t.equal(
          v.count,
          v.expected,
          `${lock}: ${String(v.expected)} read-modify-writes from async tasks, pool threads and 4 processes at once: none lost`,
        );
        t.equal(v.expected, 2100);
        t.equal(v.locked, false, "free at the end");
        t.equal(v.mapped, true, "on memory mapped by the worker processes");
      });
    }
    scenario("lock.acrossProcesses", (t, v) => {
      const seen = v.seenThere as Record<string, unknown>;
      t.equal(seen.islocked, true, "a worker sees the master's lock held");
      t.equal(seen.trylock, false, "and cannot take it");
      t.match(seen.holder, { pid: 1, threadid: 0 }, "the holder is recorded: the master, its own thread");
      t.match(seen.text, /^ReentrantLock\(locked by the master \(OS pid \d+\)\)$/);
      t.match(v.unlockThere, {
        remoteCode: "ERR_LOCK_NOT_OWNER",
        remoteMessage: /^ReentrantLock\.unlock\(\): this task does not hold the lock: it is held by the master \(OS pid \d+\)$/,
      }, "unlock by another process: a coded error naming the holder");
      t.match(v.holderThere, { pid: 2, threadid: 0 }, "a waiting worker takes it once the master unlocks");
      t.match(v.unlockFree, {
        name: "LockError",
        code: "ERR_LOCK_NOT_OWNER",
        message: "ReentrantLock.unlock(): this task does not hold the lock: it is not locked",
      });
      t.match(v.abandoned, {
        name: "LockError",
        code: "ERR_LOCK_ABANDONED",
        message: new RegExp(`^SpinLock: held by worker ${String(v.doomed)} \\(OS pid \\d+\\), which ended without unlocking it`),
      }, "a worker that ended holding a lock: the waiter names it");
    });
    scenario("lock.threadWorker", (t, v) => {
      t.equal(v.count, 900, "a thread worker, a deno worker process and this process, 300 read-modify-writes each under one lock: exact");
      t.equal(v.participants, true, "the thread worker is a participant");
      t.match(
        v.seen,
        { took: true, h: { pid: v.tw, threadid: 0 } },
        "the thread worker takes the same lock, and is recorded as its holder",
      );
    });
    scenario("spawn", (t, v) => {
      t.equal(v.sum, 210 + 15, "20 spawned tasks here and one on each worker's pool, each adding under the lock: exact");
      t.same(v.threadsUsed, [1, 2], "the tasks went to both pool threads");
      t.same(v.onWorkers, [10, 10, 10], "threads.spawn on a node, a bun and a deno worker resolves with the value");
      t.match(v.thrown, {
        name: "ThreadError",
        code: "ERR_THREAD",
        message: /^threads\.spawn: in thread [12]: RangeError: no$/,
        remoteMessage: "no",
      });
    });
  });
}

t.test("no /dev/shm segment left behind", async (t) => {
  t.same(listed().filter((n) => !before.includes(n)), [], "none listed after the runs");
});
