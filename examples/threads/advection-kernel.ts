/**
 * Seed 003's advection kernel, `q[i,j,t+1] = q[i,j,t] + u[i,j,t]` over SharedArrays of shape
 * [n1, n2, nt], and the helpers that split it among a SharedArray's participants. Loaded on
 * every process, thread worker and pool thread with `everywhere(url)` (Julia's
 * `@everywhere function ...`), so these functions travel by reference.
 *
 * Indices are 0-based; ranges are `range(start, stop)` with stop exclusive.
 *
 * @example
 * ```ts
 * await everywhere(new URL("./advection-kernel.ts", import.meta.url));
 * advectionChunk(q, u, range(0, n1), range(0, n2), range(0, nt - 1)); // the whole array
 * ```
 * @module
 */
import { indexpids, myid, type Range, range, type SharedArray } from "distributed";

/**
 * The `(irange, jrange)` this process is assigned: all rows, and its share of the columns
 * (the second dimension) by its index among q's participants; empty ranges when it does not
 * participate. Julia's `myrange(q)`.
 */
export function myrange(q: SharedArray): [Range, Range] {
  const idx = indexpids(q);
  if (idx === 0) return [range(0, 0), range(0, 0)]; // this process is not assigned a piece
  const nchunks = q.pids.length;
  const n2 = q.shape[1]!;
  const splits = Array.from({ length: nchunks + 1 }, (_, s) => Math.round((s * n2) / nchunks));
  return [range(0, q.shape[0]!), range(splits[idx - 1]!, splits[idx]!)];
}

/** `q[i,j,t+1] = q[i,j,t] + u[i,j,t]` for t in trange, j in jrange, i in irange (i fastest). */
export function advectionChunk(q: SharedArray, u: SharedArray, irange: Range, jrange: Range, trange: Range): void {
  const [n1, n2] = q.shape as [number, number, number];
  const plane = n1 * n2;
  const Q = q.data;
  const U = u.data;
  const { start: i0, step: di, length: ni } = irange;
  const { start: j0, step: dj, length: nj } = jrange;
  const { start: t0, step: dt, length: nt } = trange;
  for (let a = 0; a < nt; a++) {
    const t = t0 + a * dt;
    for (let b = 0; b < nj; b++) {
      const base = (j0 + b * dj) * n1 + t * plane;
      for (let c = 0; c < ni; c++) {
        const k = base + i0 + c * di;
        Q[k + plane] = Q[k]! + U[k]!;
      }
    }
  }
}

/** What one participant did in advectionSharedChunk: its ranges and when it ran. */
export interface ChunkReport {
  pid: number;
  irange: [number, number];
  jrange: [number, number];
  trange: [number, number];
  /** Wall-clock start and end (Date.now(), comparable between the threads of one process). */
  started: number;
  ended: number;
}

/** This process's chunk of the whole run (Julia's `advection_shared_chunk!`); reports what it did. */
export function advectionSharedChunk(q: SharedArray, u: SharedArray): ChunkReport {
  const started = Date.now();
  const [irange, jrange] = myrange(q);
  const trange = range(0, q.shape[2]! - 1);
  advectionChunk(q, u, irange, jrange, trange);
  const bounds = (r: Range): [number, number] => [r.start, r.stop];
  return { pid: myid(), irange: bounds(irange), jrange: bounds(jrange), trange: bounds(trange), started, ended: Date.now() };
}
