// Threads under node, bun and deno: the pool, Atomic, SharedArray, thread workers, and process
// workers with a pool of their own. The pool and thread workers run in the master's runtime,
// so test/fixtures/threads-master.ts runs as the master under each runtime (from dist under
// node, from source under bun and deno), with DISTRIBUTED_THREADS=3, and prints the outcome
// of every scenario as one JSON line; each scenario is checked here as a subtest. The three
// masters run at the same time. The fixture ends with the pool and a thread worker still
// there: the master must then exit by itself.
import { spawn } from "node:child_process";
import path from "node:path";
import t from "tap";
import { ROOT, runtimeArgs, runtimeExe } from "../helpers/processes.ts";

const RUNTIMES = ["node", "bun", "deno"] as const;
type Runtime = (typeof RUNTIMES)[number];

/** How long the master may take to exit after printing its results. */
const EXIT_GRACE_MS = 20_000;
/** How long the whole script may take. */
const RUN_LIMIT_MS = 180_000;

type Results = Record<string, unknown>;

interface FixtureRun {
  results: Results | null;
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  /** ms from the start to the results line, and from there to the exit. */
  printedMs: number | null;
  exitMs: number | null;
  /** Killed by this test: it had not exited EXIT_GRACE_MS after its results (or ran past RUN_LIMIT_MS). */
  killedBecause: string | null;
}

