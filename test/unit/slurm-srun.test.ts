import t from "tap";
import { srunArgv, type SrunOptions, tasksOfAllocation } from "../../managers/slurm/srun.ts";

const COMMAND = { file: "/usr/bin/bun", args: ["/opt/d/main.js", "--worker"] };
const OURS = ["--input=all", "--label", "--kill-on-bad-exit=0", "--job-name=distributed-workers"];

t.test("srunArgv: the module's example", (t) => {
  t.same(srunArgv({ jobId: "42", ntasks: 8, srunFlags: [], command: COMMAND }), [
    "srun",
    "--jobid=42",
    "--ntasks=8",
    "--input=all",
    "--label",
    "--kill-on-bad-exit=0",
    "--job-name=distributed-workers",
    "/usr/bin/bun",
    "/opt/d/main.js",
    "--worker",
  ]);
  t.end();
});

t.test("srunArgv: every option, in order", (t) => {
  const options: SrunOptions = {
    jobId: "7",
    ntasks: 6,
    nodes: 2,
    ntasksPerNode: 3,
    cpusPerTask: 4,
    chdir: "/scratch/run",
    srunFlags: ["--mpi=none", "--exclusive"],
    command: { file: "/usr/bin/node", args: ["--expose-gc", "/opt/d/worker.js"] },
  };
  t.same(srunArgv(options), [
    "srun",
    "--jobid=7",
    "--ntasks=6",
    "--nodes=2",
    "--ntasks-per-node=3",
    "--cpus-per-task=4",
    "--chdir=/scratch/run",
    ...OURS,
    "--mpi=none",
    "--exclusive",
    "/usr/bin/node",
    "--expose-gc",
    "/opt/d/worker.js",
  ]);
  t.end();
});

t.test("srunArgv: each optional flag present only when given", (t) => {
  const base = { jobId: "1", ntasks: 2, srunFlags: [], command: { file: "w", args: [] } };
  const cases: [Partial<SrunOptions>, string][] = [
    [{ nodes: 3 }, "--nodes=3"],
    [{ nodes: "2-4" }, "--nodes=2-4"],
    [{ ntasksPerNode: 1 }, "--ntasks-per-node=1"],
    [{ cpusPerTask: 8 }, "--cpus-per-task=8"],
    [{ chdir: "/home/u/my runs" }, "--chdir=/home/u/my runs"],
  ];
  for (const [extra, flag] of cases) {
    t.same(srunArgv({ ...base, ...extra }), ["srun", "--jobid=1", "--ntasks=2", flag, ...OURS, "w"], flag);
  }
  const none = srunArgv({ ...base, nodes: undefined, ntasksPerNode: undefined, cpusPerTask: undefined, chdir: undefined });
  t.same(none, ["srun", "--jobid=1", "--ntasks=2", ...OURS, "w"], "undefined is absent");
  for (const prefix of ["--nodes", "--ntasks-per-node", "--cpus-per-task", "--chdir"]) {
    t.notOk(none.some((a) => a.startsWith(`${prefix}=`)), `no ${prefix}`);
  }
  t.end();
});

t.test("srunArgv: the flags that make the protocol work are always there", (t) => {
  const argv = srunArgv({ jobId: "9", ntasks: 1, srunFlags: [], command: { file: "x", args: [] } });
  for (const flag of OURS) t.equal(argv.filter((a) => a === flag).length, 1, `${flag} once`);
  t.equal(argv[0], "srun", "srun first");
  t.equal(argv.at(-1), "x", "the command last");
  t.end();
});

t.test("srunArgv: the user's srun flags after ours (so they win) and before the command", (t) => {
  const argv = srunArgv({
    jobId: "5",
    ntasks: 4,
    srunFlags: ["--kill-on-bad-exit=1", "--label", "-v"],
    command: { file: "/bin/w", args: ["a"] },
  });
  t.same(argv, ["srun", "--jobid=5", "--ntasks=4", ...OURS, "--kill-on-bad-exit=1", "--label", "-v", "/bin/w", "a"]);
  t.ok(argv.lastIndexOf("--kill-on-bad-exit=1") > argv.indexOf("--kill-on-bad-exit=0"), "after ours");
  t.ok(argv.indexOf("-v") < argv.indexOf("/bin/w"), "before the command");
  t.end();
});

t.test("srunArgv: every value one argv element, unquoted and unsplit", (t) => {
  const argv = srunArgv({
    jobId: "12",
    ntasks: 2,
    chdir: "/a b/'c'",
    srunFlags: ["--comment=two words"],
    command: { file: "/opt/my app/bin/node", args: ["a b", "", "$HOME", '--x="y"'] },
  });
  t.same(argv, [
    "srun",
    "--jobid=12",
    "--ntasks=2",
    "--chdir=/a b/'c'",
    ...OURS,
    "--comment=two words",
    "/opt/my app/bin/node",
    "a b",
    "",
    "$HOME",
    '--x="y"',
  ]);
  t.end();
});

