/**
 * What bench/advection.ts runs on its workers, loaded with everywhere(url): seed 003's
 * `advection_shared_chunk!` (examples/threads/advection-kernel.ts) repeated `sweeps` times in
 * one call, so that one call is enough work to dwarf its round trip. Each sweep recomputes
 * q[:, :, 2:end] from q[:, :, 1] and u, so every sweep leaves the same q.
 *
 * @example
 * ```ts
 * await everywhere(new URL("./advection-task.js", import.meta.url));
 * await remotecallFetch(advectionSweeps, pid, q, u, 50);   // { pid, ms }: this worker's columns, 50 times
 * ```
 * @module
 */
import { myid, range, type SharedArray } from "distributed";
import { advectionChunk, myrange } from "../examples/threads/advection-kernel.ts";

/** What one worker did: its pid and its own compute time (ms). */
export interface SweepReport {
  pid: number;
  ms: number;
}

/** This process's block of columns (by its index among q's participants), all time steps, `sweeps` times. */
export function advectionSweeps(q: SharedArray, u: SharedArray, sweeps: number): SweepReport {
  const t0 = performance.now();
  const [irange, jrange] = myrange(q);
  const trange = range(0, q.shape[2]! - 1);
  for (let s = 0; s < sweeps; s++) advectionChunk(q, u, irange, jrange, trange);
  return { pid: myid(), ms: performance.now() - t0 };
}

/** The whole array, `sweeps` times, in this process: the serial reference. */
export function advectionSerialSweeps(q: SharedArray, u: SharedArray, sweeps: number): void {
  const trange = range(0, q.shape[2]! - 1);
  for (let s = 0; s < sweeps; s++) advectionChunk(q, u, range(0, q.shape[0]!), range(0, q.shape[1]!), trange);
}
