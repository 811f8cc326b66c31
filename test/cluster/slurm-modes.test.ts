// The ways a script meets Slurm, on the real test cluster (scripts/test-hosts/slurm.sh):
// a master inside an sbatch job or an salloc session adding the allocation's tasks (mode 1),
// a master attaching to an existing allocation by job id, SPMD start-up with init() under srun
// (mode 3) for each runtime, SPMD's cookie from the environment or from ~/.distributed/cookie,
// and the examples in slurm/examples and examples/slurm, run as a user would run them.
import t from "tap";
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { ROOT, runtimeArgs, runtimeExe } from "../helpers/processes.ts";
import { slurmCluster } from "../helpers/slurm-cluster.ts";

const run = promisify(execFile);

interface Result {
  jobId?: string;
  master: string;
  rank?: number;
  size?: number;
  myid?: number;
  tasks: Array<{ pid: number; host: string; procid: string; job: string }>;
  squares: number[];
  interrupt?: { error: string; count: number; after: string };
}

const cluster = slurmCluster(t);
if (cluster !== undefined) {
  process.env.SLURM_CONF = cluster.slurmConf;
  const dir = mkdtempSync(path.join(os.tmpdir(), "distributed-slurm-modes-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const fixture = path.join(ROOT, "dist", "test", "fixtures", "slurm-master.js");
  const fixtureSource = path.join(ROOT, "test", "fixtures", "slurm-master.ts");
  /** The command that runs the fixture under a runtime (Bun and Deno run the source, as users do). */
  const fixtureCommand = (
    runtime: string,
    ...args: string[]
  ): string[] => [runtimeExe(runtime), ...runtimeArgs(runtime, runtime === "node" ? fixture : fixtureSource, args)];
  const squares = [1, 4, 9, 16, 25, 36, 49, 64];
  const parseResult = (text: string): Result => {
    const line = text.split("\n").find((l) => l.startsWith("RESULT "));
    if (line === undefined) throw new Error(`no RESULT line in:\n${text}`);
    return JSON.parse(line.slice(7)) as Result;
  };
  const jobState = (id: string): string =>
    /JobState=(\S+)/.exec(execFileSync("scontrol", ["show", "job", "-o", id], { encoding: "utf8" }))?.[1] ?? "?";
  /** Submits a batch job and resolves with its id once it has ended. */
  const sbatchAndWait = async (args: string[], ms = 90_000): Promise<string> => {
    const { stdout } = await run("sbatch", ["--parsable", ...args], { cwd: ROOT });
    const id = stdout.trim().split(";")[0]!;
    const until = Date.now() + ms;
    while (["PENDING", "RUNNING", "CONFIGURING", "COMPLETING"].includes(jobState(id))) {
      if (Date.now() > until) {
        await run("scancel", [id]);
        throw new Error(`job ${id} did not end within ${ms} ms`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    return id;
  };
  const read = (file: string): string => {
    try {
      return readFileSync(file, "utf8");
    } catch (err) {
      return `(cannot read ${file}: ${(err as Error).message})`;
    }
  };

  for (const runtime of ["node", "bun", "deno"]) {
    t.test(`mode 1 under ${runtime}: a master inside an sbatch job adds the job's tasks`, async (t) => {
      const out = path.join(dir, `inside-${runtime}-%j.out`);
      const id = await sbatchAndWait([
        "-p",
        "debug",
        "-N3",
        "--ntasks-per-node=2",
        `--output=${out}`,
        "--wrap",
        fixtureCommand(runtime, "inside").join(" "),
      ]);
      const text = read(out.replace("%j", id));
      t.equal(jobState(id), "COMPLETED", `the job completed; its output:\n${text}`);
      const r = parseResult(text);
      t.equal(r.jobId, id, "the manager used the job it runs in");
      t.equal(r.master, "dn1", "the master ran on the job's first node");
      t.same(r.tasks.map((x) => x.procid), ["0", "1", "2", "3", "4", "5"], "one worker per task, in task order");
      t.ok(r.tasks.every((x) => x.job === id), "SLURM_JOB_ID in every worker");
      t.same([...new Set(r.tasks.map((x) => x.host))].sort(), ["dn1", "dn2", "dn3"], "workers on the three nodes");
      t.same(r.squares, squares);
    });

    t.test(`mode 3 under ${runtime}: srun starts the script on every task, init() makes task 0 the master`, async (t) => {
      const [exe, ...args] = fixtureCommand(runtime, "spmd");
      const { stdout, stderr } = await run("srun", ["-p", "debug", "-N3", "--ntasks-per-node=2", exe!, ...args], {
        env: { ...process.env, DISTRIBUTED_COOKIE: `test-cookie-${runtime}-${process.pid}` },
        timeout: 90_000,
      });
      const r = parseResult(stdout);
      t.equal(r.rank, 0);
      t.equal(r.size, 6);
      t.equal(r.myid, 1, "task 0 is pid 1, the master");
      t.equal(stdout.split("\n").filter((l) => l.startsWith("RESULT ")).length, 1, `only the master goes past init() (stderr: ${stderr})`);
      t.same(r.tasks.map((x) => x.procid), ["1", "2", "3", "4", "5"], "tasks 1..5 are the workers, in rank order");
      t.same(r.tasks.map((x) => x.pid), [2, 3, 4, 5, 6], "rank r is pid r + 1");
      t.equal(r.master, "dn1");
      t.same([...new Set(r.tasks.map((x) => x.host))].sort(), ["dn1", "dn2", "dn3"], "workers on the three nodes");
      t.same(r.squares, squares);
      t.same(
        r.interrupt,
        { error: "InterruptError", count: 1, after: "still serving" },
        "interrupt reaches a task over its connection: its SIGINT listener runs, its call fails, it survives",
      );
    });
  }

  t.test("mode 1 under salloc: the master runs here, the workers in the allocation", async (t) => {
    const { stdout, stderr } = await run("salloc", ["-p", "debug", "-N2", "-n4", ...fixtureCommand("node", "inside")], { timeout: 90_000 });
    const r = parseResult(stdout);
    t.equal(r.master, os.hostname(), "salloc runs the master on this machine");
    t.same(r.tasks.map((x) => x.procid), ["0", "1", "2", "3"]);
    t.equal(new Set(r.tasks.map((x) => x.host)).size, 2, "two nodes");
    t.match(stderr, `Granted job allocation ${r.jobId}`, "the allocation salloc granted");
    t.same(r.squares, squares);
  });

  t.test("jobId: a master attaches to an existing allocation (salloc --no-shell)", async (t) => {
    const { stderr } = await run("salloc", ["--no-shell", "-p", "debug", "-N2", "-n3"], { timeout: 60_000 });
    const id = /Granted job allocation (\d+)/.exec(stderr)?.[1];
    t.ok(id, `salloc granted an allocation (${stderr.trim()})`);
    t.teardown(() => run("scancel", [id!]).then(() => undefined));
    const [exe, ...args] = fixtureCommand("node", "attach", id!);
    const { stdout } = await run(exe!, args, { timeout: 90_000 });
    const r = parseResult(stdout);
    t.equal(r.jobId, id);
    t.same(r.tasks.map((x) => x.procid), ["0", "1", "2"], "the allocation's three tasks");
    t.ok(r.tasks.every((x) => x.job === id));
    t.equal(jobState(id!), "RUNNING", "an allocation we did not submit is left running");
  });

  t.test("SPMD without DISTRIBUTED_COOKIE: every task reads the same ~/.distributed/cookie (mode 0600)", async (t) => {
    const home = mkdtempSync(path.join(dir, "home-"));
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: home };
    delete env.DISTRIBUTED_COOKIE;
    const { stdout } = await run("srun", ["-p", "debug", "-N2", "-n4", ...fixtureCommand("node", "spmd")], { env, timeout: 90_000 });
    t.equal(parseResult(stdout).tasks.length, 3, "three workers");
    const file = path.join(home, ".distributed", "cookie");
    t.equal(statSync(file).mode & 0o777, 0o600, "the cookie file is private");
    t.match(readFileSync(file, "utf8"), /^[0-9a-f]{32}\n$/, "a fresh random cookie");
  });

  t.test("SPMD: a task with another cookie is named, and the launch fails", async (t) => {
    const [exe, ...args] = fixtureCommand("node", "spmd");
    const script = `if [ "$SLURM_PROCID" = 2 ]; then DISTRIBUTED_COOKIE=other-cookie-2; fi; export DISTRIBUTED_COOKIE; exec "$@"`;
    const err = await run("srun", ["-p", "debug", "-N2", "-n3", "sh", "-c", script, "sh", exe!, ...args], {
      env: { ...process.env, DISTRIBUTED_COOKIE: "the-cookie-of-all", DISTRIBUTED_WORKER_TIMEOUT: "5" },
      timeout: 60_000,
    }).then(
      () => undefined,
      (e: { stderr: string; code: number }) => e,
    );
    t.ok(err, "srun failed");
    t.match(err?.stderr ?? "", /init: 1 of 2 tasks did not register within 5 s \(tasks 2\): task 2 \(\S+\) holds a different cookie/);
    t.match(err?.stderr ?? "", "init: task 0 refused task 2: error different cookie");
  });

  t.test("SPMD with ports reserved by Slurm (srun --resv-ports)", async (t) => {
    t.equal(cluster.mpiResvPorts, true, "the test cluster reserves ports (MpiParams=ports)");
    const { stdout } = await run("srun", ["-p", "debug", "-N2", "-n3", "--resv-ports=1", ...fixtureCommand("node", "spmd")], {
      env: { ...process.env, DISTRIBUTED_COOKIE: "resv-ports-cookie" },
      timeout: 90_000,
    });
    t.equal(parseResult(stdout).tasks.length, 2);
  });

  t.test("slurm/examples/pi.sbatch: seed 000's pi inside a job, output in the job's file", async (t) => {
    const out = path.join(dir, "pi-%j.out");
    const id = await sbatchAndWait([`--output=${out}`, "slurm/examples/pi.sbatch", "1e8"]);
    const text = read(out.replace("%j", id));
    t.equal(jobState(id), "COMPLETED", text);
    t.match(text, `Slurm job ${id} (this job's allocation)`);
    t.match(text, /4 workers on dn1, dn2/);
    t.match(text, /pmap {4}pi = 3\.14159\d+ {2}error -?\d\.\d\de-\d+/);
  });

  t.test("slurm/examples/spmd.sbatch under bun: SPMD pi, output in the job's file", async (t) => {
    const out = path.join(dir, "spmd-%j.out");
    const { stdout } = await run("sbatch", ["--parsable", `--output=${out}`, "slurm/examples/spmd.sbatch", "1e8"], {
      cwd: ROOT,
      env: { ...process.env, DISTRIBUTED_RUNTIME: "bun" },
    });
    const id = stdout.trim();
    while (["PENDING", "RUNNING", "CONFIGURING", "COMPLETING"].includes(jobState(id))) await new Promise((r) => setTimeout(r, 250));
    const text = read(out.replace("%j", id));
    t.equal(jobState(id), "COMPLETED", text);
    t.match(text, "SPMD over 6 tasks (master on dn1, workers on dn1, dn2, dn3)");
    t.match(text, /pi = 3\.14159\d+ {2}error/);
  });

  t.test("examples/slurm/pi.ts from this machine: submits a job for its workers (mode 2), then cancels it", async (t) => {
    const { stdout } = await run(process.execPath, [
      path.join(ROOT, "dist", "examples", "slurm", "pi.js"),
      "1e8",
      "--nodes=3",
      "--tasks-per-node=1",
      "--partition=debug",
    ], { cwd: dir, timeout: 90_000 });
    const id = /Slurm job (\d+) \(submitted for the workers\)/.exec(stdout)?.[1];
    t.ok(id, stdout);
    t.match(stdout, "3 workers on dn1, dn2, dn3");
    t.match(stdout, /pmap {4}pi = 3\.14159/);
    const until = Date.now() + 60_000;
    while (["PENDING", "RUNNING", "CONFIGURING", "COMPLETING"].includes(jobState(id!)) && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 250));
    }
    t.match(jobState(id!), /^(CANCELLED|COMPLETED)$/, "the job ended with the script");
  });
}
