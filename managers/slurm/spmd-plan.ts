/**
 * SPMD start-up, the pure part: who this task is, where task 0 listens, and the one-line
 * registration a task sends there. See spmd.ts for the whole story.
 *
 * @example
 * ```ts
 * const plan = spmdPlan({ SLURM_PROCID: "3", SLURM_STEP_NUM_TASKS: "8", SLURM_JOB_ID: "41", SLURM_STEP_ID: "0", SLURM_STEP_NODELIST: "dn[1-2]" });
 * // { rank: 3, size: 8, jobId: "41", stepId: "0", rootNode: "dn1", port: 25371, portFrom: "derived" }
 * formatRegistration({ rank: 3, host: "10.0.0.2", port: 40100, fingerprint: "ab12cd34" });
 * // "distributed_spmd 3 10.0.0.2 40100 ab12cd34"
 * ```
 * @module
 */
import { DistributedError } from "../../src/internal.ts";
import { expandHostlist } from "./hostlist.ts";

/** This task's place in an SPMD launch. */
export interface SpmdPlan {
  rank: number;
  size: number;
  jobId: string;
  stepId: string;
  /** The node task 0 runs on: the first of the step's nodes (srun's block and cyclic layouts both put task 0 there). */
  rootNode: string;
  /** The port task 0 listens on for registrations. */
  port: number;
  /** Where the port came from: Slurm's reserved ports, DISTRIBUTED_SPMD_PORT, or derived from the job and step ids. */
  portFrom: "slurm" | "env" | "derived";
  /** Task 0's address when the launcher gives it (mpirun, `distributed spmd`); else `rootNode`'s NodeAddr. */
  rootAddress?: string;
  /** The address every task listens on (default "0.0.0.0"; "127.0.0.1" for `distributed spmd` on one machine). */
  bind?: string;
  /** Who started the tasks, for messages and worker labels (default "srun"). */
  launcher?: string;
}

/**
 * The plan for this task, or undefined when srun did not start several tasks of this script
 * (no SLURM_PROCID, or a single task: the batch script itself, a laptop). Throws when the
 * variables are there but inconsistent.
 */
export function spmdPlan(env: Record<string, string | undefined>): SpmdPlan | undefined {
  const size = Number(env.SLURM_STEP_NUM_TASKS ?? env.SLURM_NTASKS);
  if (env.SLURM_PROCID === undefined || env.SLURM_STEP_ID === undefined || !(size > 1)) return undefined;
  const rank = Number(env.SLURM_PROCID);
  if (!/^\d+$/.test(env.SLURM_PROCID) || rank >= size) {
    throw new DistributedError("ERR_SLURM_ENV", `SLURM_PROCID=${env.SLURM_PROCID} is not a task of a ${size}-task step`);
  }
  const jobId = env.SLURM_JOB_ID ?? "";
  const stepId = env.SLURM_STEP_ID;
  if (!/^\d+$/.test(stepId)) throw new DistributedError("ERR_SLURM_ENV", `SLURM_STEP_ID=${stepId} is not a step id`);
  const nodelist = env.SLURM_STEP_NODELIST ?? env.SLURM_JOB_NODELIST;
  if (!/^\d+$/.test(jobId) || nodelist === undefined) {
    throw new DistributedError(
      "ERR_SLURM_ENV",
      "SLURM_JOB_ID or SLURM_STEP_NODELIST is missing: start the script with srun inside a Slurm allocation",
    );
  }
  const rootNode = expandHostlist(nodelist)[0];
  if (rootNode === undefined) throw new DistributedError("ERR_SLURM_ENV", `SLURM_STEP_NODELIST=${nodelist} names no node`);
  const reserved = /^(\d+)/.exec(env.SLURM_STEP_RESV_PORTS ?? "")?.[1];
  if (reserved !== undefined) return { rank, size, jobId, stepId, rootNode, port: Number(reserved), portFrom: "slurm" };
  if (env.DISTRIBUTED_SPMD_PORT !== undefined) {
    const port = Number(env.DISTRIBUTED_SPMD_PORT);
    if (!/^\d+$/.test(env.DISTRIBUTED_SPMD_PORT) || !(port > 0 && port < 65536)) {
      throw new RangeError(`DISTRIBUTED_SPMD_PORT must be a port number, got ${JSON.stringify(env.DISTRIBUTED_SPMD_PORT)}`);
    }
    return { rank, size, jobId, stepId, rootNode, port, portFrom: "env" };
  }
  // Every task computes the same port without talking to the others: a different one per job
  // step, in a range clear of the usual services and of the kernel's ephemeral ports.
  const port = 20000 + ((Number(jobId) * 131 + Number(stepId) * 7) % 12000);
  return { rank, size, jobId, stepId, rootNode, port, portFrom: "derived" };
}

/** What a task tells task 0: where its worker listens, and which cookie it holds. */
export interface Registration {
  rank: number;
  host: string;
  port: number;
  /** A short MAC of a fixed text under the cookie: equal cookies give equal fingerprints; it reveals nothing of the cookie. */
  fingerprint: string;
}

/** The registration line (without "\n"). */
export function formatRegistration(r: Registration): string {
  return `distributed_spmd ${r.rank} ${r.host} ${r.port} ${r.fingerprint}`;
}

/** Parses a registration line; null when it is not one. */
export function parseRegistration(line: string): Registration | null {
  const m = /^distributed_spmd (\d+) (\S+) (\d+) ([0-9a-f]+)$/.exec(line.trim());
  return m === null ? null : { rank: Number(m[1]), host: m[2]!, port: Number(m[3]), fingerprint: m[4]! };
}
