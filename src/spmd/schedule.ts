/**
 * Who talks to whom in each collective, pure: binomial trees (bcast, reduce, gather, scatter),
 * recursive doubling with the usual fold-in of the ranks beyond a power of two (small
 * allreduce, barrier), and the ring (large allreduce: a reduce-scatter then an allgather, each
 * rank sending 2(n-1)/n of the data whatever n, the bandwidth-optimal schedule). Ranks here are
 * ranks of the communicator; trees are rooted anywhere by working in ranks relative to the root.
 *
 * @example
 * ```ts
 * binomialTree(0, 8, 0);        // { parent: -1, children: [4, 2, 1] }
 * binomialTree(5, 8, 0);        // { parent: 4, children: [] }
 * doublingPlan(4, 6);           // { fold: "keep", partner: 5, rounds: [...] } (6 = 4 + 2 ranks folded in)
 * ringChunk(1, 4, 0, "scatter"); // { send: 1, recv: 0 }
 * ```
 * @module
 */

/** A rank's place in a binomial tree: its parent (-1 for the root) and its children, farthest subtree first. */
export interface TreePlace {
  parent: number;
  children: number[];
}

/**
 * The binomial tree over `size` ranks rooted at `root`. A bcast receives from `parent` then sends
 * to `children` in order (the largest subtree first, so the deepest path starts earliest); a
 * reduce receives from `children` in reverse order (nearest first) and sends to `parent`.
 * Relative rank v's parent is v with its lowest set bit cleared; its children are v + 2^k for
 * every 2^k below that bit. Depth: ceil(log2(size)).
 */
export function binomialTree(rank: number, size: number, root: number): TreePlace {
  const v = (rank - root + size) % size;
  let mask = 1;
  let parent = -1;
  while (mask < size) {
    if ((v & mask) !== 0) {
      parent = ((v - mask) + root) % size;
      break;
    }
    mask <<= 1;
  }
  const children: number[] = [];
  for (mask >>= 1; mask > 0; mask >>= 1) if (v + mask < size) children.push(((v + mask) + root) % size);
  return { parent, children };
}

/** The ranks of the subtree under `rank` (itself first), relative to the root: what a gather collects through it. */
export function subtreeSize(rank: number, size: number, root: number): number {
  const v = (rank - root + size) % size;
  let low = 1;
  while (low < size && (v & low) === 0) low <<= 1;
  return Math.min(low, size - v);
}

/**
 * Recursive doubling for `size` ranks that need not be a power of two: with p the largest power
 * of two <= size and r = size - p, each of the first 2r ranks pairs up; the even one of a pair
 * ("fold") hands its value to the odd one and waits for the result, the odd one ("keep") joins
 * the p ranks that exchange with rank XOR 2^k in log2(p) rounds, then hands the result back.
 * `rounds` are real ranks, in order; `partner` is the pair's other rank (-1 when not paired).
 */
export interface DoublingPlan {
  fold: "none" | "keep" | "give";
  partner: number;
  rounds: number[];
}

/** The recursive-doubling plan of `rank` among `size` ranks. */
export function doublingPlan(rank: number, size: number): DoublingPlan {
  let p = 1;
  while (p * 2 <= size) p *= 2;
  const r = size - p;
  let fold: DoublingPlan["fold"] = "none";
  let partner = -1;
  let v: number;
  if (rank < 2 * r) {
    if (rank % 2 === 0) return { fold: "give", partner: rank + 1, rounds: [] };
    fold = "keep";
    partner = rank - 1;
    v = rank >> 1;
  } else {
    v = rank - r;
  }
  const rounds: number[] = [];
  for (let mask = 1; mask < p; mask <<= 1) {
    const w = v ^ mask;
    rounds.push(w < r ? w * 2 + 1 : w + r);
  }
  return { fold, partner, rounds };
}

/**
 * Step `step` (0 .. size-2) of a ring phase for `rank`: the chunk it sends to rank + 1 and the
 * chunk it receives from rank - 1. In "scatter" (reduce-scatter) the received chunk is combined
 * into its own, and after size-1 steps rank r holds the full reduction of chunk (r + 1) % size;
 * in "gather" (allgather) the received chunk replaces its own, spreading those reductions.
 */
export function ringChunk(rank: number, size: number, step: number, phase: "scatter" | "gather"): { send: number; recv: number } {
  const shift = phase === "scatter" ? 0 : 1;
  const mod = (x: number): number => ((x % size) + size) % size;
  return { send: mod(rank - step + shift), recv: mod(rank - step - 1 + shift) };
}

/** Chunk bounds [from, to) of `length` elements split into `n` nearly equal contiguous chunks. */
export function chunkBounds(length: number, n: number, i: number): [number, number] {
  const base = Math.floor(length / n);
  const extra = length % n;
  const from = i * base + Math.min(i, extra);
  return [from, from + base + (i < extra ? 1 : 0)];
}

/**
 * Which allreduce to run: the ring for large typed arrays under a named (commutative)
 * operator, where bandwidth dominates; recursive doubling otherwise, where latency does
 * (log2 n rounds instead of 2(n-1)). The threshold is a message size, as MPI libraries choose.
 */
export function allreduceAlgorithm(bytes: number, length: number, size: number, namedOp: boolean): "ring" | "doubling" {
  return namedOp && size > 2 && length >= size && bytes >= RING_MIN_BYTES ? "ring" : "doubling";
}

/** Below this many bytes allreduce uses recursive doubling (latency-bound); at or above, the ring. */
export const RING_MIN_BYTES = 64 * 1024;
