// SlurmManager against the real Slurm test cluster (scripts/test-hosts/slurm.sh), submitting
// from this machine as from a login node (mode 2). For each worker runtime: a job on the three
// namespaced nodes, one worker per task on distinct hosts, the SLURM variables visible to
// workers, output forwarded with the worker's pid, pmap across nodes, a channel between workers
// on different nodes, interrupt reaching one task (its SIGINT listeners run), and rmprocs ending
// the job.
import t from "tap";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  addprocs,
  Channel,
  gethostname,
  interrupt,
  myid,
  pmap,
  remotecallFetch,
  RemoteChannel,
  RemoteError,
  rmprocs,
  type RuntimeName,
  workers,
} from "../../src/mod.ts";
import { SlurmManager } from "../../managers/mod.ts";
import { peers } from "../../src/cluster/peers.ts";
import { checkInterrupt, listenForSigint, sigintCounts } from "../helpers/interrupt.ts";
import { alive, waitUntil } from "../helpers/processes.ts";
import { slurmCluster } from "../helpers/slurm-cluster.ts";

const cluster = slurmCluster(t);
if (cluster !== undefined) {
  process.env.SLURM_CONF = cluster.slurmConf;
  const dir = mkdtempSync(path.join(os.tmpdir(), "distributed-slurm-test-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const jobState = (id: string): string => {
    try {
      return /JobState=(\S+)/.exec(execFileSync("scontrol", ["show", "job", "-o", id], { encoding: "utf8" }))?.[1] ?? "GONE";
    } catch {
      return "GONE";
    }
  };
  const finished = (id: string): boolean => !["PENDING", "RUNNING", "CONFIGURING", "COMPLETING"].includes(jobState(id));
  const debugNodes = cluster.partitions.debug!;

  for (const runtime of ["node", "bun", "deno"] as RuntimeName[]) {
    t.test(`a submitted job's tasks as ${runtime} workers on three nodes`, async (t) => {
      const manager = new SlurmManager({ nodes: 3, ntasksPerNode: 2, time: "00:10:00", partition: "debug", jobName: `test-${runtime}` });
      const pids = await addprocs(manager, { runtime, dir, timeout: 60 });
      t.teardown(() => rmprocs(workers()));
      t.equal(pids.length, 6, "one worker per task");
      const jobId = manager.jobId!;
      t.match(jobId, /^\d+$/, "the manager knows its job");
      t.equal(jobState(jobId), "RUNNING");

      const seen = await Promise.all(
        pids.map((p) =>
          remotecallFetch(
            () => [myid(), gethostname(), process.env.SLURM_JOB_ID, process.env.SLURM_PROCID, process.env.SLURMD_NODENAME, process.cwd()],
            p,
          )
        ),
      );
      t.same(seen.map((s) => s[0]), pids, "each worker knows its pid");
      t.same(seen.map((s) => s[2]), pids.map(() => jobId), "SLURM_JOB_ID is the job's");
      t.same(seen.map((s) => s[3]), ["0", "1", "2", "3", "4", "5"], "pids follow SLURM_PROCID");
      t.same([...new Set(seen.map((s) => s[1]))].sort(), debugNodes, "workers on the three nodes");
      t.same(seen.map((s) => s[4]), seen.map((s) => s[1]), "SLURMD_NODENAME is the node the worker runs on");
      t.ok(seen.every((s) => s[5] === dir), "the workers run in the given directory");
      t.same(
        await remotecallFetch(
          () =>
            (globalThis as { Bun?: unknown }).Bun !== undefined
              ? "bun"
              : (globalThis as { Deno?: unknown }).Deno !== undefined
              ? "deno"
              : "node",
          pids[5]!,
        ),
        runtime,
      );

      const squares = await pmap((x: number) => [x * x, gethostname()] as const, Array.from({ length: 60 }, (_, i) => i), { batchSize: 1 });
      t.same(squares.map((s) => s[0]), Array.from({ length: 60 }, (_, i) => i * i), "pmap results in order");
      t.equal(new Set(squares.map((s) => s[1])).size, 3, "pmap used all three nodes");

      // Worker to worker across nodes: a channel on a worker on dn1, filled from dn3.
      const first = pids[0]!;
      const last = pids[5]!;
      const rc = new RemoteChannel<string>(() => new Channel(8), first);
      await remotecallFetch(
        async (ch: RemoteChannel<string>) => {
          for (let i = 0; i < 3; i++) await ch.put(`${gethostname()}:${i}`);
        },
        last,
        rc,
      );
      const drained = await remotecallFetch(
        async (ch: RemoteChannel<string>) => [gethostname(), await ch.take(), await ch.take(), await ch.take()],
        first,
        rc,
      );
      t.same(
        drained,
        [seen[0]![1], `${seen[5]![1]}:0`, `${seen[5]![1]}:1`, `${seen[5]![1]}:2`],
        "a channel between workers on different nodes",
      );

      // interrupt: a control line on srun's stdin, on which task 1 alone raises SIGINT on itself.
      await Promise.all([pids[0]!, pids[1]!].map(listenForSigint));
      await checkInterrupt(t, pids[1]!, runtime);
      t.same(await sigintCounts(pids[0]!), { process: 0, deno: runtime === "deno" ? 0 : null }, "another task saw no SIGINT");

      const ospids = pids.map((p) => peers.get(p)!.info!.ospid);
      await rmprocs(pids);
      t.same(workers(), [1]);
      await waitUntil(() => ospids.every((o) => !alive(o)), 60_000, "the tasks to exit");
      await waitUntil(() => finished(jobId), 60_000, `job ${jobId} to end`);
      t.pass("rmprocs ended every task and the job");
      const out = path.join(dir, `distributed-${jobId}.out`);
      t.ok(existsSync(out), "the job wrote its output file in the working directory");
      t.match(readFileSync(out, "utf8"), `job ${jobId} holds`, "the job's own output");
    });
  }

  t.test("worker output is forwarded with its pid; interrupt reaches exactly one task", async (t) => {
    const manager = new SlurmManager({ ntasks: 2, time: "00:10:00" });
    const pids = await addprocs(manager, { dir });
    t.teardown(() => rmprocs(workers()));
    const lines: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      lines.push(String(chunk));
      return (write as (c: unknown, ...r: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stdout.write;
    try {
      await remotecallFetch(() => console.log(`hello from task ${process.env.SLURM_PROCID}`), pids[1]!);
      await waitUntil(() => lines.some((l) => l.includes("hello from task 1")), 30_000, "the forwarded line");
    } finally {
      process.stdout.write = write;
    }
    t.ok(lines.some((l) => l.includes(`From worker ${pids[1]}:\thello from task 1`)), "labelled with the worker's pid");

    const slow = (): Promise<string> => new Promise((r) => setTimeout(() => r("finished"), 20_000));
    const a = remotecallFetch(slow, pids[0]!);
    const b = remotecallFetch(slow, pids[1]!);
    await Promise.all(pids.map((p) => remotecallFetch(() => 1, p)));
    const started = Date.now();
    interrupt(pids[1]!);
    const err = await b.catch((e: unknown) => e);
    t.type(err, RemoteError);
    t.equal((err as RemoteError).remote.name, "InterruptError", "the interrupted task's call fails with InterruptError");
    t.ok(Date.now() - started < 10_000, "promptly");
    interrupt(pids[0]!);
    t.equal(((await a.catch((e: unknown) => e)) as RemoteError).remote.name, "InterruptError");
    t.equal(await remotecallFetch(() => "still serving", pids[1]!), "still serving");
  });
}
