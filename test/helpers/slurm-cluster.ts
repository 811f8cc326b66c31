// The Slurm test cluster started by scripts/test-hosts/slurm.sh (scripts/test.sh starts it and
// passes its description in DISTRIBUTED_SLURM_CLUSTER, and SLURM_CONF). Usage in a test:
//   const cluster = slurmCluster(t);
//   if (!cluster) return;
//   execFile("srun", ["-p", "debug", "-N3", "hostname"], { env: slurmEnv(cluster) });
import { readFileSync } from "node:fs";

/** One Slurm node: a slurmd, and where it really is. */
export interface SlurmNode {
  /** Slurm's name for it (SLURMD_NODENAME, `srun -w`): dn0, dn1, dn2, dn3. */
  name: string;
  /**
   * IP address the node is reached at: 10.200.1.11..13 for dn1..dn3 (each in its own network
   * namespace), 10.200.1.1 for dn0 (this machine's own namespace).
   */
  address: string;
  /** What `hostname` prints in its tasks (dn0: this machine's own name). */
  hostname: string;
}

/** cluster.json as written by `scripts/test-hosts/slurm.sh start`. */
export interface SlurmCluster {
  /** slurm.conf of the cluster: pass it to srun, sbatch, squeue... as SLURM_CONF. */
  slurmConf: string;
  /**
   * This machine's address on the nodes' bridge, where slurmctld listens: tasks on dn1..dn3
   * reach this machine here, not on 127.0.0.1 (which is their own namespace's loopback).
   */
  bridgeAddress: string;
  /** Partition name to its nodes: debug = dn1..dn3 (namespaces), single = dn0 (this machine). */
  partitions: Record<string, string[]>;
  /** The partition a job without -p runs in: "debug". */
  defaultPartition: string;
  /**
   * CPUs each node advertises (16; more than this machine has). Partitions oversubscribe
   * (OverSubscribe=FORCE:4): jobs running at once share CPUs instead of queueing.
   */
  cpusPerNode: number;
  /** dn1, dn2, dn3, then dn0. */
  nodes: SlurmNode[];
  /**
   * Whether MpiParams=ports works: a step run with `--resv-ports=N` (a count; a bare
   * --resv-ports reserves nothing with MpiDefault=none) gets SLURM_STEP_RESV_PORTS.
   */
  mpiResvPorts: boolean;
}

/** The part of a tap test this helper uses. */
interface TestLike {
  fail(message: string): unknown;
  pass(message: string, extra: { skip: string }): unknown;
}

/**
 * The running Slurm test cluster, or undefined after recording why there is none: a failure
 * under CI=true, otherwise a skipped test (and a loud line on stderr), so a run without it
 * never passes as if the Slurm tests had run.
 */
export function slurmCluster(t: TestLike): SlurmCluster | undefined {
  const file = process.env.DISTRIBUTED_SLURM_CLUSTER;
  let why: string;
  if (!file) {
    why = "DISTRIBUTED_SLURM_CLUSTER is not set";
  } else {
    try {
      return parse(readFileSync(file, "utf8"), file);
    } catch (err) {
      why = `cannot read DISTRIBUTED_SLURM_CLUSTER=${file}: ${(err as Error).message}`;
    }
  }
  if (process.env.CI === "true") {
    t.fail(`the Slurm test cluster is not running (scripts/test-hosts/slurm.sh start) and CI=true: ${why}`);
  } else {
    process.stderr.write(
      `\n*** SLURM TESTS NOT RUN: the Slurm test cluster is not running (${why}).\n` +
        `*** Start it as root with: bash scripts/test-hosts/slurm.sh start, then set DISTRIBUTED_SLURM_CLUSTER to the path it prints.\n\n`,
    );
    // An assertion marked skip: tap reports "# SKIP" and counts it in its summary's skip:.
    t.pass("Slurm tests", { skip: `the Slurm test cluster is not running (${why}); start it with scripts/test-hosts/slurm.sh start` });
  }
  return undefined;
}

/** This process's environment with SLURM_CONF pointing at the cluster: for srun, sbatch, squeue... */
export function slurmEnv(cluster: SlurmCluster, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, SLURM_CONF: cluster.slurmConf, ...extra };
}

function parse(text: string, file: string): SlurmCluster {
  const v = JSON.parse(text) as Partial<SlurmCluster>;
  const ok = typeof v.slurmConf === "string" &&
    typeof v.bridgeAddress === "string" &&
    typeof v.defaultPartition === "string" &&
    typeof v.cpusPerNode === "number" &&
    typeof v.mpiResvPorts === "boolean" &&
    typeof v.partitions === "object" &&
    v.partitions !== null &&
    Object.values(v.partitions).every((nodes) => Array.isArray(nodes) && nodes.every((n) => typeof n === "string")) &&
    Array.isArray(v.nodes) &&
    v.nodes.every((n) => typeof n.name === "string" && typeof n.address === "string" && typeof n.hostname === "string");
  if (!ok) throw new Error(`${file} is not a cluster.json written by scripts/test-hosts/slurm.sh`);
  return v as SlurmCluster;
}