t.test("srunArgv: no secret anywhere (the cookie goes down stdin, and srunArgv takes none)", (t) => {
  const options = { jobId: "3", ntasks: 2, srunFlags: [], command: { file: "/usr/bin/bun", args: ["/opt/d/main.js", "--worker"] } };
  const argv = srunArgv(options);
  t.same(argv, ["srun", "--jobid=3", "--ntasks=2", ...OURS, "/usr/bin/bun", "/opt/d/main.js", "--worker"], "exactly these words");
  t.same(Object.keys(options).sort(), ["command", "jobId", "ntasks", "srunFlags"], "and options carry no cookie");
  t.notOk(argv.some((a) => /cookie/i.test(a)), "no cookie flag");
  t.end();
});

t.test("srunArgv: does not change its input", (t) => {
  const flags = ["--a"];
  const args = ["x"];
  const options: SrunOptions = { jobId: "1", ntasks: 1, srunFlags: flags, command: { file: "f", args } };
  const first = srunArgv(options);
  const second = srunArgv(options);
  t.same(first, second, "same result twice");
  t.not(first, second, "a new array each time");
  t.same(flags, ["--a"]);
  t.same(args, ["x"]);
  t.end();
});

t.test("tasksOfAllocation: SLURM_NTASKS, else SLURM_NPROCS", (t) => {
  t.equal(tasksOfAllocation({ SLURM_NTASKS: "8" }), 8);
  t.equal(tasksOfAllocation({ SLURM_NPROCS: "6" }), 6, "the older name");
  t.equal(tasksOfAllocation({ SLURM_NTASKS: "4", SLURM_NPROCS: "6" }), 4, "SLURM_NTASKS first");
  t.equal(tasksOfAllocation({ SLURM_NTASKS: "1" }), 1);
  t.equal(tasksOfAllocation({ SLURM_NTASKS: "4", SLURM_JOB_NUM_NODES: "2", SLURM_NTASKS_PER_NODE: "3" }), 4, "over nodes × tasks per node");
  // What the batch script of `sbatch -p single -n 2` saw on the test cluster.
  t.equal(
    tasksOfAllocation({
      SLURM_JOB_ID: "37",
      SLURM_JOB_NODELIST: "dn0",
      SLURM_JOB_NUM_NODES: "1",
      SLURM_NNODES: "1",
      SLURM_NPROCS: "2",
      SLURM_NTASKS: "2",
      SLURM_PROCID: "0",
      SLURM_TASKS_PER_NODE: "2",
    }),
    2,
  );
  t.end();
});

t.test("tasksOfAllocation: nodes × SLURM_NTASKS_PER_NODE without a task count", (t) => {
  t.equal(tasksOfAllocation({ SLURM_JOB_NUM_NODES: "2" }), 2, "one task per node");
  t.equal(tasksOfAllocation({ SLURM_JOB_NUM_NODES: "2", SLURM_NTASKS_PER_NODE: "4" }), 8);
  t.equal(tasksOfAllocation({ SLURM_NNODES: "3", SLURM_NTASKS_PER_NODE: "2" }), 6, "SLURM_NNODES, the older name");
  t.equal(tasksOfAllocation({ SLURM_JOB_NUM_NODES: "2", SLURM_NNODES: "5" }), 2, "SLURM_JOB_NUM_NODES first");
  t.equal(tasksOfAllocation({ SLURM_NTASKS: "0", SLURM_JOB_NUM_NODES: "2" }), 2, "a zero task count is no count");
  t.equal(tasksOfAllocation({ SLURM_NTASKS: "", SLURM_JOB_NUM_NODES: "3" }), 3, "an empty one neither");
  t.equal(tasksOfAllocation({ SLURM_NTASKS: "x", SLURM_JOB_NUM_NODES: "3" }), 3, "nor one that is not a number");
  t.end();
});

t.test("tasksOfAllocation: undefined when it cannot tell", (t) => {
  t.equal(tasksOfAllocation({}), undefined, "nothing");
  t.equal(tasksOfAllocation({ SLURM_JOB_ID: "5" }), undefined, "only a job id");
  t.equal(tasksOfAllocation({ SLURM_NTASKS_PER_NODE: "4" }), undefined, "tasks per node without nodes");
  t.equal(tasksOfAllocation({ SLURM_JOB_NUM_NODES: "0" }), undefined, "zero nodes");
  t.equal(tasksOfAllocation({ SLURM_JOB_NUM_NODES: "1.5" }), undefined);
  t.equal(tasksOfAllocation({ SLURM_JOB_NUM_NODES: "2", SLURM_NTASKS_PER_NODE: "0" }), undefined, "zero per node");
  t.equal(tasksOfAllocation({ SLURM_JOB_NUM_NODES: "2", SLURM_NTASKS_PER_NODE: "2(x2)" }), undefined, "a per-node count it cannot read");
  t.equal(tasksOfAllocation({ SLURM_NTASKS: "-3" }), undefined, "a negative count");
  t.equal(tasksOfAllocation({ SLURM_NTASKS: "2.5" }), undefined);
  t.equal(tasksOfAllocation({ SLURM_NTASKS: undefined, SLURM_NPROCS: undefined }), undefined, "undefined values");
  t.end();
});
