/**
 * Which launcher started this process, from its environment alone (pure): `distributed spmd`
 * (DISTRIBUTED_SPMD_RANK/SIZE/ROOT), Open MPI's mpirun (OMPI_COMM_WORLD_RANK/SIZE, with PMIx's
 * PMIX_RANK as a fallback), or srun (SLURM_PROCID, through slurm/spmd-plan.ts). Each gives the
 * same plan: this rank, the size, and where rank 0 listens for the others' registrations.
 *
 * Where rank 0 is, without a shared file system: `distributed spmd` says it; under mpirun it is
 * DISTRIBUTED_SPMD_ROOT=host[:port] when set (`mpirun -x DISTRIBUTED_SPMD_ROOT`), else this
 * host when every rank runs on it (OMPI_COMM_WORLD_LOCAL_SIZE = size), else the first node of
 * the Slurm allocation mpirun runs in (where mpirun puts rank 0 by default). The port is the
 * root's, else DISTRIBUTED_SPMD_PORT, else one derived from mpirun's job id, alike on every rank.
 *
 * @example
 * ```ts
 * launchPlan({ OMPI_COMM_WORLD_RANK: "1", OMPI_COMM_WORLD_SIZE: "4", OMPI_COMM_WORLD_LOCAL_SIZE: "4", OMPI_MCA_ess_base_jobid: "123" });
 * // { launcher: "mpirun", plan: { rank: 1, size: 4, rootAddress: "127.0.0.1", port: ..., ... } }
 * ```
 * @module
 */
import { DistributedError } from "../../src/internal.ts";
import { type SpmdPlan, spmdPlan } from "../slurm/spmd-plan.ts";
import { expandHostlist } from "../slurm/hostlist.ts";

/** The launcher and this rank's plan; `alone` when no launcher started several ranks. */
export type LaunchPlan =
  | { launcher: "distributed spmd" | "mpirun" | "srun"; plan: SpmdPlan }
  | { launcher: "alone" };

function launchError(message: string): DistributedError {
  return new DistributedError("ERR_SPMD_LAUNCH", `spmdInit: ${message}`);
}

function count(env: Record<string, string | undefined>, name: string): number | undefined {
  const v = env[name];
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw launchError(`${name}=${JSON.stringify(v)} is not a number`);
  return Number(v);
}

function rankAndSize(env: Record<string, string | undefined>, rankVar: string, sizeVar: string): { rank: number; size: number } {
  const rank = count(env, rankVar)!;
  const size = count(env, sizeVar);
  if (size === undefined || !(rank < size)) {
    throw launchError(`${rankVar}=${rank} is not a rank of ${sizeVar}=${String(env[sizeVar])}: start the script with the launcher`);
  }
  return { rank, size };
}

/** Splits "host:port" (the port optional; [v6]:port). */
function hostPort(value: string, name: string): { host: string; port: number | undefined } {
  const m = /^(?:\[([^\]]+)\]|([^:]+))(?::(\d+))?$/.exec(value);
  if (m === null) throw launchError(`${name}=${JSON.stringify(value)} is not host[:port]`);
  const port = m[3] === undefined ? undefined : Number(m[3]);
  if (port !== undefined && !(port > 0 && port < 65536)) throw launchError(`${name}=${value}: ${port} is not a port`);
  return { host: (m[1] ?? m[2])!, port };
}

/** A port every rank derives alike from a job id, clear of the usual services and of the ephemeral range. */
export function derivedPort(jobId: string): number {
  let h = 0;
  for (let i = 0; i < jobId.length; i++) h = (h * 31 + jobId.charCodeAt(i)) >>> 0;
  return 20000 + (h % 12000);
}

/** The plan for this process. Throws ERR_SPMD_LAUNCH when a launcher's variables do not agree. */
export function launchPlan(env: Record<string, string | undefined>): LaunchPlan {
  if (env.DISTRIBUTED_SPMD_RANK !== undefined) {
    const { rank, size } = rankAndSize(env, "DISTRIBUTED_SPMD_RANK", "DISTRIBUTED_SPMD_SIZE");
    const root = hostPort(env.DISTRIBUTED_SPMD_ROOT ?? "", "DISTRIBUTED_SPMD_ROOT");
    if (root.port === undefined) throw launchError("DISTRIBUTED_SPMD_ROOT has no port");
    const plan: SpmdPlan = {
      rank,
      size,
      jobId: "",
      stepId: "",
      rootNode: root.host,
      rootAddress: root.host,
      port: root.port,
      portFrom: "env",
      bind: "127.0.0.1",
      launcher: "distributed spmd",
    };
    return { launcher: "distributed spmd", plan };
  }
  const rankVar = env.OMPI_COMM_WORLD_RANK !== undefined ? "OMPI_COMM_WORLD_RANK" : env.PMIX_RANK !== undefined ? "PMIX_RANK" : undefined;
  if (rankVar !== undefined && env.OMPI_COMM_WORLD_SIZE !== undefined) {
    const { rank, size } = rankAndSize(env, rankVar, "OMPI_COMM_WORLD_SIZE");
    const given = env.DISTRIBUTED_SPMD_ROOT !== undefined ? hostPort(env.DISTRIBUTED_SPMD_ROOT, "DISTRIBUTED_SPMD_ROOT") : undefined;
    const oneHost = count(env, "OMPI_COMM_WORLD_LOCAL_SIZE") === size;
    const firstNode = env.SLURM_JOB_NODELIST !== undefined ? expandHostlist(env.SLURM_JOB_NODELIST)[0] : undefined;
    const rootHost = given?.host ?? (oneHost ? "127.0.0.1" : firstNode);
    if (rootHost === undefined) {
      throw launchError(
        `mpirun started ${size} ranks on several hosts, and nothing says where rank 0 runs: export DISTRIBUTED_SPMD_ROOT=<rank 0's host>[:port] and pass it with mpirun -x DISTRIBUTED_SPMD_ROOT`,
      );
    }
    const jobId = env.OMPI_MCA_ess_base_jobid ?? env.PMIX_NAMESPACE ?? env.OMPI_MCA_orte_ess_jobid ?? "";
    const envPort = env.DISTRIBUTED_SPMD_PORT !== undefined
      ? hostPort(`x:${env.DISTRIBUTED_SPMD_PORT}`, "DISTRIBUTED_SPMD_PORT").port
      : undefined;
    if (given?.port === undefined && envPort === undefined && jobId === "") {
      throw launchError(
        "mpirun gave no job id to derive a port from: export DISTRIBUTED_SPMD_PORT=<port> (mpirun -x DISTRIBUTED_SPMD_PORT)",
      );
    }
    const port = given?.port ?? envPort ?? derivedPort(jobId);
    const plan: SpmdPlan = {
      rank,
      size,
      jobId,
      stepId: "",
      rootNode: rootHost,
      port,
      portFrom: given?.port !== undefined || envPort !== undefined ? "env" : "derived",
      launcher: "mpirun",
      ...(given !== undefined || oneHost ? { rootAddress: rootHost } : {}),
      ...(oneHost ? { bind: "127.0.0.1" } : {}),
    };
    return { launcher: "mpirun", plan };
  }
  const slurm = spmdPlan(env);
  return slurm === undefined ? { launcher: "alone" } : { launcher: "srun", plan: slurm };
}
