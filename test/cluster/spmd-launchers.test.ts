// spmdInit() under the launchers, on one machine: `distributed spmd -n 4` and Open MPI's
// `mpirun -np 4` (installed by scripts/test-hosts/mpi.sh), each under node, bun and deno: seed
// 003's rank sum prints its expected output, and every rank gets a communicator. Then the
// failures: a rank SIGKILLed mid-run (the others reject naming it, the launcher exits non-zero,
// nothing is left), and the launcher itself SIGKILLed (every rank exits).
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import t from "tap";
import { alive, ROOT, runtimeExe, waitUntil } from "../helpers/processes.ts";

const RUNTIMES = ["node", "bun", "deno"] as const;
const CLI = path.join(ROOT, "dist", "bin", "distributed.js");
const MPI_ENV = { OMPI_ALLOW_RUN_AS_ROOT: "1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: "1", OMPI_MCA_rmaps_base_oversubscribe: "1" };
const hasMpirun = spawnSync("sh", ["-c", "command -v mpirun"]).status === 0;

/** The script as a user runs it under a runtime: node the build, bun and deno the source. */
function scriptFor(runtime: string, name: string, fixture: boolean): string {
  const dir = fixture ? ["test", "fixtures"] : ["examples", "seed003"];
  return runtime === "node" ? path.join(ROOT, "dist", ...dir, `${name}.js`) : path.join(ROOT, ...dir, `${name}.ts`);
}

function rankCommand(runtime: string, file: string, args: string[]): string[] {
  return runtime === "deno" ? [runtimeExe("deno"), "run", "-A", file, ...args] : [runtimeExe(runtime), file, ...args];
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  child: ReturnType<typeof spawn>;
  done: Promise<void>;
}

function start(cmd: string, args: string[], env: Record<string, string> = {}): Run {
  const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  const run = { code: null, stdout: "", stderr: "", child } as unknown as Run;
  child.stdout!.on("data", (d: Buffer) => (run.stdout += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (run.stderr += d.toString()));
  const limit = setTimeout(() => child.kill("SIGKILL"), 120_000);
  run.done = new Promise((resolve) =>
    child.on("close", (code) => {
      clearTimeout(limit);
      run.code = code;
      resolve();
    })
  );
  return run;
}

function cliRun(runtime: string, file: string, args: string[] = []): Run {
  return start(process.execPath, [CLI, "spmd", "-n", "4", "--runtime", runtime, file, ...args]);
}

function mpiRun(runtime: string, file: string, args: string[] = []): Run {
  return start("mpirun", ["-np", "4", ...rankCommand(runtime, file, args)], MPI_ENV);
}

const lines = (run: Run): Array<Record<string, unknown>> =>
  run.stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Record<string, unknown>);

const expected = readFileSync(path.join(ROOT, "examples", "seed003", "rank-sum.expected"), "utf8");
const launchers = [["distributed spmd", cliRun], ...(hasMpirun ? [["mpirun", mpiRun]] : [])] as Array<[string, typeof cliRun]>;

t.ok(hasMpirun, "mpirun is installed (scripts/test-hosts/mpi.sh)");

t.test("distributed spmd: a bad rank count is a usage error (exit 2) naming the flag", async (t) => {
  const run = start(process.execPath, [CLI, "spmd", "-n", "0", "x.js"]);
  await run.done;
  t.equal(run.code, 2);
  t.match(run.stderr, /-n must be a number of ranks \(an integer >= 1\), got 0/);
});

for (const [name, launch] of launchers) {
  for (const runtime of RUNTIMES) {
    t.test(`${name}, ${runtime}: seed 003's rank sum, and a communicator on every rank`, async (t) => {
      const sum = launch(runtime, scriptFor(runtime, "rank-sum", false));
      await sum.done;
      t.equal(sum.code, 0, sum.stderr);
      t.equal(sum.stdout, expected);
      const ranks = launch(runtime, scriptFor(runtime, "spmd-rank", true), ["ok"]);
      await ranks.done;
      t.equal(ranks.code, 0, ranks.stderr);
      const got = lines(ranks).sort((a, b) => (a.rank as number) - (b.rank as number));
      t.same(got.map((l) => [l.rank, l.size, l.runtime, l.sum]), [0, 1, 2, 3].map((r) => [r, 4, runtime, [6, 4]]));
    });
  }
}

for (const runtime of RUNTIMES) {
  t.test(`distributed spmd, ${runtime}: a rank SIGKILLed mid-run is named on every other rank, and nothing is left`, async (t) => {
    const run = cliRun(runtime, scriptFor(runtime, "spmd-rank", true), ["die"]);
    await run.done;
    t.not(run.code, 0, "the launcher fails");
    // the launcher stops the other ranks once one fails (as mpiexec does): those that reported first name rank 2
    t.match(run.stderr, /distributed spmd: rank 2 killed by SIGKILL/);
    const reports = lines(run).filter((l) => l.code !== undefined);
    for (const r of reports) {
      t.equal(r.code, "ERR_SPMD_RANK_EXITED");
      t.match(r.message, /rank 2 \(pid 3\)/);
      t.ok((r.ms as number) < 10_000, `rank ${r.rank} rejected in ${r.ms} ms`);
    }
    const ospids = lines(run).filter((l) => l.ospid !== undefined).map((l) => l.ospid as number);
    t.equal(ospids.length, 4);
    await waitUntil(() => ospids.every((p) => !alive(p)), 10_000, "every rank gone");
  });

  t.test(`distributed spmd, ${runtime}: a SIGKILLed launcher leaves no rank behind`, async (t) => {
    const run = cliRun(runtime, scriptFor(runtime, "spmd-rank", true), ["hang"]);
    await waitUntil(() => lines(run).length === 4, 60_000, "4 ranks up");
    const ospids = lines(run).map((l) => l.ospid as number);
    t.ok(ospids.every(alive));
    run.child.kill("SIGKILL");
    await run.done;
    const ms = await waitUntil(() => ospids.every((p) => !alive(p)), 10_000, "every rank gone");
    t.ok(ms < 10_000, `gone in ${ms} ms`);
  });
}

if (hasMpirun) {
  t.test("mpirun, node: a rank SIGKILLed mid-run is named on every other rank", async (t) => {
    const run = mpiRun("node", scriptFor("node", "spmd-rank", true), ["die"]);
    await run.done;
    t.not(run.code, 0);
    const reports = lines(run).filter((l) => l.code !== undefined);
    for (const r of reports) t.match(r.message, /rank 2 \(pid 3\)/);
    const ospids = lines(run).filter((l) => l.ospid !== undefined).map((l) => l.ospid as number);
    await waitUntil(() => ospids.every((p) => !alive(p)), 10_000, "every rank gone");
  });
}

if (hasMpirun) {
  // Open MPI cannot stop its ranks once mpirun itself is SIGKILLed: each rank notices that its
  // parent is gone. (Under Deno two ranks once stayed, busy: their stderr's reader was gone, and
  // reporting the failed write on stderr failed again, forever; writeStderr now drops it.)
  for (const runtime of RUNTIMES) {
    t.test(`mpirun, ${runtime}: a SIGKILLed mpirun leaves no rank behind`, async (t) => {
      const run = mpiRun(runtime, scriptFor(runtime, "spmd-rank", true), ["hang"]);
      await waitUntil(() => lines(run).length === 4, 60_000, "4 ranks up");
      const ospids = lines(run).map((l) => l.ospid as number);
      run.child.kill("SIGKILL");
      await run.done;
      const ms = await waitUntil(() => ospids.every((p) => !alive(p)), 10_000, "every rank gone");
      t.ok(ms < 10_000, `gone in ${ms} ms`);
    });
  }
}
