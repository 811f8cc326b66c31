// spmdInit() under srun on the Slurm test cluster (scripts/test-hosts/slurm.sh): seed 003's rank
// sum across three nodes (each its own network namespace, no shared file system for the
// rendezvous) under node, bun and deno, and Open MPI's mpirun inside a Slurm allocation across two
// nodes of the allocation (rank 0 found as the allocation's first node). Every rank returns with a
// communicator: task r is rank r.
import t from "tap";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { ROOT, runtimeArgs, runtimeExe } from "../helpers/processes.ts";
import { slurmCluster } from "../helpers/slurm-cluster.ts";

const run = promisify(execFile);
const cluster = slurmCluster(t);
if (cluster !== undefined) {
  process.env.SLURM_CONF = cluster.slurmConf;
  const expected = readFileSync(path.join(ROOT, "examples", "seed003", "rank-sum.expected"), "utf8");
  const file = (runtime: string, dir: string[], name: string): string =>
    runtime === "node" ? path.join(ROOT, "dist", ...dir, `${name}.js`) : path.join(ROOT, ...dir, `${name}.ts`);
  for (const runtime of ["node", "bun", "deno"]) {
    t.test(`srun -n 4 across 3 nodes, ${runtime}: seed 003's rank sum, and a communicator on every task`, async (t) => {
      const env = { ...process.env, DISTRIBUTED_COOKIE: `spmd-cookie-${runtime}-${process.pid}` };
      const sum = await run(
        "srun",
        ["-p", "debug", "-N3", "-n4", runtimeExe(runtime), ...runtimeArgs(runtime, file(runtime, ["examples", "seed003"], "rank-sum"))],
        { env, timeout: 120_000 },
      );
      t.equal(sum.stdout, expected);
      const ranks = await run(
        "srun",
        [
          "-p",
          "debug",
          "-N3",
          "-n4",
          runtimeExe(runtime),
          ...runtimeArgs(runtime, file(runtime, ["test", "fixtures"], "spmd-rank"), ["ok"]),
        ],
        { env, timeout: 120_000 },
      );
      const got = ranks.stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Record<string, unknown>);
      t.same(
        got.sort((a, b) => (a.rank as number) - (b.rank as number)).map((l) => [l.rank, l.size, l.runtime, l.sum]),
        [0, 1, 2, 3].map((r) => [r, 4, runtime, [6, 4]]),
      );
    });

    t.test(`mpirun -np 4 in a 2-node Slurm allocation, ${runtime}: the rank sum, ranks on both nodes`, async (t) => {
      const env = {
        ...process.env,
        DISTRIBUTED_COOKIE: `spmd-cookie-mpi-${runtime}-${process.pid}`,
        OMPI_ALLOW_RUN_AS_ROOT: "1",
        OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: "1",
      };
      const mpirun = (dir: string[], name: string, args: string[] = []): Promise<{ stdout: string }> =>
        run(
          "salloc",
          [
            "-p",
            "debug",
            "-N2",
            "-n4",
            "mpirun",
            "-np",
            "4",
            "-x",
            "DISTRIBUTED_COOKIE",
            runtimeExe(runtime),
            ...runtimeArgs(runtime, file(runtime, dir, name), args),
          ],
          { env, timeout: 120_000 },
        );
      const sum = await mpirun(["examples", "seed003"], "rank-sum");
      t.equal(sum.stdout, expected);
      const ranks = await mpirun(["test", "fixtures"], "spmd-rank", ["ok"]);
      const got = ranks.stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Record<string, unknown>);
      t.same(got.map((l) => l.rank).sort(), [0, 1, 2, 3]);
      t.ok(got.every((l) => (l.sum as number[])[0] === 6));
      t.equal(new Set(got.map((l) => l.host)).size, 2, `ranks on two nodes: ${got.map((l) => l.host).join(", ")}`);
    });
  }
}
