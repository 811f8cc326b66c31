// The SPMD communicator's pure parts: the schedules (every rank's view must agree with every
// other's, for every size up to 33) and the reductions. The algorithms themselves run here over
// an in-process message board, so a schedule that deadlocks or combines wrongly fails.
import t from "tap";
import * as algo from "../../src/spmd/collectives.ts";
import { absorb, checkOp, combine, combineInto } from "../../src/spmd/ops.ts";
import {
  allreduceAlgorithm,
  binomialTree,
  chunkBounds,
  doublingPlan,
  RING_MIN_BYTES,
  ringChunk,
  subtreeSize,
} from "../../src/spmd/schedule.ts";

const SIZES = Array.from({ length: 33 }, (_, i) => i + 1);

t.test("binomial trees: parents and children agree, every rank reached once, depth <= log2", (t) => {
  for (const size of SIZES) {
    for (const root of new Set([0, 1 % size, size - 1])) {
      const problems: string[] = [];
      const places = Array.from({ length: size }, (_, r) => binomialTree(r, size, root));
      if (places[root]!.parent !== -1) problems.push("the root has a parent");
      const reached = new Set<number>([root]);
      for (let r = 0; r < size; r++) {
        for (const c of places[r]!.children) {
          if (places[c]!.parent !== r) problems.push(`${c}'s parent is not ${r}`);
          if (reached.has(c)) problems.push(`${c} reached twice`);
          reached.add(c);
        }
        if (r !== root && !places[places[r]!.parent]!.children.includes(r)) problems.push(`${r} is not its parent's child`);
        const sum = 1 + places[r]!.children.reduce((s, c) => s + subtreeSize(c, size, root), 0);
        if (subtreeSize(r, size, root) !== sum) problems.push(`subtree of ${r}`);
      }
      if (reached.size !== size) problems.push(`reached ${reached.size}`);
      const depth = (r: number): number => (r === root ? 0 : 1 + depth(places[r]!.parent));
      const maxDepth = Math.max(...Array.from({ length: size }, (_, r) => depth(r)));
      if (maxDepth > Math.ceil(Math.log2(size))) problems.push(`depth ${maxDepth}`);
      t.same(problems, [], `${size} ranks, root ${root}`);
    }
  }
  t.same(binomialTree(0, 8, 0), { parent: -1, children: [4, 2, 1] });
  t.same(binomialTree(5, 8, 0), { parent: 4, children: [] });
  t.same(binomialTree(0, 8, 3), { parent: 7, children: [] }, "rooted at 3: rank 0 is relative rank 5");
  t.end();
});

t.test("recursive doubling: partners are mutual, folds pair up, log2 rounds", (t) => {
  for (const size of SIZES) {
    const problems: string[] = [];
    const plans = Array.from({ length: size }, (_, r) => doublingPlan(r, size));
    const p = 2 ** Math.floor(Math.log2(size));
    if (plans.filter((x) => x.fold !== "give").length !== p) problems.push("exchanging ranks");
    for (let r = 0; r < size; r++) {
      const plan = plans[r]!;
      if (plan.fold !== "none" && (plans[plan.partner]!.partner !== r || plans[plan.partner]!.fold === plan.fold)) {
        problems.push(`fold ${r}`);
      }
      if (plan.rounds.length !== (plan.fold === "give" ? 0 : Math.log2(p))) problems.push(`rounds of ${r}`);
      plan.rounds.forEach((w, k) => plans[w]!.rounds[k] !== r && problems.push(`round ${k} of ${r} and ${w}`));
    }
    t.same(problems, [], `${size} ranks`);
  }
  t.end();
});

t.test("ring chunks: what one rank sends is what the next receives", (t) => {
  for (const size of SIZES.slice(1)) {
    for (const phase of ["scatter", "gather"] as const) {
      let bad = 0;
      for (let s = 0; s < size - 1; s++) {
        for (let r = 0; r < size; r++) if (ringChunk(r, size, s, phase).send !== ringChunk((r + 1) % size, size, s, phase).recv) bad++;
      }
      t.equal(bad, 0, `${size} ranks, ${phase}`);
    }
  }
  for (const [length, n] of [[10, 3], [2, 4], [1 << 20, 7]] as const) {
    let at = 0;
    for (let i = 0; i < n; i++) {
      const [from, to] = chunkBounds(length, n, i);
      t.equal(from, at);
      at = to;
    }
    t.equal(at, length);
  }
  t.equal(allreduceAlgorithm(RING_MIN_BYTES, 8192, 4, true), "ring");
  t.equal(allreduceAlgorithm(RING_MIN_BYTES - 1, 8191, 4, true), "doubling");
  t.equal(allreduceAlgorithm(1 << 23, 1 << 20, 4, false), "doubling", "a function may not commute: never the ring");
  t.equal(allreduceAlgorithm(1 << 23, 1 << 20, 2, true), "doubling");
  t.end();
});

