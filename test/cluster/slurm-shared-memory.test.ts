// SharedArray and Atomic with SlurmManager workers on the Slurm test cluster
// (scripts/test-hosts/slurm.sh). For each worker runtime, a one-task job in the debug partition
// (a worker on dn1, dn2 or dn3: slurmd in its own network and UTS namespace, another host) and
// one in the single partition (dn0: this machine, hostname and all). The checks are
// test/helpers/shared-memory-hosts.ts's, shared with the SSH test: naming the worker on the
// other node among the participants is refused at the call site (ERR_SHARED_MEMORY_OTHER_HOST,
// both hosts named, DArray or RemoteChannel suggested) before any memory is made; the default
// participants leave it out and sending it such a value is refused before anything is sent,
// the worker still answering; the dn0 worker shares the mapping.
import t from "tap";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { addprocs, gethostname, remotecallFetch, rmprocs, type RuntimeName, workers } from "../../src/mod.ts";
import { SlurmManager } from "../../managers/mod.ts";
import { refusesOtherHost, sharesOnThisHost } from "../helpers/shared-memory-hosts.ts";
import { slurmCluster } from "../helpers/slurm-cluster.ts";
import { waitUntil } from "../helpers/processes.ts";

const cluster = slurmCluster(t);
if (cluster !== undefined) {
  process.env.SLURM_CONF = cluster.slurmConf;
  const dir = mkdtempSync(path.join(os.tmpdir(), "distributed-slurm-test-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const here = gethostname();
  const thisNode = cluster.nodes.find((n) => n.hostname === here);
  const otherNodes = cluster.nodes.filter((n) => n.hostname !== here).map((n) => n.hostname);
  const finished = (id: string): boolean => {
    try {
      const state = /JobState=(\S+)/.exec(execFileSync("scontrol", ["show", "job", "-o", id], { encoding: "utf8" }))?.[1];
      return !["PENDING", "RUNNING", "CONFIGURING", "COMPLETING"].includes(state ?? "GONE");
    } catch {
      return true;
    }
  };

  t.test("the cluster: dn0 (the single partition) is this machine, the debug nodes are not", async (t) => {
    t.same(cluster.partitions.single, [thisNode?.name], "dn0 has this machine's hostname");
    t.same(cluster.partitions.debug, otherNodes, "dn1..dn3 have hostnames of their own");
  });

  for (const runtime of ["node", "bun", "deno"] as RuntimeName[]) {
    t.test(`${runtime} workers on a debug node and on dn0`, async (t) => {
      const other = new SlurmManager({ ntasks: 1, time: "00:10:00", partition: "debug", jobName: `shm-other-${runtime}` });
      const same = new SlurmManager({ ntasks: 1, time: "00:10:00", partition: "single", jobName: `shm-same-${runtime}` });
      const options = { runtime, dir, timeout: 60 };
      const [[remote], [onDn0]] = await Promise.all([addprocs(other, options), addprocs(same, options)]);
      t.teardown(async () => {
        await rmprocs(workers());
        await waitUntil(() => finished(other.jobId!) && finished(same.jobId!), 60_000, "the jobs to end");
      });
      const remoteHost = await remotecallFetch(() => gethostname(), remote!);
      t.ok(otherNodes.includes(remoteHost), `the debug job's worker runs on another node (${remoteHost})`);
      t.equal(await remotecallFetch(() => gethostname(), onDn0!), here, "the single job's worker runs on this machine");
      await refusesOtherHost(t, { remote: remote!, remoteHost, sameHost: [onDn0!] });
      t.test("the worker on dn0 (a Slurm node that is this machine) shares the mapping", async (t) => {
        const [local] = await addprocs(1, { runtime });
        await sharesOnThisHost(t, onDn0!, local!);
      });
    });
  }
}
