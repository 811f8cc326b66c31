// What goes wrong with Slurm, on the real test cluster (scripts/test-hosts/slurm.sh): sbatch
// refusing a job, a job that never starts, the job cancelled in the middle of a pmap (with and
// without survivors), a task that dies, srun refusing the step, workers that never answer, a
// SIGKILLed master, and options that make no sense. Each ends in a clear error and leaves no
// job or process behind.
import t from "tap";
import { execFile, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { addprocs, pmap, ProcessExitedError, remotecallFetch, rmprocs, workers, WorkerStartError } from "../../src/mod.ts";
import { SlurmManager } from "../../managers/mod.ts";
import { peers } from "../../src/cluster/peers.ts";
import { alive, ROOT, waitUntil } from "../helpers/processes.ts";
import { slurmCluster } from "../helpers/slurm-cluster.ts";

const run = promisify(execFile);

const cluster = slurmCluster(t);
if (cluster !== undefined) {
  process.env.SLURM_CONF = cluster.slurmConf;
  // Submitted jobs write distributed-<id>.out in the working directory: a temporary one.
  const dir = mkdtempSync(path.join(os.tmpdir(), "distributed-slurm-failures-"));
  const home = process.cwd();
  process.chdir(dir);
  t.teardown(() => {
    process.chdir(home);
    rmSync(dir, { recursive: true, force: true });
  });
  const jobState = (id: string): string => {
    try {
      return /JobState=(\S+)/.exec(execFileSync("scontrol", ["show", "job", "-o", id], { encoding: "utf8" }))?.[1] ?? "?";
    } catch {
      return "GONE";
    }
  };
  const ended = (id: string): boolean => !["PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "SUSPENDED"].includes(jobState(id));
  const ospidOf = (pid: number): number => peers.get(pid)!.info!.ospid;
  /** Job ids of ours (named "distributed") that Slurm still lists. */
  const ourJobs = (): string[] =>
    execFileSync("squeue", ["-h", "-o", "%i %j"], { encoding: "utf8" })
      .split("\n")
      .filter((l) => / distributed$/.test(l))
      .map((l) => l.split(" ")[0]!);
  const rejection = async (p: Promise<unknown>): Promise<Error> => {
    try {
      await p;
    } catch (err) {
      return err as Error;
    }
    throw new Error("expected a rejection");
  };

  t.test("a bad partition: sbatch's own error, and no job", async (t) => {
    const before = ourJobs();
    const err = await rejection(addprocs(new SlurmManager({ partition: "nosuchpartition", ntasks: 1, time: "00:01:00" })));
    t.type(err, WorkerStartError);
    t.match(err.message, /^SlurmManager: sbatch refused the job: sbatch: error: invalid partition specified: nosuchpartition/);
    t.same(ourJobs(), before, "nothing was queued");
    t.same(workers(), [1]);
  });

  t.test("a job that never starts: cancelled after queueTimeout, with its state and reason", async (t) => {
    const started = Date.now();
    const manager = new SlurmManager({ ntasks: 1, time: "00:01:00", sbatchFlags: ["--begin=now+3600"], queueTimeout: 3 });
    const err = await rejection(addprocs(manager));
    t.type(err, WorkerStartError);
    const id = /job (\d+) did not start/.exec(err.message)?.[1];
    t.ok(id, err.message);
    t.match(
      err.message,
      `SlurmManager: job ${id} did not start within 3 s: still PENDING (reason: BeginTime); it was cancelled (option queueTimeout: 3 s)`,
    );
    t.ok(Date.now() - started < 30_000, "bounded by queueTimeout (3 s, and room for a loaded machine)");
    t.equal(jobState(id!), "CANCELLED", "the job was cancelled");
  });

  t.test("scancel in the middle of a pmap: the items are retried on the surviving workers", async (t) => {
    const local = await addprocs(2);
    const manager = new SlurmManager({ ntasks: 2, time: "00:05:00" });
    const remote = await addprocs(manager);
    t.teardown(() => rmprocs(workers()));
    const done: number[] = [];
    let finished = 0;
    const mapping = pmap(
      async (x: number) => {
        await new Promise((r) => setTimeout(r, 100));
        return [x, process.env.SLURM_JOB_ID ?? "local"] as const;
      },
      Array.from({ length: 40 }, (_, i) => i),
      { retryDelays: [0, 0, 0], batchSize: 1, progress: (p) => (finished = p.done) },
    );
    await waitUntil(() => peers.all().length === 4, 30_000, "four workers");
    // In the middle: once a round of items has finished on the four workers.
    await waitUntil(() => finished >= 8, 60_000, "8 items to finish");
    await run("scancel", [manager.jobId!]);
    const results = await mapping;
    done.push(...results.map((r) => r[0]));
    t.same(done, Array.from({ length: 40 }, (_, i) => i), "every item has its result, in order");
    await waitUntil(() => remote.every((p) => peers.get(p) === undefined), 60_000, "the cancelled job's workers to be gone");
    t.same(workers(), local, "the local workers survive");
    t.ok(results.some((r) => r[1] === manager.jobId), "some items ran in the job before it was cancelled");
    await waitUntil(() => ended(manager.jobId!), 60_000, "the job to end");
    t.equal(jobState(manager.jobId!), "CANCELLED");
  });

  t.test("scancel in the middle of a pmap with no survivors: a ProcessExitedError", async (t) => {
    const manager = new SlurmManager({ ntasks: 2, time: "00:05:00" });
    await addprocs(manager);
    t.teardown(() => rmprocs(workers()));
    let finished = 0;
    const mapping = pmap((x: number) => new Promise((r) => setTimeout(() => r(x), 200)), Array.from({ length: 20 }, (_, i) => i), {
      batchSize: 1,
      progress: (p) => (finished = p.done),
    });
    await waitUntil(() => finished >= 2, 60_000, "2 items to finish"); // in the middle of the pmap
    await run("scancel", [manager.jobId!]);
    const err = await rejection(mapping);
    t.type(err, ProcessExitedError, err.message);
    t.match(err.message, /^Worker \d+ (exited|is gone|has exited)|Worker \d+/, "names the worker");
    await waitUntil(() => workers().length === 1 && workers()[0] === 1, 60_000, "the workers to be gone");
  });

  t.test("a task that dies is a ProcessExitedError for its worker alone", async (t) => {
    const manager = new SlurmManager({ ntasks: 3, time: "00:05:00" });
    const pids = await addprocs(manager);
    t.teardown(() => rmprocs(workers()));
    const victim = pids[1]!;
    const pending = remotecallFetch(() => new Promise((r) => setTimeout(() => r("finished"), 30_000)), victim);
    await remotecallFetch(() => 1, victim);
    process.kill(ospidOf(victim), "SIGKILL");
    const err = await rejection(pending);
    t.type(err, ProcessExitedError);
    t.match(err.message, /Killed \(on dn\d, reported by srun\)|connection lost/, "says how it ended");
    t.same(workers(), [pids[0], pids[2]], "the other tasks are still workers");
    t.same(
      await Promise.all([pids[0]!, pids[2]!].map((p) => remotecallFetch(() => process.env.SLURM_PROCID, p))),
      ["0", "2"],
      "and still answer",
    );
    t.equal(jobState(manager.jobId!), "RUNNING", "the job goes on");
  });

  t.test("srun refusing the step: its own message, within the timeout", async (t) => {
    const { stderr } = await run("salloc", ["--no-shell", "-p", "debug", "-N1", "-n2"], { timeout: 60_000 });
    const id = /Granted job allocation (\d+)/.exec(stderr)![1]!;
    t.teardown(() => run("scancel", [id]).then(() => undefined));
    const started = Date.now();
    const err = await rejection(
      addprocs(new SlurmManager({ jobId: id, ntasks: 2, srunFlags: ["--nodelist=nosuchnode"] }), { timeout: 20 }),
    );
    t.type(err, WorkerStartError);
    t.match(
      err.message,
      /srun step ended \(srun exit code 1\): srun: error: Unable to create step for job \d+: Requested node configuration is not available/,
      "srun's own words",
    );
    t.ok(Date.now() - started < 20_000, "well within the timeout");
    t.same(workers(), [1]);
  });

  t.test("workers that never answer: the timeout ends the start-up and the step", async (t) => {
    const started = Date.now();
    const manager = new SlurmManager({ ntasks: 2, time: "00:05:00" });
    // A "runtime" that starts and never prints an address line, nor obeys a stop line.
    const err = await rejection(
      addprocs(manager, { runtime: "bun", exename: "/bin/sh", exeflags: ["-c", "exec /usr/bin/tail -f /dev/null", "sh"], timeout: 3 }),
    );
    t.type(err, WorkerStartError);
    t.match(err.message, /not connected within the timeout of 3 s/);
    t.ok(Date.now() - started < 20_000, "bounded");
    await waitUntil(() => ended(manager.jobId!), 60_000, "the job to end");
    const tails = execFileSync("ps", ["-eo", "args="], { encoding: "utf8" }).split("\n").filter((l) =>
      l.startsWith("/usr/bin/tail -f /dev/null")
    );
    t.same(tails, [], "no task left running");
  });

  // The job's script ends the job once the workers' step is gone; with `late`, the script starts
  // looking only after the master and its workers are gone (a slow prologue, a busy slurmctld),
  // and the master's mark in the job's comment tells it the workers came and went.
  for (const late of [false, true]) {
    t.test(`a SIGKILLed master leaves no task and no job${late ? " (the job's script looks only after the workers are gone)" : ""}`, async (t) => {
      const release = path.join(dir, `release-prologue-${process.pid}`);
      const master = spawn(process.execPath, [
        path.join(ROOT, "dist", "test", "fixtures", "slurm-master.js"),
        "hold",
        ...(late ? [release] : []),
      ], { stdio: ["ignore", "pipe", "inherit"] });
      let out = "";
      master.stdout.setEncoding("utf8").on("data", (c: string) => (out += c));
      const exited = new Promise<void>((r) => master.once("exit", () => r()));
      await Promise.race([new Promise<void>((r) => master.stdout.on("data", () => out.includes("\n") && r())), exited]);
      const line = /READY (.*)/.exec(out);
      if (line === null) throw new Error(`the master ended without READY; its output: ${out}`);
      const ready = JSON.parse(line[1]!) as { jobId: string; ospids: number[] };
      // Whatever happens below, give the allocation back (the leak check would find its script).
      t.teardown(() => (ended(ready.jobId) ? undefined : run("scancel", [ready.jobId]).then(() => undefined)));
      t.equal(ready.ospids.length, 4);
      t.ok(ready.ospids.every(alive), "its workers run");
      const killed = Date.now();
      master.kill("SIGKILL");
      await exited;
      // Generous bounds: on a loaded machine every srun, squeue and process start is slow.
      const gone = await waitUntil(() => ready.ospids.every((o) => !alive(o)), 60_000, "the workers to exit");
      t.pass(`the workers exited ${gone} ms after the master was killed`);
      if (late) {
        // The script starts looking once the workers' step has left Slurm's list too.
        const workerSteps = (): string[] =>
          execFileSync("squeue", ["-h", "--steps", "-j", ready.jobId, "-o", "%i"], { encoding: "utf8" }).split("\n").filter((s) =>
            /\.\d+$/.test(s.trim())
          );
        await waitUntil(() => workerSteps().length === 0, 60_000, "the workers' step to leave squeue");
        writeFileSync(release, "");
      }
      const jobGone = await waitUntil(() => ended(ready.jobId), 60_000, `job ${ready.jobId} to end (attachTimeout is 240 s)`);
      t.pass(
        `the job ended ${Date.now() - killed} ms after the master was killed (${jobGone} ms after the workers${
          late ? " and the script's first look" : ""
        })`,
      );
      t.equal(jobState(ready.jobId), "COMPLETED", "the job's script ended it");
      t.notOk(ourJobs().includes(ready.jobId), "the job is gone from the queue");
      const log = readFileSync(path.join(dir, `distributed-${ready.jobId}.out`), "utf8");
      t.match(log, "distributed: the workers have ended", "because its workers have ended");
      if (late) {
        t.match(
          execFileSync("scontrol", ["show", "job", "-o", ready.jobId], { encoding: "utf8" }),
          "Comment=distributed:workers-started",
          "the master marked the job once its workers ran",
        );
      }
    });
  }

  t.test("options that make no sense are refused at once", async (t) => {
    t.throws(() => new SlurmManager({ ntasks: 0 }), new TypeError("SlurmManager: option ntasks must be a positive integer, got 0"));
    t.throws(
      () => new SlurmManager({ nodes: "two" }),
      new TypeError('SlurmManager: option nodes must be a positive integer or a range like "2-4", got "two"'),
    );
    t.throws(
      () => new SlurmManager({ jobId: "abc" }),
      new TypeError('SlurmManager: option jobId must be a Slurm job id (digits), got "abc"'),
    );
    t.throws(
      () => new SlurmManager({ queueTimeout: -1 }),
      new RangeError("SlurmManager: option queueTimeout must be a positive number of seconds, got -1"),
    );
    t.throws(
      () => new SlurmManager({ srunFlags: ["oops"] }),
      new TypeError('SlurmManager: option srunFlags must be an array of srun options, e.g. ["--cpu-bind=cores"]'),
    );
    t.throws(
      () => new SlurmManager({ time: "1:00\n#SBATCH --x" }),
      new TypeError('SlurmManager: option time must be a non-empty single line, got "1:00\\n#SBATCH --x"'),
    );
    const saved = process.env.SLURM_JOB_ID;
    process.env.SLURM_JOB_ID = "424242";
    try {
      const err = await rejection(addprocs(new SlurmManager({ time: "00:10:00", partition: "debug" })));
      t.equal(
        err.message,
        "SlurmManager: running inside Slurm job 424242, whose allocation is used as it is; time, partition only apply to a job being submitted. Drop them, or pass submit: true to submit a new job from here.",
      );
    } finally {
      if (saved === undefined) delete process.env.SLURM_JOB_ID;
      else process.env.SLURM_JOB_ID = saved;
    }
    const err = await rejection(addprocs(new SlurmManager({ template: "/nonexistent/job.sbatch" })));
    t.match(err.message, /^SlurmManager: cannot read the job-script template \/nonexistent\/job\.sbatch: ENOENT/);
  });
}
