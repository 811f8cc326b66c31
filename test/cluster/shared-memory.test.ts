// SharedArray and Atomic shared by worker processes under node, bun and deno masters, each with
// a node, a bun and a deno worker on one array (test/fixtures/shm-master.ts prints every
// scenario's outcome as one JSON line); a Deno master without FFI permission; a master killed
// with SIGKILL (nothing may be left in /dev/shm); and the sweep of a segment left by a creator
// that is gone. /dev/shm is listed before and after each.
import { spawn } from "node:child_process";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import t, { type Test } from "tap";
import { alive, ROOT, runtimeExe, waitUntil } from "../helpers/processes.ts";

const RUNTIMES = ["node", "bun", "deno"] as const;
type Runtime = (typeof RUNTIMES)[number];
const RUN_LIMIT_MS = 240_000;

/** The segments of this package listed in /dev/shm. */
const listed = (): string[] => readdirSync("/dev/shm").filter((n) => n.startsWith("distributed-"));

interface Run {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/** The command line of the fixture under a runtime (with a garbage collector to call), and `flags` for Deno's permissions. */
function fixtureArgs(runtime: Runtime, mode: string, denoFlags = ["-A"]): [string, string[]] {
  const built = path.join(ROOT, "dist", "test", "fixtures", "shm-master.js");
  const source = path.join(ROOT, "test", "fixtures", "shm-master.ts");
  if (runtime === "node") return [process.execPath, ["--expose-gc", built, mode]];
  if (runtime === "deno") return [runtimeExe("deno"), ["run", ...denoFlags, "--v8-flags=--expose-gc", source, mode]];
  return [runtimeExe("bun"), [source, mode]];
}

function runFixture(runtime: Runtime, mode: string, denoFlags?: string[]): Promise<Run> {
  const [exe, args] = fixtureArgs(runtime, mode, denoFlags);
  const child = spawn(exe, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  const run: Run = { code: null, signal: null, stdout: "", stderr: "" };
  const limit = setTimeout(() => child.kill("SIGKILL"), RUN_LIMIT_MS);
  child.stdout.on("data", (d: Buffer) => (run.stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (run.stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(limit);
      Object.assign(run, { code, signal });
      resolve(run);
    });
  });
}

function results(t: Tap, run: Run): Record<string, Record<string, unknown>> | null {
  const line = run.stdout.split("\n").find((l) => l.startsWith('{"runtime":'));
  if (line === undefined) {
    t.fail(`no results (code ${run.code}, signal ${run.signal})\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
    return null;
  }
  return JSON.parse(line) as Record<string, Record<string, unknown>>;
}
type Tap = Test;

// A segment left by a creator that is gone (a process killed between creating and unlinking):
// the first process that creates a segment afterwards removes it.
const deadPid = await new Promise<number>((resolve) => {
  const child = spawn("true");
  child.on("close", () => resolve(child.pid!));
});
const stale = `/dev/shm/distributed-${deadPid}-${"ab".repeat(16)}`;
const before = listed();
writeFileSync(stale, new Uint8Array(8), { mode: 0o600 });

const fullRuns = new Map(RUNTIMES.map((r) => [r, runFixture(r, "full")]));

t.test("/dev/shm held no segment of this package before the runs", async (t) => {
  t.same(before, [], "none listed");
});

for (const runtime of RUNTIMES) {
  t.test(`${runtime} master with node, bun and deno worker processes`, async (t) => {
    const run = await fullRuns.get(runtime)!;
    t.equal(run.code, 0, `exit code 0; stderr:\n${run.stderr}`);
    const r = results(t, run);
    if (r === null) return;
    const scenario = (name: string, check: (t: Tap, v: Record<string, unknown>) => void): void => {
      t.test(name, async (t) => {
        const v = r[name];
        if (v !== undefined && v !== null && typeof v === "object" && "failed" in v) {
          return void t.fail(`${name} threw: ${String(v.failed)}`);
        }
        t.not(v, undefined, `${name} has a result`);
        check(t, v as Record<string, unknown>);
      });
    };
    t.same(
      (r["leak.before"] as unknown as string[]).filter((n) => n !== path.basename(stale)),
      [],
      "no segment listed before (but the stale one this test made)",
    );
    t.same(r.start, { pids: [2, 3, 4], runtimes: ["node", "bun", "deno"] }, "one worker process of each runtime");
    scenario("array.createInit", (t, v) => {
      t.same(v.pids, [1, 2, 3, 4], "the default participants: this process and every worker process on this host");
      t.equal(v.mapped, true, "a mapping, not a SharedArrayBuffer");
      t.equal(v.isSharedArrayBuffer, false);
      t.same(
        v.data,
        [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4],
        "SharedArray{Int,2}((3,4), init = S -> S[localindices(S)] = myid()): each participant's block",
      );
      t.same(
        v.onWorkers,
        [2, 3, 4].map((p, k) => [p, p, [3 * (k + 1), 3 * (k + 1) + 1, 3 * (k + 1) + 2], true, [1, 2, 3, 4]]),
        "indexpids, localindices, mapped and pids on each worker",
      );
      t.equal(v.masterIndexpids, 1);
      t.equal(v.sdataIsData, true, "sdata(S) is the typed array itself");
    });
    scenario("array.distributed", (t, v) => {
      t.same(
        v.a,
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
        "@distributed for i = 1:10 a[i] = i end: the workers' writes are in this process's array",
      );
      t.same(v.by, [2, 2, 2, 2, 3, 3, 3, 4, 4, 4], "written by the node, bun and deno workers, one block each");
    });
    scenario("array.sameMemory", (t, v) => {
      t.equal(v.masterSeesWorkerWrite, 42, "a write on the bun worker is seen here");
      t.equal(v.workerSeesMasterWrite, 99, "a later write here is seen by the array the worker kept");
      t.equal(v.returnedWriteSeen, 7, "a write through the returned array is seen in the original");
      t.equal(v.sameBuffer, true, "the returned array is on the very buffer of the original (mapped once per process)");
      t.equal(v.returnedIsNewObject, true);
      t.equal(v.ownData, 5, "an array made on the deno worker with { pids: [myid(), 1] } arrives with its contents");
      t.same(v.ownPids, [4, 1]);
      t.equal(v.ownMapped, true);
      t.same(v.workerOwnAfterMasterWrite, [5, 6], "and this process's write is seen there");
      t.equal(v.workerToWorker, 1004, "worker 2 handed the array to worker 4, whose write is seen here");
    });
    scenario("array.threadPools", (t, v) => {
      t.same(v, [10, 11, 12, 13, 24, 25, 26, 27], "this process's pool threads and a worker's pool threads write into the mapping");
    });
    scenario("atomic.processes", (t, v) => {
      t.equal(v.viaDistributed, 3000, "an Int32 Atomic incremented by distributed on the three workers: exact");
      t.equal(v.x, 80000, "20 000 adds from each of four processes at once: exact");
      t.equal(v.f, 2000, "Float64 adds (a compare-and-swap loop) from four processes at once: exact");
      t.equal(v.b, v.expectedB, "BigInt64 adds from four processes: exact");
      t.equal(v.cas, 6000, "a compare-and-swap loop from three processes: exact");
      t.same(v.pids, [1, 2, 3, 4]);
      t.equal(v.mapped, true);
      t.equal(v.waitError, "TypeError", "Atomics.wait on a mapping throws (it needs a SharedArrayBuffer), as documented");
    });
    scenario("leak.segments", (t, v) => {
      t.ok((v.count as number) >= 3, `this process holds its segments open (${v.count})`);
      t.same(v.modes, ["600"], "every segment has mode 0600");
      t.equal(v.namesOk, true, "names: distributed-<ospid>-<32 random hex digits>, unlinked");
      t.ok((v.ownedHere as number) >= 3, "most were created here");
      t.equal(v.workersHoldSome, true, "each worker holds the segments it mapped");
      t.equal(v.workersSeeDeleted, true, "unlinked for them too");
      t.same(v.listed, [], "and /dev/shm lists none, while they are in use");
    });
    scenario("refuse.notParticipant", (t, v) => {
      t.match(v.array, {
        isSharedMemoryError: true,
        code: "ERR_SHARED_MEMORY_NOT_PARTICIPANT",
        message:
          /^A SharedArray<Float64Array>\[4\] cannot be sent to worker 2: it is a separate process, not one of the participants \(1\), which are fixed when the value is made\. Make it after addprocs/,
      }, "an array made before the workers");
      t.equal(v.copy, 4, "a copy goes");
    });
    scenario("refuse.tooLarge", (t, v) => {
      t.match(v.err, { isSharedMemoryError: true, code: "ERR_SHARED_MEMORY_TOO_LARGE" });
      const m = /(\d+) bytes of shared memory do not fit in \/dev\/shm, which has (\d+) bytes free/.exec(
        (v.err as { message: string }).message,
      );
      t.ok(
        m !== null && Number(m[1]) === v.bytes && Number(m[2]) < Number(m[1]),
        `both numbers: ${(v.err as { message: string }).message}`,
      );
      t.same(v.initRan, [false, false, false], "init never reached a worker");
      t.same(v.listed, [], "nothing created");
    });
    scenario("refuse.denyFfiWorker", (t, v) => {
      t.same(v.defaultPids, [1, 2, 3, 4], "a Deno worker without FFI is left out of the default participants");
      for (const key of ["explicit", "send"]) {
        t.match(v[key], {
          isSharedMemoryError: true,
          code: "ERR_SHARED_MEMORY_PERMISSION",
          message: new RegExp(`worker ${String(v.pid)} \\(deno\\) cannot map memory shared with this process: .*--allow-ffi`),
        }, `${key}: names the worker and the flag`);
      }
      t.equal(v.copy, 6, "a copy goes");
    });
    scenario("leak.release", (t, v) => {
      t.equal(v.found, true, "the array's segment was held");
      t.equal(v.mappedBefore, true);
      t.equal(v.fdGone, true, "after collection its descriptor is closed");
      t.equal(v.unmapped, true, "and its memory unmapped");
      t.comment(`${runtime}: released ${v.ms} ms after the array was dropped`);
    });
    scenario("leak.rmprocs", (t, v) => {
      t.same(v.workers, [1]);
      t.same(v.listed, [], "nothing listed after rmprocs");
      for (const o of v.ospids as number[]) t.notOk(alive(o), `worker process ${o} is gone`);
    });
    t.test("every scenario was checked", async (t) => {
      t.equal(Object.keys(r).length, 15, "the number of results the fixture records");
    });
  });
}

t.test("a segment of a creator that is gone is swept by the next process that creates one", async (t) => {
  await Promise.all(fullRuns.values());
  t.notOk(existsSync(stale), `${path.basename(stale)} (creator ${deadPid}, gone) was removed`);
});

t.test("a Deno master without FFI permission: shares with threads only, and says which flag is missing", async (t) => {
  await Promise.all(fullRuns.values());
  const run = await runFixture("deno", "noffi", [
    "--allow-read",
    "--allow-write",
    "--allow-net",
    "--allow-env",
    "--allow-sys",
    "--allow-run",
  ]);
  t.equal(run.code, 0, run.stderr);
  const r = results(t, run);
  if (r === null) return;
  t.same(
    r["noffi.defaults"],
    { pids: [1], mapped: false, atomicPids: [1], atomicMapped: false, workers: [2, 3] },
    "the default participants: this process only",
  );
  const flag =
    /this one cannot map memory shared with it: Deno maps memory shared between processes through FFI, and the Deno process with OS pid \d+ has no FFI permission: run it with --allow-ffi \(or -A\)/;
  for (
    const [scenario, key] of [["noffi.explicitPids", "array"], ["noffi.explicitPids", "atomic"], ["noffi.send", "array"], [
      "noffi.send",
      "atomic",
    ]] as const
  ) {
    t.match(r[scenario]![key], { isSharedMemoryError: true, code: "ERR_SHARED_MEMORY_PERMISSION", message: flag }, `${scenario} ${key}`);
  }
  t.equal(r["noffi.send"]!.copy, 10);
});

for (const runtime of RUNTIMES) {
  t.test(`${runtime} master killed with SIGKILL while its workers map its memory: nothing is left in /dev/shm`, async (t) => {
    await Promise.all(fullRuns.values());
    const listedBefore = listed();
    const [exe, args] = fixtureArgs(runtime, "hang");
    const child = spawn(exe, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const hang = await new Promise<
      {
        master: number;
        ospids: number[];
        names: string[];
        workerHeld: number[];
        listed: string[];
        sum: number;
        atomic: number;
        pids: number[];
      }
    >((resolve, reject) => {
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        const line = out.split("\n").find((l) => l.startsWith('{"hang":'));
        if (line !== undefined && out.includes(`${line}\n`)) resolve((JSON.parse(line) as { hang: never }).hang);
      });
      child.once("close", () => reject(new Error(`the master ended early:\n${out}\n${err}`)));
    });
    t.same(hang.pids, [1, 2, 3, 4]);
    t.equal(hang.sum, 2500, "init ran on every participant (250 elements each of 1, 2, 3, 4)");
    t.equal(hang.atomic, 30, "the workers added to the Atomic");
    t.ok(hang.names.length >= 2, `the master holds its segments (${hang.names.length})`);
    t.ok(hang.workerHeld.every((n) => n >= 2), `every worker holds them mapped (${hang.workerHeld.join(", ")})`);
    t.same(hang.listed, [], "none is listed in /dev/shm while in use");
    t.same(listedBefore, [], "none listed before");
    for (const o of hang.ospids) t.ok(alive(o), `worker ${o} runs while the master does`);
    child.kill("SIGKILL");
    const waited = await waitUntil(() => hang.ospids.every((o) => !alive(o)), 10_000, "the workers to exit after the master was killed");
    t.comment(`${runtime}: workers gone ${waited} ms after the kill`);
    const left = listed();
    t.same(left.filter((n) => n.startsWith(`distributed-${hang.master}-`)), [], "no segment of the killed master is left");
    t.same(left, [], "nor any other of this package");
  });
}

t.test("/dev/shm holds no segment of this package after the runs", async (t) => {
  t.same(listed(), [], "none listed");
});
