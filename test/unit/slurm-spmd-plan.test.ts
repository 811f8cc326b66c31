import t from "tap";
import { formatRegistration, parseRegistration, type Registration, spmdPlan } from "../../managers/slurm/spmd-plan.ts";
import { DistributedError } from "../../src/errors.ts";
import { prng, throwsExactly } from "../helpers/unit.ts";

/** What srun sets in a task of a 4-task step 0 of job 41 on dn[1-2] (no reserved ports). */
function step(over: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    SLURM_JOB_ID: "41",
    SLURM_JOB_NODELIST: "dn[1-2]",
    SLURM_NTASKS: "4",
    SLURM_PROCID: "2",
    SLURM_STEP_ID: "0",
    SLURM_STEP_NODELIST: "dn[1-2]",
    SLURM_STEP_NUM_TASKS: "4",
    ...over,
  };
}

/** The port derived for a job step (the formula spmd-plan.ts documents in its comment). */
const derived = (jobId: number, stepId: number): number => 20000 + ((jobId * 131 + stepId * 7) % 12000);

t.test("undefined outside an SPMD launch", (t) => {
  t.equal(spmdPlan({}), undefined, "a laptop");
  t.equal(spmdPlan(step({ SLURM_PROCID: undefined })), undefined, "no SLURM_PROCID");
  t.equal(spmdPlan(step({ SLURM_STEP_ID: undefined })), undefined, "no SLURM_STEP_ID");
  t.equal(spmdPlan(step({ SLURM_STEP_NUM_TASKS: "1", SLURM_NTASKS: "1", SLURM_PROCID: "0" })), undefined, "a single task");
  t.equal(spmdPlan(step({ SLURM_STEP_NUM_TASKS: "1", SLURM_PROCID: "0" })), undefined, "a one-task step of a bigger job (srun -n1)");
  t.equal(spmdPlan(step({ SLURM_STEP_NUM_TASKS: undefined, SLURM_NTASKS: undefined })), undefined, "no task count");
  t.equal(spmdPlan(step({ SLURM_STEP_NUM_TASKS: "0" })), undefined, "zero tasks");
  t.equal(spmdPlan(step({ SLURM_STEP_NUM_TASKS: "x" })), undefined, "a task count that is not a number");
  // The batch script of `sbatch -p single -n 2` on the test cluster saw exactly these SLURM_*
  // variables of interest: it is task 0 of 2 by SLURM_PROCID and SLURM_NTASKS, but not a step.
  const batch = {
    SLURM_JOB_ID: "37",
    SLURM_JOB_NODELIST: "dn0",
    SLURM_JOB_NUM_NODES: "1",
    SLURM_NNODES: "1",
    SLURM_NPROCS: "2",
    SLURM_NTASKS: "2",
    SLURM_PROCID: "0",
    SLURM_TASKS_PER_NODE: "2",
  };
  t.equal(spmdPlan(batch), undefined, "the batch script itself, with -n 2");
  t.end();
});

t.test("a task of a real step", (t) => {
  // Task 1 of `srun -n 2` inside that job, as it printed its environment.
  const env = {
    SLURM_JOB_ID: "37",
    SLURM_JOB_NODELIST: "dn0",
    SLURM_NTASKS: "2",
    SLURM_PROCID: "1",
    SLURM_STEPID: "0",
    SLURM_STEP_ID: "0",
    SLURM_STEP_LAUNCHER_PORT: "33503",
    SLURM_STEP_NODELIST: "dn0",
    SLURM_STEP_NUM_NODES: "1",
    SLURM_STEP_NUM_TASKS: "2",
    SLURM_STEP_RESV_PORTS: "12113-12115",
    SLURM_STEP_TASKS_PER_NODE: "2",
  };
  t.same(spmdPlan(env), { rank: 1, size: 2, jobId: "37", stepId: "0", rootNode: "dn0", port: 12113, portFrom: "slurm" });
  t.same(spmdPlan({ ...env, SLURM_PROCID: "0" }), {
    rank: 0,
    size: 2,
    jobId: "37",
    stepId: "0",
    rootNode: "dn0",
    port: 12113,
    portFrom: "slurm",
  }, "task 0 gets the same port");
  t.end();
});