t.test("reductions: named operators on numbers, bigints and typed arrays; functions; bad input", (t) => {
  t.equal(combine(2, 3, "+"), 5);
  t.equal(combine(2, 3, "*"), 6);
  t.equal(combine(2, 3, "min"), 2);
  t.equal(combine(2, 3, "max"), 3);
  t.equal(combine(2n, 3n, "+"), 5n);
  t.equal(combine("a", "b", (a: string, b: string) => a + b), "ab");
  const a = new Float64Array([1, 5, -2]);
  t.same(Array.from(combine(a, new Float64Array([4, 2, -3]), "max")), [4, 5, -2]);
  t.same(Array.from(a), [1, 5, -2], "the inputs are not changed");
  t.same(Array.from(combine(new BigInt64Array([1n, 2n]), new BigInt64Array([3n, 4n]), "*")), [3n, 8n]);
  t.same(Array.from(combine(new Int32Array([1, 2]), new Int32Array([3, 4]), (x: number, y: number) => x * 10 + y)), [13, 24]);
  const acc = new Float64Array([1, 2]);
  t.equal(absorb(acc, new Float64Array([10, 20]), (x: number, y: number) => x - y, true), acc, "in place");
  t.same(Array.from(acc), [9, 18], "f(lower rank's, mine)");
  const out = new Float64Array(4);
  combineInto(out, new Float64Array([7, 8]), "+", 2, 4, 0);
  t.same(Array.from(out), [0, 0, 7, 8], "a chunk from a standalone array");
  t.throws(() => combine(new Float64Array(2), new Float64Array(3), "+"), { name: "RangeError", message: /same type and length/ });
  t.throws(() => combine<unknown>(new Float64Array(2), new Int32Array(2), "+"), { name: "RangeError" });
  t.throws(() => combine({ x: 1 }, { x: 2 }, "+"), { name: "TypeError", message: /pass a function/ });
  t.throws(() => checkOp("sum", "allreduce"), { name: "TypeError", message: /allreduce: the operator must be/ });
  t.doesNotThrow(() => checkOp("min", "reduce"));
  t.end();
});

/** Runs one collective on `size` simulated ranks over an in-process board (delivery at once, FIFO per pair). */
async function simulate<T>(size: number, run: (c: algo.Step) => Promise<T>): Promise<T[]> {
  const boxes = new Map<string, { values: unknown[]; waiters: Array<(v: unknown) => void> }>();
  const box = (from: number, to: number, step: number) => {
    const k = `${from}>${to}#${step}`;
    let b = boxes.get(k);
    if (b === undefined) boxes.set(k, b = { values: [], waiters: [] });
    return b;
  };
  const steps = Array.from({ length: size }, (_, rank): algo.Step => ({
    rank,
    size,
    send: (to, step, v) => {
      const copy = ArrayBuffer.isView(v) ? (v as Float64Array).slice() : structuredClone(v);
      const b = box(rank, to, step);
      const w = b.waiters.shift();
      if (w !== undefined) w(copy);
      else b.values.push(copy);
    },
    recv: (from, step) => {
      const b = box(from, rank, step);
      return b.values.length > 0 ? Promise.resolve(b.values.shift()) : new Promise((r) => b.waiters.push(r));
    },
  }));
  const results = await Promise.all(steps.map(run));
  for (const [k, b] of boxes) if (b.values.length > 0) throw new Error(`message ${k} never received`);
  return results;
}

t.test("the algorithms over simulated ranks: every size, every root", async (t) => {
  for (const size of [1, 2, 3, 4, 5, 7, 8, 9, 13]) {
    const expectSum = (size * (size - 1)) / 2;
    t.same(await simulate(size, (c) => algo.allreduce(c, c.rank, "+")), Array(size).fill(expectSum), `allreduce ${size}`);
    const order = await simulate(size, (c) => algo.allreduce(c, String(c.rank), (a: string, b: string) => a + b));
    t.same(order, Array(size).fill(Array.from({ length: size }, (_, r) => r).join("")), `doubling keeps rank order (${size})`);
    const n = 9000 + size; // past the ring's threshold in Float64
    const ring = await simulate(size, (c) => algo.allreduce(c, Float64Array.from({ length: n }, (_, i) => i + c.rank), "+"));
    t.ok(ring.every((r) => r.every((x, i) => x === i * size + expectSum)), `ring allreduce ${size}`);
    for (const root of new Set([0, size - 1, Math.floor(size / 2)])) {
      const reduced = await simulate(size, (c) => algo.reduce(c, String(c.rank), (a: string, b: string) => a + b, root));
      const rel = Array.from({ length: size }, (_, v) => String((v + root) % size)).join("");
      t.same(reduced, Array.from({ length: size }, (_, r) => (r === root ? rel : undefined)), `reduce ${size} root ${root}`);
      t.same(await simulate(size, (c) => algo.bcast(c, c.rank === root ? "v" : null, root)), Array(size).fill("v"));
      const gathered = await simulate(size, (c) => algo.gather(c, c.rank * 2, root));
      t.same(gathered[root], Array.from({ length: size }, (_, r) => r * 2), `gather ${size} root ${root}`);
      const values = Array.from({ length: size }, (_, r) => `x${r}`);
      t.same(
        await simulate(size, (c) => algo.scatter(c, c.rank === root ? values : undefined, root)),
        values,
        `scatter ${size} root ${root}`,
      );
    }
    t.same(await simulate(size, (c) => algo.allgather(c, c.rank)), Array(size).fill(Array.from({ length: size }, (_, r) => r)));
    t.same(await simulate(size, (c) => algo.barrier(c)), Array(size).fill(undefined));
  }
});