function runFixture(runtime: Runtime): Promise<FixtureRun> {
  const file = runtime === "node"
    ? path.join(ROOT, "dist", "test", "fixtures", "threads-master.js")
    : path.join(ROOT, "test", "fixtures", "threads-master.ts");
  const start = Date.now();
  const child = spawn(runtimeExe(runtime), runtimeArgs(runtime, file), {
    cwd: ROOT,
    env: { ...process.env, DISTRIBUTED_THREADS: "3" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const run: FixtureRun = {
    results: null,
    code: null,
    signal: null,
    stdout: "",
    stderr: "",
    printedMs: null,
    exitMs: null,
    killedBecause: null,
  };
  const kill = (why: string): void => {
    if (run.killedBecause === null) run.killedBecause = why;
    child.kill("SIGKILL");
  };
  const limit = setTimeout(() => kill(`still running after ${RUN_LIMIT_MS} ms`), RUN_LIMIT_MS);
  let grace: NodeJS.Timeout | undefined;
  child.stdout.on("data", (d: Buffer) => {
    run.stdout += d.toString();
    if (run.results !== null) return;
    const line = run.stdout.split("\n").find((l) => l.startsWith('{"runtime":'));
    if (line === undefined || !run.stdout.includes(`${line}\n`)) return;
    run.results = JSON.parse(line) as Results;
    run.printedMs = Date.now() - start;
    grace = setTimeout(() => kill(`not exited ${EXIT_GRACE_MS} ms after printing its results`), EXIT_GRACE_MS);
  });
  child.stderr.on("data", (d: Buffer) => (run.stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(limit);
      clearTimeout(grace);
      run.code = code;
      run.signal = signal;
      if (run.printedMs !== null) run.exitMs = Date.now() - start - run.printedMs;
      resolve(run);
    });
  });
}

type Check = (t: Tap, value: Record<string, unknown>) => void;
type Tap = typeof t;

/** Errors as the fixture describes them. */
interface Described {
  name: string;
  message: string;
  isTypeError: boolean;
  isRangeError: boolean;
  isThreadError: boolean;
  isRemoteError: boolean;
  code: string | null;
  threadid: number | null;
  remoteName: string | null;
  remoteMessage: string | null;
}

/** Asserts an error the fixture described: its class flag, name and exact message. */
function isError(t: Tap, err: unknown, expected: Partial<Described>, what: string): void {
  t.ok(err !== null && typeof err === "object" && "message" in (err as object), `${what}: an error (got ${JSON.stringify(err)})`);
  t.match(err, expected, what);
}

const runs = new Map<Runtime, Promise<FixtureRun>>(RUNTIMES.map((r) => [r, runFixture(r)]));

for (const runtime of RUNTIMES) {
  t.test(`${runtime} master`, async (t) => {
    const run = await runs.get(runtime)!;
    if (run.results === null) {
      t.fail(
        `${runtime}: the fixture printed no results (code ${run.code}, signal ${run.signal}, ${
          run.killedBecause ?? ""
        })\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`,
      );
      return;
    }
    const results = run.results;
    t.equal(results.runtime, runtime, "the fixture ran under this runtime");
    t.comment(`${runtime}: results after ${run.printedMs} ms, exit ${run.exitMs} ms later`);

    const scenario = (name: string, check: Check): void => {
      t.test(name, async (t) => {
        const value = results[name] as Record<string, unknown> | undefined;
        if (value !== null && typeof value === "object" && "failed" in value) {
          t.fail(`${name} threw: ${String(value.failed)}`);
          return;
        }
        t.not(value, undefined, `${name} has a result`);
        check(t as unknown as Tap, value as never);
      });
    };
    const value = (name: string): unknown => results[name];

    // ---- 1. the pool
    t.test("pool: nthreads() from DISTRIBUTED_THREADS, threadid() 0 here", async (t) => {
      t.equal(value("pool.nthreadsFromEnv"), 3, "DISTRIBUTED_THREADS=3");
      t.equal(value("pool.nthreadsRunning"), 3, "the running pool has 3 threads");
      t.equal(value("pool.mainThreadid"), 0, "threadid() on the process's own thread");
      t.equal(value("pool.mainThreadidAfter"), 0, "still 0 after the pool ran");
    });
    scenario("pool.seed004", (t, v) => {
      t.same(v, [1, 1, 2, 2, 3, 3], "seed 004: a SharedArray filled with threadid() by a static split");
    });
    scenario("pool.parallelForRange", (t, v) => {
      const expected = new Array(20).fill(0);
      for (const i of [2, 5, 8, 11, 14, 17]) expected[i] = 100 + i;
      t.same(v, expected, "range(2, 20, 3): every element once, nothing else");
    });
    scenario("pool.parallelForCount", (t, v) => {
      t.same(v.values, [0.5, 1.5, 4.5, 9.5, 16.5, 25.5, 36.5], "a count n runs 0..n-1");
      t.same(v.who, [1, 1, 1, 2, 2, 3, 3], "split into contiguous parts, one per thread");
    });
    scenario("pool.parallelForEmpty", (t, v) => {
      t.same(v.outcomes, ["undefined", "undefined", "undefined"], "resolves with undefined");
      t.equal(v.ran, 0, "the body never ran for range(0, 0), 0, range(5, 0)");
    });
    scenario("pool.parallelForBadArguments", (t, v) => {
      isError(
        t,
        v.negativeCount,
        { isTypeError: true, message: "threads.parallelFor: a count must be a non-negative integer, got -1" },
        "count -1",
      );
      isError(t, v.notRange, {
        isTypeError: true,
        message: "threads.parallelFor: the iteration space must be a range (range(0, n)) or a count",
      }, "an array");
      isError(t, v.notFunction, { isTypeError: true, message: "threads.parallelFor(range, body): body must be a function" }, "no body");
    });
    scenario("pool.map", (t, v) => {
      t.same(v.squares, [1, 4, 9, 16, 25, 36, 49], "order kept");
      t.same(v.strings, ["A", "B", "C", "D"]);
      t.same(v.range, [0, 40, 80, 120, 160], "over a range");
      t.same(v.where, [1, 1, 2, 2, 3, 3], "each thread maps its part");
      t.same(v.fewerThanThreads, [-5]);
      t.same(v.empty, []);
      t.same(v.emptyRange, []);
      isError(t, v.notItems, { isTypeError: true, message: "threads.map(f, items): items must be an array or a range" }, "a string");
    });
    scenario("pool.reduce", (t, v) => {
      t.equal(v.plus, 4950, '"+"');
      t.equal(v.max, 49, '"max"');
      t.equal(v.min, -1401, '"min"');
      t.equal(v.fn, 3628800, "a function reducer (10!)");
      t.equal(v.concat, "012345678", "parts combined in order");
      t.equal(v.count, 1000, "over a count");
      t.equal(v.empty, "undefined", "an empty range reduces to undefined");
      isError(
        t,
        v.unknownReducer,
        { isTypeError: true, message: 'Unknown reducer "avg"; use a function or one of "+", "*", "min", "max"' },
        "an unknown reducer",
      );
    });
    scenario("pool.async", (t, v) => {
      t.equal(v.parallelFor, 9, "parallelFor waited for every async body");
      t.same(v.mapped, [2, 3, 4, 5, 6], "map of an async f");
      t.equal(v.reduced, 30, "reduce of an async body");
    });
    scenario("pool.errors", (t, v) => {
      isError(
        t,
        v.parallelFor,
        {
          name: "ThreadError",
          isThreadError: true,
          threadid: 3,
          remoteName: "Error",
          remoteMessage: "boom at 4",
          message: "threads.parallelFor: in thread 3: Error: boom at 4",
        },
        "a throwing parallelFor body",
      );
      isError(t, v.map, {
        name: "ThreadError",
        isThreadError: true,
        threadid: 2,
        remoteName: "RangeError",
        remoteMessage: "bad 2",
        message: "threads.map: in thread 2: RangeError: bad 2",
      }, "a throwing map f");
      isError(
        t,
        v.asyncReduce,
        {
          name: "ThreadError",
          isThreadError: true,
          threadid: 1,
          remoteName: "TypeError",
          remoteMessage: "async failure at 1",
          message: "threads.reduce: in thread 1: TypeError: async failure at 1",
        },
        "a rejecting async reduce body",
      );
      t.same(v.after, [2, 3, 4], "the pool works after failures");
    });
    scenario("pool.everywhereBefore", (t, v) => {
      isError(
        t,
        v.moduleName,
        { name: "UndefinedNameError", message: /`MOD_SCALE`, which is not defined/ as unknown as string },
        "a module's export before everywhere(url)",
      );
      isError(
        t,
        v.definition,
        { name: "UndefinedNameError", message: /`triple`, which is not defined/ as unknown as string },
        "a definition before everywhere({ ... })",
      );
    });
    scenario("pool.everywhereRunningPool", (t, v) => {
      t.equal(v.nthreads, 3, "the pool that was running");
      t.same(v.where, [1, 1, 2, 2, 3, 3], "was not restarted");
      t.same(v.moduleByReference, [1, 4, 3, 8, 5, 12], "a module function (using an unexported helper) runs in the threads");
      t.same(v.moduleName, [7, 14, 21], "a module's export is a Main name in the threads");
      t.same(v.definition, [103, 106, 109, 112], "a function and a value from everywhere({ ... })");
      t.equal(v.reduceWithModule, 65, "reduce with a module function");
    });
    scenario("pool.setNthreads", (t, v) => {
      isError(t, v.bad, { isRangeError: true, message: "threads.setNthreads(n): n must be a positive integer, got 0" }, "setNthreads(0)");
      t.equal(v.nthreads, 2, "nthreads() follows setNthreads");
    });
    scenario("pool.everywhereRestartedPool", (t, v) => {
      t.equal(v.nthreads, 2);
      t.same(v.where, [1, 1, 2, 2], "a new pool of 2 threads");
      t.same(v.moduleByReference, [1, 4, 3, 8], "the module is loaded in threads started after everywhere(url)");
      t.same(v.moduleName, [7, 14]);
      t.same(v.definition, [103, 106, 109], "definitions are replayed in threads started after everywhere({ ... })");
      t.equal(v.nthreadsAfter, 2);
    });

    // ---- 2. Atomic across threads
    scenario("atomic.race", (t, v) => {
      t.equal(v.nthreads, 2, "two threads");
      t.equal(v.expected, 600);
      t.ok((v.plain as number) < 600, `a plain shared counter loses updates: ${v.plain} of 600`);
      t.ok((v.plain as number) >= 300, `each thread counted its own part at least: ${v.plain}`);
      t.equal(v.atomic, 600, "Atomic add: exactly 600");
      t.equal(v.plainAtomicUntouched, 0);
    });
    scenario("atomic.int32Threads", (t, v) => {
      t.equal(v.expected, 9999);
      t.equal(v.total, 9999, "10 000 adds from 2 threads, exact");
      t.equal(v.sub, 0, "10 000 subs, exact");
    });
    scenario("atomic.float64", (t, v) => {
      t.equal(v.sum, 1000, "4000 adds of 0.25 from 2 threads, exactly 1000");
      t.equal(v.before, 0.5, "add returns the old value");
      t.equal(v.subBefore, 0.75, "sub returns the old value");
      t.equal(v.after, "-0.25");
      t.equal(v.string, "Atomic<Float64Array>(1.5)");
    });
    scenario("atomic.casThreads", (t, v) => {
      t.equal(v.value, 4000, "a compare-and-swap loop from 2 threads counts exactly");
    });
    scenario("atomic.cas", (t, v) => {
      t.same(v, {
        miss: 5,
        afterMiss: 5,
        hit: 5,
        afterHit: 9,
        fmiss: 1.25,
        fAfterMiss: 1.25,
        fhit: 1.25,
        fAfterHit: 2.75,
        xchg: 9,
        afterXchg: -3,
      }, "cas returns the old value and swaps only on a match");
    });
    scenario("atomic.bigint", (t, v) => {
      t.equal(v.big, "1099511630776n", "BigInt64: 2^40 + 1000 adds of 3n from threads");
      t.equal(v.big, v.expected);
      t.equal(v.string, "Atomic<BigInt64Array>(1099511630776)");
      t.equal(v.ubefore, "0n");
      t.equal(v.ubig, "18446744073709551615n", "BigUint64 wraps below 0");
      t.equal(v.u32before, 0);
      t.equal(v.u32, 4294967295, "Uint32 wraps below 0");
    });
    scenario("atomic.typeErrors", (t, v) => {
      isError(t, v.numberGetsBigint, { isTypeError: true, message: "Atomic<Int32Array>: values are numbers, got bigint" }, "Int32 add(1n)");
      isError(
        t,
        v.bigintGetsNumber,
        { isTypeError: true, message: "Atomic<BigInt64Array>: values are bigints, got number" },
        "BigInt64 add(1)",
      );
      isError(
        t,
        v.floatGetsString,
        { isTypeError: true, message: "Atomic<Float64Array>: values are numbers, got string" },
        'Float64 store("1")',
      );
      isError(t, v.badKind, {
        isTypeError: true,
        message:
          "Atomic: the kind must be Int8Array, Uint8Array, Int16Array, Uint16Array, Int32Array, Uint32Array, BigInt64Array, BigUint64Array, Float32Array or Float64Array, got Uint8ClampedArray",
      }, "Uint8ClampedArray");
      // A one-part call goes to the next thread in turn: any of them.
      const tid = (v.inThread as { threadid: number }).threadid;
      t.ok([1, 2, 3].includes(tid), `in a pool thread: thread ${tid} of 3`);
      isError(
        t,
        v.inThread,
        {
          isThreadError: true,
          threadid: tid,
          remoteName: "TypeError",
          remoteMessage: "Atomic<Int32Array>: values are numbers, got bigint",
          message: `threads.parallelFor: in thread ${tid}: TypeError: Atomic<Int32Array>: values are numbers, got bigint`,
        },
        "in a pool thread",
      );
    });

    // ---- 4. thread workers
    scenario("tw.start", (t, v) => {
      t.same(v.pids, [2, 3], 'addprocs(2, { manager: "threads" })');
      t.same(v.workers, [2, 3]);
      t.comment(`${runtime}: 2 thread workers started in ${v.ms} ms`);
    });
    scenario("tw.calls", (t, v) => {
      t.same(v.myids, [2, 3], "remotecallFetch(myid)");
      t.equal(v.sum, 42);
      const pmapped = v.pmap as Array<[number, number]>;
      t.same(pmapped.map(([x]) => x), [1, 4, 9, 16, 25, 36], "pmap keeps order");
      t.ok(pmapped.every(([, p]) => p === 2 || p === 3), `pmap ran on the thread workers: ${JSON.stringify(pmapped.map(([, p]) => p))}`);
      t.equal(v.distributed, 4950, "distributed with a reducer");
      t.equal(v.threadidOnWorker, 0, "a thread worker's own threadid is 0");
      t.same(v.poolOnWorker, [[2, 1], [2, 2]], "a thread worker has a pool; its threads' myid() is the worker's");
    });
    scenario("tw.distributedSharedArray", (t, v) => {
      t.same(v.data, [200, 201, 202, 203, 204, 305, 306, 307, 308, 309], "the workers' writes land in the master's array");
      t.same(v.pids, [1, 2, 3], "the default participants: the master and its thread workers");
    });
    scenario("tw.createInit", (t, v) => {
      t.same(v.pids, [1, 2, 3]);
      t.same(v.data, [1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3], "init on every participant fills its localindices with its pid");
      t.same(v.indexpids, [[2, [4, 5, 6, 7]], [3, [8, 9, 10, 11]]], "indexpids and localindices on the workers");
      t.equal(v.masterIndexpids, 1);
    });
    scenario("tw.atomic", (t, v) => {
      t.equal(v.distributed, 3000, "an Int32 Atomic incremented by distributed on thread workers: exact");
      t.equal(v.calls, 150, "a Float64 Atomic added to by six concurrent calls: exact");
    });
    scenario("tw.sameMemory", (t, v) => {
      t.equal(v.masterSeesWorkerWrite, 42, "a write on the worker is seen on the master");
      t.equal(v.workerSeesMasterWrite, 99, "a later write on the master is seen by the worker's kept array");
      t.equal(v.returnedWriteSeen, 7, "a write through the returned array is seen in the original");
      t.equal(v.sameBuffer, true, "the returned array's buffer is the original's");
      t.equal(v.returnedIsCopyObject, true, "(a new SharedArray object on the same memory)");
      t.equal(v.ownData, 5, "an array made on a worker arrives with its contents");
      t.same(v.ownPids, [1, 3], "its participants: the worker and its master");
      t.same(v.workerOwnAfterMasterWrite, [5, 6], "the master's write is seen by the worker that made it");
      t.equal(v.atomic, 111, "an Atomic sent and returned is one cell (1 + 10 + 100)");
    });
    scenario("tw.workerToWorker", (t, v) => {
      t.equal(v.oneHop, 300, "2 calls 3");
      t.equal(v.back, 200, "3 calls 2");
      t.equal(v.chain, 2, "2 -> 3 -> 2");
    });
    scenario("tw.interrupt", (t, v) => {
      isError(t, v.err, { isRemoteError: true, remoteName: "InterruptError" }, "the running async call fails with InterruptError");
      t.equal(v.alive, "alive", "the interrupted thread worker keeps serving");
      t.equal(v.other, "alive too");
    });
    scenario("tw.otherRuntime", (t, v) => {
      t.not(v.other, runtime);
      isError(t, v.err, {
        isTypeError: true,
        message: "Thread workers run in this process's own runtime: runtime, exename and exeflags do not apply to them",
      }, `runtime: "${String(v.other)}"`);
      t.same(v.workers, [2, 3], "no worker was added");
    });
    scenario("tw.rmprocs", (t, v) => {
      t.same(v.workers, [1], "rmprocs ended the thread workers");
      isError(t, v.call, { name: "ProcessExitedError" }, "a call to a removed thread worker");
    });

    // ---- 5, 6. a process worker
    scenario("proc.start", (t, v) => {
      t.equal(v.pid, 4);
      t.same(v.workers, [4]);
    });
    scenario("proc.refused", (t, v) => {
      const pid = v.pid as number;
      const sa =
        `A SharedArray<Float64Array>[10] cannot be sent to worker ${pid}: it is a separate process, not one of the participants (1), which are fixed when the value is made`;
      const notParticipant = { name: "SharedMemoryError", code: "ERR_SHARED_MEMORY_NOT_PARTICIPANT" };
      isError(
        t,
        v.sharedArray,
        { ...notParticipant, message: new RegExp(`^${sa.replace(/[[\]()<>]/g, "\\$&")}`) as unknown as string },
        "a SharedArray made before the worker, as an argument",
      );
      isError(
        t,
        v.captured,
        { ...notParticipant, message: new RegExp(`^${sa.replace(/[[\]()<>]/g, "\\$&")}`) as unknown as string },
        "captured",
      );
      isError(t, v.atomic, {
        ...notParticipant,
        message: new RegExp(
          `^An Atomic<Int32Array>\\(0\\) cannot be sent to worker ${pid}: it is a separate process, not one of the participants \\(1\\)`,
        ) as unknown as string,
      }, "an Atomic made before the worker");
      t.equal(v.localTouch, null, "the bodies did not run here either");
      t.equal(v.touched, 0, "nothing reached the worker");
      t.equal(v.copy, 10, "the worker answers, and a copy (.data.slice()) goes through");
    });
    scenario("proc.threads", (t, v) => {
      t.equal(v.nthreads, 4, "addprocs(1, { threads: 4 }): the worker's nthreads()");
      t.equal(v.count, 4000, "parallelFor with an Atomic inside the worker: exact");
      t.same(v.where, [[4, 1], [4, 2], [4, 3], [4, 4]], "the worker's pool threads: its pid, ids 1..4");
      t.equal(v.masterNthreads, 2, "the master's pool is unchanged");
    });
    scenario("proc.rmprocs", (t, v) => {
      t.same(v, [1]);
    });

    scenario("tw.frameLimit", (t, v) => {
      isError(
        t,
        v.refused,
        { name: "SerializationError", isTypeError: false, code: "ERR_PAYLOAD_TOO_LARGE" },
        "a copy over the thread worker's DISTRIBUTED_MAX_FRAME_BYTES",
      );
      t.match(
        (v.refused as { message: string }).message,
        /2097\d{3} bytes .*1048576 bytes .*worker 5 accepts/,
        "names the size and the limit",
      );
      t.equal(v.shared, 1 << 18, "a SharedArray of the same size goes by reference");
      t.equal(v.answers, 5, "the thread worker keeps serving");
    });

    // ---- 7. leftovers
    scenario("leftover.threadWorker", (t, v) => {
      t.equal(v.answer, 6);
      t.same(v.workers, [6], "a thread worker left running");
    });
    scenario("leftover.pool", (t, v) => {
      t.same(v, { doubled: [2], nthreads: 3 }, "the pool left running, two of its three threads never used");
    });
    t.test("the master exits by itself with the pool and a thread worker still there", async (t) => {
      if (run.killedBecause !== null) {
        t.fail(`the master did not exit by itself: killed, ${run.killedBecause}`);
        return;
      }
      t.equal(run.signal, null, "no signal");
      t.equal(run.code, 0, `exit code 0${run.stderr === "" ? "" : `; stderr:\n${run.stderr}`}`);
      t.ok(run.exitMs !== null && run.exitMs < EXIT_GRACE_MS, `exited ${run.exitMs} ms after printing its results`);
    });
    t.test("every scenario was checked", async (t) => {
      const known = /^(runtime|pool\.|atomic\.|tw\.|proc\.|leftover\.)/;
      t.same(Object.keys(results).filter((k) => !known.test(k)), [], "no unknown results");
      t.equal(Object.keys(results).length, 42, "the number of results the fixture records");
    });
  });
}