t.test("rank and size", (t) => {
  t.same(spmdPlan(step()), { rank: 2, size: 4, jobId: "41", stepId: "0", rootNode: "dn1", port: derived(41, 0), portFrom: "derived" });
  t.equal(spmdPlan(step({ SLURM_PROCID: "0" }))?.rank, 0);
  t.equal(spmdPlan(step({ SLURM_PROCID: "3" }))?.rank, 3, "the last task");
  t.equal(spmdPlan(step({ SLURM_STEP_NUM_TASKS: undefined, SLURM_NTASKS: "6" }))?.size, 6, "SLURM_NTASKS when the step's count is missing");
  t.equal(spmdPlan(step({ SLURM_STEP_NUM_TASKS: "3", SLURM_NTASKS: "8" }))?.size, 3, "the step's count wins over the job's");
  t.equal(spmdPlan(step({ SLURM_STEP_NUM_TASKS: "2", SLURM_PROCID: "1" }))?.size, 2, "two tasks is SPMD");
  t.end();
});

t.test("a rank out of range is an error", (t) => {
  for (
    const [procid, size] of [
      ["4", "4"],
      ["5", "4"],
      ["-1", "4"],
      ["1.5", "4"],
      ["x", "4"],
      ["100", "8"],
    ] as const
  ) {
    throwsExactly(
      t,
      () => spmdPlan(step({ SLURM_PROCID: procid, SLURM_STEP_NUM_TASKS: size })),
      DistributedError,
      `SLURM_PROCID=${procid} is not a task of a ${size}-task step`,
    );
  }
  t.end();
});

t.test("a step without a job id or node list is an error", (t) => {
  const missing = "SLURM_JOB_ID or SLURM_STEP_NODELIST is missing: start the script with srun inside a Slurm allocation";
  throwsExactly(t, () => spmdPlan(step({ SLURM_JOB_ID: undefined })), DistributedError, missing);
  throwsExactly(t, () => spmdPlan(step({ SLURM_JOB_ID: "" })), DistributedError, missing);
  throwsExactly(t, () => spmdPlan(step({ SLURM_JOB_ID: "41_3" })), DistributedError, missing);
  throwsExactly(t, () => spmdPlan(step({ SLURM_STEP_NODELIST: undefined, SLURM_JOB_NODELIST: undefined })), DistributedError, missing);
  throwsExactly(t, () => spmdPlan(step({ SLURM_STEP_NODELIST: "" })), DistributedError, "SLURM_STEP_NODELIST= names no node");
  throwsExactly(t, () => spmdPlan(step({ SLURM_STEP_NODELIST: ",," })), DistributedError, "SLURM_STEP_NODELIST=,, names no node");
  throwsExactly(
    t,
    () => spmdPlan(step({ SLURM_STEP_NODELIST: "dn[2-1]" })),
    TypeError,
    'Not a Slurm host list: "dn[2-1]" (expected names like "dn[1-3],gpu[01-02,07],login")',
  );
  t.end();
});

t.test("rootNode: the first node of the step", (t) => {
  t.equal(spmdPlan(step({ SLURM_STEP_NODELIST: "dn[3-5]" }))?.rootNode, "dn3");
  t.equal(spmdPlan(step({ SLURM_STEP_NODELIST: "gpu[07-08],dn1" }))?.rootNode, "gpu07", "padding kept");
  t.equal(spmdPlan(step({ SLURM_STEP_NODELIST: "r[1-2]n[3-4]" }))?.rootNode, "r1n3");
  t.equal(spmdPlan(step({ SLURM_STEP_NODELIST: "login" }))?.rootNode, "login");
  t.equal(
    spmdPlan(step({ SLURM_STEP_NODELIST: "dn2", SLURM_JOB_NODELIST: "dn[1-2]" }))?.rootNode,
    "dn2",
    "the step's nodes, not the job's",
  );
  t.equal(
    spmdPlan(step({ SLURM_STEP_NODELIST: undefined, SLURM_JOB_NODELIST: "dn[4-5]" }))?.rootNode,
    "dn4",
    "the job's when the step's are missing",
  );
  t.end();
});

