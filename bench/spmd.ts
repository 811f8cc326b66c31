/**
 * SPMD bench (`npm run bench:spmd`, i.e. `node dist/bench/spmd.js [--rounds=R] [node] [bun]
 * [deno]`): barrier and allreduce on 4 ranks of this machine, 8 bytes (latency) and 8 MiB of
 * Float64 (bandwidth), for each runtime (`distributed spmd -n 4`, the TCP backend over the
 * cluster's connections) against mpi4py on Open MPI (`mpirun -np 4`, Debian's openmpi-bin and
 * python3-mpi4py: scripts/test-hosts/mpi.sh), measured in the same run, alternately.
 *
 * Each side's ranks time each operation over many back-to-back iterations after a warm-up;
 * the figure of a run is the slowest rank's median over R samples, and of the bench the median
 * over the runs. Targets (DESIGN.md), computed from this run's figures: allreduce latency within
 * 3x mpi4py's, and 8 MiB allreduce bandwidth (bytes / time) >= 50% of mpi4py's. PASS or MISS.
 * Open MPI on one machine moves data through shared memory (its vader BTL); ours through
 * loopback TCP, so the bandwidth target is the hard one.
 *
 * Always the compiled bench runs (dist/bench/spmd.js); its rank program (spmd-rank.js) runs
 * under each runtime from dist/, with the same copy of the library.
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Runtime, RUNTIMES, sibling } from "./runtimes.ts";
import { median } from "./stats.ts";

const argv = process.argv.slice(2);
const ROUNDS = Number(argv.find((a) => a.startsWith("--rounds="))?.slice(9) ?? 3);
const chosen = RUNTIMES.filter((r) => argv.includes(r));
const runtimes: readonly Runtime[] = chosen.length > 0 ? chosen : RUNTIMES;
const RANKS = 4;
const MIB8 = 8 * 1024 * 1024;

interface Figures {
  barrierUs: number;
  smallUs: number;
  largeUs: number;
}

const MPI4PY = `
import sys, time, array
from mpi4py import MPI
comm = MPI.COMM_WORLD
rounds = int(sys.argv[1])
def time_it(iterations, op):
    for _ in range(max(3, iterations // 10)): op()
    samples = []
    for _ in range(rounds):
        comm.Barrier()
        t0 = time.perf_counter()
        for _ in range(iterations): op()
        samples.append((time.perf_counter() - t0) * 1e6 / iterations)
    samples.sort()
    return comm.allreduce(samples[len(samples) // 2], op=MPI.MAX)
small = array.array("d", [comm.rank]); small_out = array.array("d", [0.0])
n = 1 << 20
large = array.array("d", [float(comm.rank)]) * n; large_out = array.array("d", [0.0]) * n
barrier = time_it(500, comm.Barrier)
small_us = time_it(500, lambda: comm.Allreduce([small, MPI.DOUBLE], [small_out, MPI.DOUBLE], op=MPI.SUM))
large_us = time_it(10, lambda: comm.Allreduce([large, MPI.DOUBLE], [large_out, MPI.DOUBLE], op=MPI.SUM))
assert all(x == comm.size * (comm.size - 1) / 2 for x in large_out)
if comm.rank == 0:
    print('SPMD-RESULT {"size": %d, "barrierUs": %f, "smallUs": %f, "largeUs": %f}' % (comm.size, barrier, small_us, large_us))
`;

function parse(out: string, what: string): Figures {
  const line = out.split("\n").find((l) => l.startsWith("SPMD-RESULT "));
  if (line === undefined) throw new Error(`${what} printed no result:\n${out}`);
  return JSON.parse(line.slice(12)) as Figures;
}

function ours(runtime: Runtime): Figures {
  const cli = fileURLToPath(new URL("../bin/distributed.js", import.meta.url));
  const r = spawnSync(process.execPath, [
    cli,
    "spmd",
    "-n",
    String(RANKS),
    "--runtime",
    runtime,
    sibling(import.meta.url, "spmd-rank"),
    String(ROUNDS),
  ], {
    encoding: "utf8",
    timeout: 600_000,
  });
  return parse(`${r.stdout}${r.stderr}`, `distributed spmd (${runtime})`);
}

function mpi4py(script: string): Figures {
  const env = { ...process.env, OMPI_ALLOW_RUN_AS_ROOT: "1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: "1", OMPI_MCA_rmaps_base_oversubscribe: "1" };
  const r = spawnSync("mpirun", ["-np", String(RANKS), "/usr/bin/python3", script, String(ROUNDS)], {
    encoding: "utf8",
    env,
    timeout: 600_000,
  });
  if (r.error !== undefined) throw new Error(`mpirun: ${r.error.message} (install Open MPI and mpi4py with scripts/test-hosts/mpi.sh)`);
  return parse(`${r.stdout}${r.stderr}`, "mpi4py on Open MPI");
}

const fmt = (x: number): string => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
const dir = mkdtempSync(join(tmpdir(), "distributed-bench-spmd-"));
try {
  const script = join(dir, "allreduce.py");
  writeFileSync(script, MPI4PY);
  console.log(`SPMD on ${RANKS} ranks, this machine (load ${loadavg()[0]!.toFixed(2)}); medians; mpi4py on Open MPI measured alternately`);
  console.log(
    "| runtime | barrier us (mpi4py) | allreduce 8 B us (mpi4py) | latency ratio (target <= 3) | allreduce 8 MiB MB/s (mpi4py) | bandwidth ratio (target >= 0.5) |",
  );
  console.log("| --- | --- | --- | --- | --- | --- |");
  for (const runtime of runtimes) {
    const a: Figures[] = [];
    const b: Figures[] = [];
    for (let round = 0; round < 2; round++) {
      a.push(ours(runtime));
      b.push(mpi4py(script));
    }
    const m = (xs: Figures[], k: keyof Figures): number => median(xs.map((x) => x[k]));
    const latency = m(a, "smallUs") / m(b, "smallUs");
    const bwOurs = MIB8 / m(a, "largeUs");
    const bwMpi = MIB8 / m(b, "largeUs");
    const bandwidth = bwOurs / bwMpi;
    console.log(
      `| ${runtime} | ${fmt(m(a, "barrierUs"))} (${fmt(m(b, "barrierUs"))}) | ${fmt(m(a, "smallUs"))} (${fmt(m(b, "smallUs"))}) | ${
        latency.toFixed(2)
      } ${latency <= 3 ? "PASS" : "MISS"} | ${fmt(bwOurs)} (${fmt(bwMpi)}) | ${bandwidth.toFixed(2)} ${
        bandwidth >= 0.5 ? "PASS" : "MISS"
      } |`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
