// Start-up failures: each is bounded, names the command, the host and the worker's stderr
// tail, and leaves no process behind.
import t from "tap";
import { addprocs, rmprocs, workers, WorkerStartError } from "../../src/mod.ts";
import { execFileSync } from "node:child_process";

t.test("an executable that does not exist", async (t) => {
  const err = await addprocs(1, { exename: "/nonexistent/bin/node", timeout: 10 }).catch((e: unknown) => e);
  t.type(err, WorkerStartError);
  t.match((err as WorkerStartError).command, /^\/nonexistent\/bin\/node /);
  t.equal((err as WorkerStartError).host, "localhost");
  t.match((err as Error).message, /could not be started.*ENOENT/s);
  t.same(workers(), [1], "no worker was added");
});

t.test("a worker that dies at start fails at once with its stderr", async (t) => {
  // A timeout far beyond any start-up, so that only the exit can end the call: its message
  // says which ended it, whatever the machine's load.
  const err = await addprocs(2, { exeflags: ["-e", "console.error('cannot start: no licence'); process.exit(3)"], timeout: 600 }).catch((
    e: unknown,
  ) => e);
  t.type(err, WorkerStartError);
  t.notMatch((err as Error).message, /within the timeout/, "not by the timeout");
  t.match((err as Error).message, /the process exited \(exit code 3\) before it was connected/);
  t.match((err as WorkerStartError).stderrTail, /cannot start: no licence/);
  t.match((err as Error).message, /1 more failure\(s\) in this addprocs; every worker it started was stopped/);
  t.same(workers(), [1]);
});

t.test("a worker that never prints its address is bounded by timeout and stopped", async (t) => {
  const started = Date.now();
  const err = await addprocs(1, { exeflags: ["-e", "console.log('pid', process.pid); setInterval(() => {}, 1000)"], timeout: 2 }).catch((
    e: unknown,
  ) => e);
  const took = Date.now() - started;
  t.type(err, WorkerStartError);
  t.match((err as Error).message, /not connected within the timeout of 2 s/);
  t.match((err as Error).message, /DISTRIBUTED_WORKER_TIMEOUT/);
  t.ok(took >= 1900, `took ${took} ms: not before the timeout`);
  t.same(workers(), [1]);
});

t.test("bad options are TypeError/RangeError naming the option", async (t) => {
  await t.rejects(addprocs(-1), RangeError);
  await t.rejects(addprocs(1.5), RangeError);
  await t.rejects(addprocs(1, { runtime: "python" as never }), {
    name: "TypeError",
    message: /runtime must be one of "node", "bun", "deno"/,
  });
  await t.rejects(addprocs(1, { exeflags: "--foo" as never }), { name: "TypeError", message: /exeflags/ });
  await t.rejects(addprocs(1, { timeout: -5 }), { name: "RangeError", message: /timeout/ });
  await t.rejects(addprocs(1, { env: { A: 1 } as never }), { name: "TypeError", message: /env/ });
  await t.rejects(addprocs("two" as never), TypeError);
  t.same(await addprocs(0), [], "zero workers is fine");
});

t.test("after failures, addprocs still works and pids are never reused", async (t) => {
  const pids = await addprocs(1);
  t.ok(pids[0]! > 2, `failed attempts consumed pids; got ${pids[0]}`);
  await rmprocs(pids);
  t.same(workers(), [1]);
});

t.test("no worker process is left by the failures above", async (t) => {
  const out = execFileSync("ps", ["-eo", "pid=,ppid=,stat=,args="], { encoding: "utf8" });
  const children = out
    .split("\n")
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => Number(f[1]) === process.pid && !f[2]!.startsWith("Z") && !f.includes("ps"));
  t.same(children, [], "this test process has no live children");
});