t.test("port: Slurm's reserved ports first", (t) => {
  t.same(spmdPlan(step({ SLURM_STEP_RESV_PORTS: "12000-12003" }))?.port, 12000);
  t.same(spmdPlan(step({ SLURM_STEP_RESV_PORTS: "12000,12005" }))?.port, 12000);
  t.same(spmdPlan(step({ SLURM_STEP_RESV_PORTS: "12007" }))?.port, 12007);
  t.equal(spmdPlan(step({ SLURM_STEP_RESV_PORTS: "12000-12003" }))?.portFrom, "slurm");
  const both = spmdPlan(step({ SLURM_STEP_RESV_PORTS: "13000-13001", DISTRIBUTED_SPMD_PORT: "4100" }));
  t.equal(both?.port, 13000, "over DISTRIBUTED_SPMD_PORT");
  t.equal(both?.portFrom, "slurm");
  t.equal(spmdPlan(step({ SLURM_STEP_RESV_PORTS: "" }))?.portFrom, "derived", "empty: not reserved");
  t.equal(spmdPlan(step({ SLURM_STEP_RESV_PORTS: "none" }))?.portFrom, "derived", "not a number: not reserved");
  t.end();
});

t.test("port: DISTRIBUTED_SPMD_PORT next", (t) => {
  t.same(spmdPlan(step({ DISTRIBUTED_SPMD_PORT: "4100" })), {
    rank: 2,
    size: 4,
    jobId: "41",
    stepId: "0",
    rootNode: "dn1",
    port: 4100,
    portFrom: "env",
  });
  t.equal(spmdPlan(step({ DISTRIBUTED_SPMD_PORT: "1" }))?.port, 1, "lowest");
  t.equal(spmdPlan(step({ DISTRIBUTED_SPMD_PORT: "65535" }))?.port, 65535, "highest");
  for (const bad of ["0", "65536", "-1", "80.5", "abc", "", "4100x", "99999"]) {
    throwsExactly(
      t,
      () => spmdPlan(step({ DISTRIBUTED_SPMD_PORT: bad })),
      RangeError,
      `DISTRIBUTED_SPMD_PORT must be a port number, got ${JSON.stringify(bad)}`,
    );
  }
  t.equal(spmdPlan(step({ DISTRIBUTED_SPMD_PORT: undefined }))?.portFrom, "derived", "undefined is absent");
  t.end();
});

t.test("port: otherwise derived from the job and step ids", (t) => {
  t.equal(spmdPlan(step())?.port, 25371, "job 41, step 0: 20000 + 41·131");
  t.equal(spmdPlan(step({ SLURM_STEP_ID: "1" }))?.port, 25378, "step 1: 7 more");
  t.equal(spmdPlan(step({ SLURM_JOB_ID: "0" }))?.port, 20000, "the lowest");
  const ranks = [0, 1, 2, 3].map((r) => spmdPlan(step({ SLURM_PROCID: String(r) }))?.port);
  t.same(new Set(ranks).size, 1, "every rank of the step computes the same port");
  const random = prng(7);
  let inRange = true;
  let sameForRanks = true;
  let stepsDiffer = true;
  for (let i = 0; i < 2000; i++) {
    const jobId = Math.floor(random() * 2 ** 40);
    const stepId = Math.floor(random() * 1000);
    const size = 2 + Math.floor(random() * 62);
    const at = (rank: number, s = stepId): number | undefined =>
      spmdPlan(
        step({ SLURM_JOB_ID: String(jobId), SLURM_STEP_ID: String(s), SLURM_STEP_NUM_TASKS: String(size), SLURM_PROCID: String(rank) }),
      )?.port;
    const port = at(0)!;
    if (!(Number.isInteger(port) && port >= 20000 && port < 32000)) inRange = false;
    if (at(size - 1) !== port || at(Math.floor(size / 2)) !== port) sameForRanks = false;
    if (at(0, stepId + 1) === port) stepsDiffer = false;
    if (port !== derived(jobId, stepId)) inRange = false;
  }
  t.ok(inRange, "always an integer in [20000, 32000), by the formula");
  t.ok(sameForRanks, "equal for every rank of the same step");
  t.ok(stepsDiffer, "different for the next step of the same job");
  const ports = new Set<number>();
  for (let s = 0; s < 100; s++) ports.add(spmdPlan(step({ SLURM_STEP_ID: String(s) }))!.port);
  t.equal(ports.size, 100, "100 steps of one job: 100 ports");
  t.end();
});

