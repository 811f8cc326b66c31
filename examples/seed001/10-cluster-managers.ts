/**
 * Seed 001, "Actual distributed computing": workers on other machines, through cluster managers.
 *
 * - `LocalManager` is what `addprocs(n)` uses: it is run here, with `dir` (the workers'
 *   working directory) and `exename` (the runtime's executable), the two keyword arguments the
 *   seed points out; every worker reports its host, directory, runtime and package version
 *   (the seed's `@everywhere @show Base.active_project()`: do all processes run the same
 *   environment?).
 * - `SSHManager` is what `addprocs(["l93", "l94"])` uses (passwordless ssh to each host). With
 *   hosts in the environment variable DISTRIBUTED_EXAMPLE_HOSTS (e.g. `"l93 l94"` or
 *   `"node1,alice@node2:2222"`), it starts one worker on each and runs the seed's
 *   `@everywhere println(gethostname())`; without, it shows how the seed's machine lists and a
 *   machine file are read, and starts nothing.
 * - `SlurmManager` (ClusterManagers.jl's SLURM manager: srun under the hood). Inside a Slurm
 *   job (SLURM_JOB_ID set) it adds one worker per task of the job; elsewhere it shows the
 *   #SBATCH lines it would submit a job with. The full Slurm examples are examples/slurm/ and
 *   slurm/examples/ (sbatch scripts); test/cluster/ssh-*.test.ts and slurm-*.test.ts run these
 *   managers against real sshd hosts and a real Slurm cluster.
 *
 * Usage: node dist/examples/seed001/10-cluster-managers.js   (bun and deno run the .ts directly)
 *
 * @example
 * ```sh
 * DISTRIBUTED_EXAMPLE_HOSTS="l93 l94" bun examples/seed001/10-cluster-managers.ts
 * salloc -n 4 node dist/examples/seed001/10-cluster-managers.js
 * ```
 * @module
 */
import { realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import { addprocs, currentRuntime, everywhere, gethostname, PACKAGE_VERSION, remotecallFetch, rmprocs, workers } from "distributed";
import {
  describeMachine,
  LocalManager,
  type MachineSpec,
  parseMachineFile,
  parseMachines,
  sbatchLines,
  SlurmManager,
} from "distributed/managers";

const workersText = (
  spec: MachineSpec,
): string => (spec.count === "auto" ? "one worker per CPU" : `${spec.count} worker${spec.count === 1 ? "" : "s"}`);

// LocalManager: addprocs(2) is addprocs(new LocalManager({ count: 2 })); dir and exename.
const dir = realpathSync(tmpdir());
const local = await addprocs(new LocalManager({ count: 2 }), { dir, exename: process.execPath });
const reports = await Promise.all(
  local.map((p) => remotecallFetch(() => [gethostname(), process.cwd(), currentRuntime(), PACKAGE_VERSION], p)),
);
console.log(`LocalManager: workers ${local.join(", ")}`);
console.log(`  on this host: ${reports.every(([host]) => host === gethostname())}`);
console.log(`  in dir (${dir === "/tmp" ? "/tmp" : "the temporary directory"}): ${reports.every(([, cwd]) => cwd === dir)}`);
console.log(
  `  same runtime and package as the master (${currentRuntime()}, distributed ${PACKAGE_VERSION}): ${
    reports.every(([, , rt, v]) => rt === currentRuntime() && v === PACKAGE_VERSION)
  }`,
);
await rmprocs(local);

// SSHManager: addprocs(["l93", "l94"]) and addprocs([("node123", 2), ("node456", 3)]).
const hosts = (process.env.DISTRIBUTED_EXAMPLE_HOSTS ?? "").split(/[\s,]+/).filter((h) => h !== "");
if (hosts.length > 0) {
  const pids = await addprocs(hosts);
  console.log(`SSHManager: workers ${pids.join(", ")} on ${hosts.join(", ")}`);
  await everywhere(() => console.log(gethostname())); // @everywhere println(gethostname())
  await rmprocs(pids);
} else {
  console.log("SSHManager: no hosts configured (DISTRIBUTED_EXAMPLE_HOSTS), so nothing is started. The seed's lists would give:");
  const lists: Array<[string, Parameters<typeof parseMachines>[0]]> = [
    [`addprocs(["l93", "l94"])`, ["l93", "l94"]],
    [`addprocs([["node123", 2], ["node456", 3]])`, [["node123", 2], ["node456", 3]]],
    [`addprocs([["node789", "auto"]])`, [["node789", "auto"]]],
  ];
  for (const [call, machines] of lists) {
    console.log(`  ${call}: ${parseMachines(machines).map((s) => `${describeMachine(s)} (${workersText(s)})`).join(", ")}`);
  }
  const file = "# hosts.txt: [count*][user@]host[:port] [bind_addr[:port]]\n2*alice@node1:2222\nauto*node2 10.0.0.2\n";
  const specs = parseMachineFile(file, "hosts.txt");
  console.log(
    `  addprocs(new SSHManager(parseMachineFile(text, "hosts.txt"))): ${
      specs.map((s) => `${describeMachine(s)} (${workersText(s)}${s.bindAddr !== undefined ? `, listening on ${s.bindAddr}` : ""})`).join(
        ", ",
      )
    }`,
  );
}

// SlurmManager
if (process.env.SLURM_JOB_ID !== undefined) {
  const pids = await addprocs(new SlurmManager());
  const where = await Promise.all(workers().map((p) => remotecallFetch(() => gethostname(), p)));
  console.log(`SlurmManager: ${pids.length} workers in job ${process.env.SLURM_JOB_ID}, on ${[...new Set(where)].sort().join(", ")}`);
  await rmprocs(pids);
} else {
  const request = { nodes: 2, ntasksPerNode: 4, time: "00:30:00", partition: "debug" };
  console.log(
    `SlurmManager: not inside a Slurm job, so nothing is submitted. new SlurmManager(${JSON.stringify(request)}) would submit a job with:`,
  );
  for (const line of sbatchLines(request)) console.log(`  ${line}`);
  console.log("  (see examples/slurm/ and slurm/examples/ for running ones)");
}
