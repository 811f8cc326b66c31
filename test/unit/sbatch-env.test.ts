// Slurm's SBATCH_* variables as the environment level of the job settings (pure): sbatch runs
// without the variables our #SBATCH lines outrank, and our own defaults yield to the variables.
import t from "tap";
import { SBATCH_VARIABLES, sbatchEnv, withJobDefaults } from "../../managers/slurm/sbatch-env.ts";
import { sbatchLines } from "../../managers/slurm/script.ts";

const ENV = {
  PATH: "/bin",
  SLURM_CONF: "/etc/slurm.conf",
  SBATCH_PARTITION: "long",
  SBATCH_TIMELIMIT: "01:00:00",
  SBATCH_ACCOUNT: "proj",
  SBATCH_QOS: "low",
  SBATCH_MEM_PER_NODE: "8G",
  SBATCH_MEM_PER_CPU: "1G",
  SBATCH_CONSTRAINT: "avx2",
  SBATCH_GRES: "gpu:1",
  SBATCH_EXCLUSIVE: "1",
  SBATCH_JOB_NAME: "theirs",
  SBATCH_OUTPUT: "theirs-%j.out",
  SBATCH_RESERVATION: "training",
};

t.test("sbatchEnv: each key the request sets drops its variable; the rest stay", async (t) => {
  t.same(sbatchEnv({}, ENV), ENV, "an empty request keeps every variable");
  const keys = Object.keys(SBATCH_VARIABLES) as Array<keyof typeof SBATCH_VARIABLES>;
  t.same(keys, ["partition", "time", "account", "qos", "mem", "memPerCpu", "constraint", "gres", "exclusive", "jobName", "output"]);
  for (const key of keys) {
    const value = key === "exclusive" ? false : "x";
    const env = sbatchEnv({ [key]: value }, ENV);
    const variable = SBATCH_VARIABLES[key]!;
    t.notOk(variable in env, `${key} set: ${variable} dropped`);
    t.same(Object.keys(env).sort(), Object.keys(ENV).filter((n) => n !== variable).sort(), `${key} set: only ${variable} dropped`);
  }
  t.same(sbatchEnv({ nodes: 2, ntasks: 4, ntasksPerNode: 2, cpusPerTask: 1 }, ENV), ENV, "keys sbatch has no variable for drop nothing");
  t.notOk("SBATCH_EXCLUSIVE" in sbatchEnv({ exclusive: false }, ENV), "exclusive: false given still outranks SBATCH_EXCLUSIVE");
});

t.test("sbatchEnv: options in sbatchFlags outrank their variables too, long or short", async (t) => {
  const dropped = (flags: string[]): string[] => Object.keys(ENV).filter((n) => !(n in sbatchEnv({ sbatchFlags: flags }, ENV)));
  t.same(dropped(["--partition=debug"]), ["SBATCH_PARTITION"]);
  t.same(dropped(["-p", "debug"]), ["SBATCH_PARTITION"]);
  t.same(dropped(["-pdebug", "-t", "5", "-A", "a", "-q", "q", "-C", "c", "-J", "j", "-o", "o"]), [
    "SBATCH_PARTITION",
    "SBATCH_TIMELIMIT",
    "SBATCH_ACCOUNT",
    "SBATCH_QOS",
    "SBATCH_CONSTRAINT",
    "SBATCH_JOB_NAME",
    "SBATCH_OUTPUT",
  ]);
  t.same(dropped(["--mem=4G", "--mem-per-cpu=1G", "--gres=gpu:2", "--exclusive", "--time=5", "--qos=q"]), [
    "SBATCH_TIMELIMIT",
    "SBATCH_QOS",
    "SBATCH_MEM_PER_NODE",
    "SBATCH_MEM_PER_CPU",
    "SBATCH_GRES",
    "SBATCH_EXCLUSIVE",
  ]);
  t.same(
    dropped(["--mail-type=END", "--reservation=other"]),
    [],
    "options we do not map keep their variables (sbatch's own order applies)",
  );
});

t.test("withJobDefaults: our job name and output file only where neither the request nor SBATCH_* gives them", async (t) => {
  t.same(withJobDefaults({}, {}), { jobName: "distributed", output: "distributed-%j.out" });
  t.same(withJobDefaults({}, { SBATCH_JOB_NAME: "theirs" }), { output: "distributed-%j.out" }, "SBATCH_JOB_NAME names the job");
  t.same(withJobDefaults({}, { SBATCH_OUTPUT: "o-%j" }), { jobName: "distributed" }, "SBATCH_OUTPUT names the file");
  t.same(
    withJobDefaults({}, { SBATCH_JOB_NAME: "" }),
    { jobName: "distributed", output: "distributed-%j.out" },
    "an empty variable is not set",
  );
  t.same(withJobDefaults({ jobName: "mine", output: "mine.out", partition: "p" }, ENV), {
    jobName: "mine",
    output: "mine.out",
    partition: "p",
  }, "the request's own win");
  const request = withJobDefaults({ partition: "debug" }, ENV);
  t.same(sbatchLines(request), ["#SBATCH --partition=debug"], "with both variables set, no job-name or output line");
  t.same(Object.keys(ENV).filter((n) => !(n in sbatchEnv(request, ENV))), ["SBATCH_PARTITION"], "and both variables reach sbatch");
});
