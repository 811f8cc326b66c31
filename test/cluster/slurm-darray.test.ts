// A DArray over SlurmManager workers on the Slurm test cluster (scripts/test-hosts/slurm.sh): for
// each worker runtime, one worker in a one-task job on a debug node (dn1..dn3: another host) and
// one on dn0 (this machine). The chunks live on both nodes, work runs where each chunk is, the
// worker-to-worker operations (redistribute, halo, a matrix-vector product with a DArray vector)
// cross between the nodes, and releasing the DArrays (and collecting the workers' received
// handles) leaves no chunk on either.
import t from "tap";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  addprocs,
  capture,
  distribute,
  fetchfrom,
  gethostname,
  halo,
  localindices,
  localReferenceCounts,
  redistribute,
  remotecallFetch,
  rmprocs,
  type RuntimeName,
  workers,
} from "../../src/mod.ts";
import { SlurmManager } from "../../managers/mod.ts";
import { slurmCluster } from "../helpers/slurm-cluster.ts";
import { waitUntil } from "../helpers/processes.ts";

const cluster = slurmCluster(t);
if (cluster !== undefined) {
  process.env.SLURM_CONF = cluster.slurmConf;
  const dir = mkdtempSync(path.join(os.tmpdir(), "distributed-slurm-darray-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const here = gethostname();
  const otherNodes = cluster.nodes.filter((n) => n.hostname !== here).map((n) => n.hostname);
  const finished = (id: string): boolean => {
    try {
      const state = /JobState=(\S+)/.exec(execFileSync("scontrol", ["show", "job", "-o", id], { encoding: "utf8" }))?.[1];
      return !["PENDING", "RUNNING", "CONFIGURING", "COMPLETING"].includes(state ?? "GONE");
    } catch {
      return true;
    }
  };

  for (const runtime of ["node", "bun", "deno"] as RuntimeName[]) {
    t.test(`a DArray over a ${runtime} worker on a debug node and one on dn0`, async (t) => {
      const other = new SlurmManager({ ntasks: 1, time: "00:10:00", partition: "debug", jobName: `darray-other-${runtime}` });
      const same = new SlurmManager({ ntasks: 1, time: "00:10:00", partition: "single", jobName: `darray-same-${runtime}` });
      // A garbage collector the test can call on the workers, for the last check.
      const exeflags = runtime === "node" ? ["--expose-gc"] : runtime === "deno" ? ["--v8-flags=--expose-gc"] : [];
      const options = { runtime, dir, timeout: 60, exeflags };
      const [[remote], [onDn0]] = await Promise.all([addprocs(other, options), addprocs(same, options)]);
      t.teardown(async () => {
        await rmprocs(workers());
        await waitUntil(() => finished(other.jobId!) && finished(same.jobId!), 60_000, "the jobs to end");
      });
      const pids = [remote!, onDn0!];
      const remoteHost = await remotecallFetch(() => gethostname(), remote!);
      t.ok(otherNodes.includes(remoteHost), `the debug job's worker runs on another node (${remoteHost})`);

      const x = Float64Array.from({ length: 1001 }, (_, i) => Math.sin(i));
      const D = await distribute(x, { pids });
      t.same(
        await fetchfrom(
          remote!,
          capture({ D }, () => {
            const where = [gethostname(), localindices(D).map(String)];
            D.release();
            return where;
          }),
        ),
        [remoteHost, ["range(0, 501)"]],
        "the first chunk is on the debug node",
      );
      t.same([...(await D.collect())], [...x], "collected back exactly");
      const E = await D.map((v) => 2 * v);
      t.same([...(await E.collect())], [...x].map((v) => 2 * v), "mapped on the owners");
      const swapped = await redistribute(D, { pids: [onDn0!, remote!] });
      t.same([...(await swapped.collect())], [...x], "redistributed across the nodes, worker to worker");
      const n = 6;
      const M = Float64Array.from({ length: n * n }, (_, k) => k);
      const G = await distribute(M, { dims: [n, n], dist: [1, 2], pids });
      const h = await fetchfrom(
        remote!,
        capture({ G, n }, async () => {
          const { data, dims } = await halo(G, 1);
          G.release();
          return [dims, Array.from(data.subarray(data.length - n))];
        }),
      );
      t.same(h, [[n, 4], [...M.subarray(3 * n, 4 * n)]], "the debug node's owner got its ghost column from dn0's");
      const R = await distribute(M, { dims: [n, n], dist: [2, 1], pids });
      const v = await distribute(Float64Array.from({ length: n }, (_, i) => i + 1), { pids });
      const y = await R.mul(v);
      const serial = Array.from({ length: n }, (_, i) => {
        let s = 0;
        for (let j = 0; j < n; j++) s += M[i + j * n]! * (j + 1);
        return s;
      });
      t.same([...(await y.collect())], serial, "the product, each owner fetching v from both nodes");

      for (const X of [D, E, swapped, G, R, v, y]) X.release();
      const collect = (): void => {
        const g = globalThis as { gc?: () => void; Bun?: { gc(full: boolean): void } };
        if (g.Bun !== undefined) g.Bun.gc(true);
        else g.gc!();
      };
      const counts = async (): Promise<number[]> =>
        Promise.all(pids.map((p) => remotecallFetch((gc: () => void) => (gc(), localReferenceCounts().chunks), p, collect)));
      const start = Date.now();
      while ((await counts()).some((c) => c > 0) && Date.now() - start < 10_000) await new Promise((r) => setTimeout(r, 20));
      t.same(await counts(), [0, 0], "released: no chunk left on either node");
    });
  }
}