t.test("the module's example", (t) => {
  const plan = spmdPlan({
    SLURM_PROCID: "3",
    SLURM_STEP_NUM_TASKS: "8",
    SLURM_JOB_ID: "41",
    SLURM_STEP_ID: "0",
    SLURM_STEP_NODELIST: "dn[1-2]",
  });
  t.same(plan, { rank: 3, size: 8, jobId: "41", stepId: "0", rootNode: "dn1", port: 25371, portFrom: "derived" });
  t.equal(
    formatRegistration({ rank: 3, host: "10.0.0.2", port: 40100, fingerprint: "ab12cd34" }),
    "distributed_spmd 3 10.0.0.2 40100 ab12cd34",
  );
  t.end();
});

t.test("registration lines: a round trip", (t) => {
  const regs: Registration[] = [
    { rank: 3, host: "10.0.0.2", port: 40100, fingerprint: "ab12cd34" },
    { rank: 0, host: "dn1", port: 1, fingerprint: "0" },
    { rank: 1023, host: "::1", port: 65535, fingerprint: "0123456789abcdef0123456789abcdef" },
    { rank: 7, host: "fe80::1%eth0", port: 9000, fingerprint: "ff" },
    { rank: 12, host: "gpu07.cluster.example.org", port: 34567, fingerprint: "deadbeef" },
  ];
  for (const r of regs) {
    const line = formatRegistration(r);
    t.notOk(line.includes("\n"), `${line}: one line, no newline`);
    t.same(parseRegistration(line), r, line);
    t.same(parseRegistration(`${line}\n`), r, `${line}, with its newline`);
    t.same(parseRegistration(`  ${line} \r\n`), r, `${line}, with spaces and CRLF around`);
  }
  t.end();
});

t.test("registration lines: anything else is null", (t) => {
  for (
    const line of [
      "",
      "distributed_spmd",
      "distributed_spmd 3 10.0.0.2 40100",
      "distributed_spmd 3 10.0.0.2 40100 ab12cd34 extra",
      "distributed_spmd -1 10.0.0.2 40100 ab12cd34",
      "distributed_spmd x 10.0.0.2 40100 ab12cd34",
      "distributed_spmd 3 10.0.0.2 port ab12cd34",
      "distributed_spmd 3 10.0.0.2 -5 ab12cd34",
      "distributed_spmd 3 10.0.0.2 40100 AB12CD34",
      "distributed_spmd 3 10.0.0.2 40100 xyz",
      "distributed_spmd 3 10.0.0.2 40100 ",
      "distributed_spmd  3 10.0.0.2 40100 ab12cd34",
      "distributed_spmd 3  10.0.0.2 40100 ab12cd34",
      "distributed_spmd\t3 10.0.0.2 40100 ab12cd34",
      "distributed_spmd 3.5 10.0.0.2 40100 ab12cd34",
      "Distributed_spmd 3 10.0.0.2 40100 ab12cd34",
      "distributed_worker:4100#10.0.0.5",
      "0: distributed_spmd 3 10.0.0.2 40100 ab12cd34",
      "distributed_spmd 3 10.0.0.2 40100 ab12cd34\ndistributed_spmd 4 10.0.0.3 40100 ab12cd34",
    ]
  ) {
    t.equal(parseRegistration(line), null, JSON.stringify(line));
  }
  t.end();
});
