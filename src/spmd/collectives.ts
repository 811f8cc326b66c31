/**
 * The collectives' algorithms, over a communicator's messages of one collective call (`Step`:
 * send to a rank / receive from a rank, numbered by step). The communicator (comm.ts) numbers
 * the calls and checks that every rank makes the same one; here is only who sends what:
 * - bcast, reduce: binomial trees (log2 n rounds, no rank sends more than log2 n messages);
 * - gather, scatter: binomial trees carrying the subtree's values (root sends/receives log2 n
 *   messages, not n - 1);
 * - allreduce: recursive doubling (log2 n rounds) for small values, the ring (reduce-scatter
 *   then allgather, 2 (n-1)/n of the data per rank) for large typed arrays, chosen by size;
 * - allgather: gather then bcast of the array; barrier: recursive doubling of nothing.
 * The schedules are pure (schedule.ts), so are the reductions (ops.ts).
 *
 * @example
 * ```ts
 * const sum = await allreduce(step, new Float64Array([1, 2]), "+"); // through the comm's Step
 * ```
 * @module
 */
import { absorb, combineInto, isTypedArray, type OpArg, own, type TypedArray } from "./ops.ts";
import { allreduceAlgorithm, binomialTree, chunkBounds, doublingPlan, ringChunk, subtreeSize } from "./schedule.ts";

/** One collective call's messages on one rank. */
export interface Step {
  rank: number;
  size: number;
  send(to: number, step: number, value: unknown): void;
  recv(from: number, step: number): Promise<unknown>;
}

/** Every rank gets root's value. */
export async function bcast<T>(c: Step, value: T, root: number): Promise<T> {
  const { parent, children } = binomialTree(c.rank, c.size, root);
  const v = parent >= 0 ? (await c.recv(parent, 0)) as T : value;
  for (const child of children) c.send(child, 0, v);
  return v;
}

/** root gets the reduction in rank order (relative to root); the others get undefined. */
export async function reduce<T>(c: Step, value: T, op: OpArg, root: number): Promise<T | undefined> {
  const { parent, children } = binomialTree(c.rank, c.size, root);
  let acc = children.length > 0 ? own(value) : value;
  for (let k = children.length - 1; k >= 0; k--) acc = absorb(acc, (await c.recv(children[k]!, 0)) as T, op, false);
  if (parent < 0) return acc;
  c.send(parent, 0, acc);
  return undefined;
}

/** Every rank gets the reduction: doubling or ring by size. */
export function allreduce<T>(c: Step, value: T, op: OpArg): Promise<T> {
  if (c.size === 1) return Promise.resolve(value);
  if (isTypedArray(value) && allreduceAlgorithm(value.byteLength, value.length, c.size, typeof op === "string") === "ring") {
    return ring(c, value, op) as Promise<T>;
  }
  return doubling(c, value, op);
}

async function doubling<T>(c: Step, value: T, op: OpArg): Promise<T> {
  const plan = doublingPlan(c.rank, c.size);
  if (plan.fold === "give") {
    c.send(plan.partner, 0, value);
    return (await c.recv(plan.partner, 99)) as T;
  }
  let acc = own(value);
  if (plan.fold === "keep") acc = absorb(acc, (await c.recv(plan.partner, 0)) as T, op, true);
  for (let k = 0; k < plan.rounds.length; k++) {
    const w = plan.rounds[k]!;
    c.send(w, k + 1, acc); // the frame holds a copy: acc may change at once
    acc = absorb(acc, (await c.recv(w, k + 1)) as T, op, w < c.rank);
  }
  if (plan.fold === "keep") c.send(plan.partner, 99, acc);
  return acc;
}

async function ring(c: Step, value: TypedArray, op: OpArg): Promise<TypedArray> {
  const n = c.size;
  const out = value.slice();
  const right = (c.rank + 1) % n;
  const left = (c.rank - 1 + n) % n;
  const bounds = (i: number): [number, number] => chunkBounds(out.length, n, i);
  for (let s = 0; s < n - 1; s++) {
    const { send, recv } = ringChunk(c.rank, n, s, "scatter");
    const [sf, st] = bounds(send);
    c.send(right, s, out.subarray(sf, st));
    const [rf, rt] = bounds(recv);
    combineInto(out, (await c.recv(left, s)) as TypedArray, op, rf, rt, 0);
  }
  for (let s = 0; s < n - 1; s++) {
    const { send, recv } = ringChunk(c.rank, n, s, "gather");
    const [sf, st] = bounds(send);
    c.send(right, n + s, out.subarray(sf, st));
    const [rf] = bounds(recv);
    out.set((await c.recv(left, n + s)) as TypedArray as never, rf);
  }
  return out;
}

/** root gets every rank's value, in rank order; the others get undefined. */
export async function gather<T>(c: Step, value: T, root: number): Promise<T[] | undefined> {
  const { parent, children } = binomialTree(c.rank, c.size, root);
  // The subtree's values in relative-rank order: this rank's, then each child's subtree, nearest first.
  let values: T[] = [value];
  for (let k = children.length - 1; k >= 0; k--) values = values.concat((await c.recv(children[k]!, 0)) as T[]);
  if (parent >= 0) {
    c.send(parent, 0, values);
    return undefined;
  }
  // Relative rank v is rank (v + root) % size.
  return Array.from({ length: c.size }, (_, r) => values[(r - root + c.size) % c.size]!);
}

/** Every rank gets every rank's value, in rank order. */
export async function allgather<T>(c: Step, value: T): Promise<T[]> {
  const all = await gather(c, value, 0);
  return bcastAt(c, all as T[], 0, 1);
}

async function bcastAt<T>(c: Step, value: T, root: number, step: number): Promise<T> {
  const { parent, children } = binomialTree(c.rank, c.size, root);
  const v = parent >= 0 ? (await c.recv(parent, step)) as T : value;
  for (const child of children) c.send(child, step, v);
  return v;
}

/** Rank r gets values[r] of root's array. */
export async function scatter<T>(c: Step, values: readonly T[] | undefined, root: number): Promise<T> {
  const { parent, children } = binomialTree(c.rank, c.size, root);
  // This rank's slice, in relative-rank order: its own value first, then its children's subtrees.
  let slice: T[];
  if (parent >= 0) slice = (await c.recv(parent, 0)) as T[];
  else slice = Array.from({ length: c.size }, (_, v) => values![(v + root) % c.size]!);
  const v = (c.rank - root + c.size) % c.size;
  for (const child of children) {
    const cv = (child - root + c.size) % c.size;
    c.send(child, 0, slice.slice(cv - v, cv - v + subtreeSize(child, c.size, root)));
  }
  return slice[0]!;
}

/** Returns once every rank has entered. */
export async function barrier(c: Step): Promise<void> {
  await doubling(c, 0, "+");
}
