// Shared suite: DArray against workers of one runtime (`pids`: two workers, already added). Every
// result is checked against the same computation done serially here, on the same data.
import type tap from "tap";
import {
  capture,
  copyto,
  DArray,
  DArrayError,
  dfill,
  distribute,
  dmap,
  dones,
  dot,
  drand,
  dzeros,
  fetchfrom,
  halo,
  localindices,
  localpart,
  localReferenceCounts,
  mapreduce,
  myid,
  norm,
  redistribute,
  ReleasedHandleError,
  remotecallFetch,
  RemoteError,
} from "../../src/mod.ts";

type TAP = typeof tap;

/** Chunks each worker holds now. */
export async function chunkCounts(pids: number[]): Promise<number[]> {
  return Promise.all(pids.map((p) => remotecallFetch(() => localReferenceCounts().chunks, p)));
}

/** A column-major n x m matrix with element (i, j) = f(i, j). */
function matrix(n: number, m: number, f: (i: number, j: number) => number): Float64Array {
  const out = new Float64Array(n * m);
  for (let j = 0; j < m; j++) for (let i = 0; i < n; i++) out[i + j * n] = f(i, j);
  return out;
}

export function darraySuite(t: TAP, runtime: string, pids: number[]): void {
  const [a, b] = pids as [number, number];

  t.test("distribute: Julia's split, indices, localindices and localpart on the owners", async (t) => {
    const src = Float64Array.from({ length: 10 }, (_, i) => i * 1.5);
    const D = await distribute(src);
    t.same(D.pids, [a, b], "chunks on workers() by default");
    t.same(D.indices.map((r) => r.map(String)), [["range(0, 5)"], ["range(5, 10)"]]);
    const D4 = await distribute(src, { pids: [b, a] });
    t.same(D4.pids, [b, a], "any pids, in the order given");
    t.same(await fetchfrom(b, capture({ D4 }, () => localindices(D4).map(String))), ["range(0, 5)"]);
    t.same(await fetchfrom(b, capture({ D }, () => localindices(D).map(String))), ["range(5, 10)"]);
    t.same(Array.from(await fetchfrom(b, capture({ D }, () => localpart(D)))), [...src.slice(5)], "the owner's part");
    t.equal(localpart(D).length, 0, "the master holds no chunk: an empty localpart");
    t.same(localindices(D).map((r) => r.length), [0]);
    // Zero-copy on the owner: the same array every time, and a write to it is a write to D.
    t.equal(await fetchfrom(a, capture({ D }, () => localpart(D) === localpart(D))), true, "the chunk itself, not a copy");
    await fetchfrom(a, capture({ D }, () => void (localpart(D)[0] = 100)));
    const back = await D.collect();
    t.equal(back[0], 100, "a write through localpart changed the DArray");
    t.same([...back.slice(1)], [...src.slice(1)]);
    t.type(back, Float64Array, "collect gives the typed array back");
    // As an argument rather than captured.
    t.same(await remotecallFetch((X: DArray) => localindices(X).map(String), a, D), ["range(0, 5)"]);
    D.release();
    D4.release();
  });

  t.test("2-D and 3-D, row blocks, column blocks and the default split, collected back exactly", async (t) => {
    const M = matrix(7, 5, (i, j) => i * 100 + j);
    for (const dist of [[2, 1], [1, 2], undefined]) {
      const D = await distribute(M, { dims: [7, 5], ...(dist ? { dist } : {}) });
      t.same([...(await D.collect())], [...M], `dist ${JSON.stringify(D.dist)}`);
      const k = D.pids.indexOf(b);
      const [rows, cols] = D.indices[k]!;
      const part = await fetchfrom(b, capture({ D }, () => Array.from(localpart(D))));
      t.same(
        part,
        [...matrix(rows!.length, cols!.length, (i, j) => M[rows!.start + i + (cols!.start + j) * 7]!)],
        "the owner's block, column-major",
      );
      D.release();
    }
    const C = Int32Array.from({ length: 4 * 3 * 2 }, (_, i) => i);
    const D3 = await distribute(C, { dims: [4, 3, 2], dist: [1, 1, 2] });
    t.same([...(await D3.collect())], [...C]);
    t.type(await D3.collect(), Int32Array);
    t.equal(await D3.reduce("+"), (23 * 24) / 2);
    D3.release();
  });

  t.test("dzeros, dones, dfill, drand and DArray.create make the chunks on the owners", async (t) => {
    const Z = await dzeros([100, 100], { dist: [2, 1] });
    t.same(Z.indices.map(([r]) => String(r)), ["range(0, 50)", "range(50, 100)"]);
    t.equal(await Z.reduce("max"), 0);
    t.equal(await (await dones(1001)).reduce("+"), 1001);
    const F = await dfill(7, [3, 3], { type: Int32Array });
    t.equal(F.kind, "Int32Array");
    t.same([...(await F.collect())], new Array(9).fill(7));
    const R = await drand(10_000);
    const r = await R.collect();
    t.ok(r.every((x) => x >= 0 && x < 1), "uniform in [0, 1)");
    t.ok(Math.abs((await R.reduce("+")) / 10_000 - 0.5) < 0.05, "mean near 0.5");
    t.not(r[0], r[5000], "each owner draws its own numbers");
    const S = await DArray.create(([rows, cols]) => {
      const out = new Float64Array(rows!.length * cols!.length);
      let k = 0;
      for (const j of cols!) for (const i of rows!) out[k++] = i * 10 + j;
      return out;
    }, [4, 4]);
    t.same([...(await S.collect())], [...matrix(4, 4, (i, j) => i * 10 + j)], "init ran on each owner with its index ranges");
    const where = await DArray.create(([r]) => Array.from(r!, () => myid()), [6]);
    t.same(await where.collect(), [a, a, a, b, b, b], "and ran there");
    for (const X of [Z, F, R, S, where]) X.release();
  });

  t.test("map, reduce, mapreduce, dmap, dot and norm agree with the serial computation", async (t) => {
    const x = Float64Array.from({ length: 10_001 }, (_, i) => Math.sin(i) * 3);
    const y = Float64Array.from({ length: 10_001 }, (_, i) => Math.cos(i) + 2);
    const dA = await distribute(x);
    const dB = await distribute(y);
    const E = await dA.map((v) => 2 * v);
    t.same(E.pids, dA.pids, "the same layout");
    t.same([...(await E.collect())], [...x].map((v) => 2 * v));
    const serialSum = [...x.subarray(0, 5001)].reduce((s, v) => s + v, 0) + [...x.subarray(5001)].reduce((s, v) => s + v, 0);
    t.equal(await dA.reduce("+"), serialSum, "sum: each chunk summed in order, then the chunks");
    t.equal(await dA.reduce("max"), Math.max(...x));
    t.equal(await dA.reduce("min"), Math.min(...x));
    t.equal(await dA.reduce((p, q) => (Math.abs(q) > Math.abs(p) ? q : p)), [...x].reduce((p, q) => (Math.abs(q) > Math.abs(p) ? q : p)));
    t.equal(await mapreduce(Math.abs, "max", dA), Math.max(...[...x].map(Math.abs)), "Math.abs travels by name");
    t.equal(await mapreduce((v: number) => v * v, "+", dA), serialDot(x, x));
    const dC = await dmap((p: number, q: number) => 2 * p / q, dA, dB); // seed 003's 2 .* dA ./ dB
    t.same([...(await dC.collect())], [...x].map((p, i) => 2 * p / y[i]!));
    t.equal(await dot(dA, dB), serialDot(x, y));
    t.equal(await norm(dB), Math.sqrt(serialDot(y, y)));
    t.equal(
      await norm(dA, 1),
      [...x.subarray(0, 5001)].reduce((s, v) => s + Math.abs(v), 0) + [...x.subarray(5001)].reduce((s, v) => s + Math.abs(v), 0),
    );
    t.equal(await norm(dA, Infinity), Math.max(...[...x].map(Math.abs)));
    const scale = 3;
    const dS = await dA.map(capture({ scale }, (v: number) => v * scale));
    t.equal((await dS.collect())[7], x[7]! * 3, "a captured value goes with the function");
    const dI = await dA.map((v) => Math.round(v), { type: Int32Array });
    t.equal(dI.kind, "Int32Array");
    for (const X of [dA, dB, E, dC, dS, dI]) X.release();
  });

  t.test("elementwise work over different layouts is refused with ERR_DARRAY_DISTRIBUTION naming both; redistribute fixes it", async (t) => {
    const dA = await distribute(new Float64Array([1, 2, 3, 4, 5]));
    const dB = await distribute(new Float64Array([5, 4, 3, 2, 1]), { pids: [b, a] });
    const err = await dmap((p: number, q: number) => p + q, dA, dB).catch((e: unknown) => e);
    t.type(err, DArrayError);
    t.equal((err as DArrayError).code, "ERR_DARRAY_DISTRIBUTION");
    t.match(
      (err as Error).message,
      `argument 1 has dims [5], dist [2] on pids [${a}, ${b}], argument 2 has dims [5], dist [2] on pids [${b}, ${a}]`,
    );
    t.rejects(dot(dA, dB), { code: "ERR_DARRAY_DISTRIBUTION" });
    const dB2 = await redistribute(dB, dA);
    t.same([...(await (await dmap((p: number, q: number) => p + q, dA, dB2)).collect())], [6, 6, 6, 6, 6]);
    const M = matrix(6, 6, (i, j) => i * 6 + j);
    const rows = await distribute(M, { dims: [6, 6], dist: [2, 1] });
    const cols = await redistribute(rows, { dist: [1, 2] });
    t.same(cols.indices.map(([, c]) => String(c)), ["range(0, 3)", "range(3, 6)"]);
    t.same([...(await cols.collect())], [...M], "column blocks made from row blocks, worker to worker");
    const dest = await dzeros([6, 6], { dist: [2, 1] });
    await copyto(dest, cols);
    t.same([...(await dest.collect())], [...M], "copyto writes into dest's chunks");
    await t.rejects(dmap(() => 1, dA, 3 as unknown as DArray), { name: "TypeError", message: /argument 2 must be a DArray/ });
    for (const X of [dA, dB, dB2, rows, cols, dest]) X.release();
  });

  t.test("matrix-vector products and seed 003's power method on DArrays match the serial ones", async (t) => {
    const n = 64;
    const Mx = matrix(n, n, (i, j) => 1 / (1 + i + j) + (i === j ? 2 : 0));
    const v0 = Float64Array.from({ length: n }, (_, i) => 1 + (i % 3));
    const M = await distribute(Mx, { dims: [n, n], dist: [2, 1] });
    const serialMul = (v: Float64Array): Float64Array => {
      const out = new Float64Array(n);
      for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) out[i]! += Mx[i + j * n]! * v[j]!;
      return out;
    };
    t.same([...(await (await M.mul(v0)).collect())], [...serialMul(v0)], "with a plain vector");
    let dv = await distribute(v0);
    let sv = v0;
    for (let k = 0; k < 20; k++) {
      const w = await M.mul(dv);
      const nw = await norm(w);
      dv.release();
      dv = await w.map(capture({ nw }, (x: number) => x / nw));
      w.release();
      const sw = serialMul(sv);
      const ns = Math.sqrt(serialDot(sw, sw));
      sv = sw.map((x) => x / ns);
    }
    const got = await dv.collect();
    t.ok(got.every((x, i) => Math.abs(x - sv[i]!) < 1e-12), "the same eigenvector");
    await t.rejects(M.mul(new Float64Array(3)), { name: "RangeError", message: /M has 64 columns but v has 3 elements/ });
    const cols = await dzeros([4, 4], { dist: [1, 2] });
    await t.rejects(cols.mul(new Float64Array(4)), { message: /cut in row blocks/ });
    for (const X of [M, dv, cols]) X.release();
  });

  t.test("halo: an owner's block widened by ghost cells fetched from its neighbours, clipped at the edges", async (t) => {
    const M = matrix(6, 8, (i, j) => i * 10 + j);
    for (const dist of [[1, 2], [2, 1]]) {
      const D = await distribute(M, { dims: [6, 8], dist });
      for (const p of [a, b]) {
        const k = D.pids.indexOf(p);
        const idx = D.indices[k]!;
        const lo = idx.map((r) => Math.max(0, r.start - 2));
        const hi = idx.map((r, d) => Math.min([6, 8][d]!, r.stop + 2));
        const h = await fetchfrom(
          p,
          capture({ D }, async () => {
            const { data, dims, start } = await halo(D, 2);
            return { data: Array.from(data), dims, start };
          }),
        );
        t.same(h.start, lo, `dist ${dist}, worker ${p}: where the widened block starts`);
        t.same(h.dims, hi.map((x, d) => x - lo[d]!));
        t.same(h.data, [...matrix(h.dims[0]!, h.dims[1]!, (i, j) => M[lo[0]! + i + (lo[1]! + j) * 6]!)], "its elements, ghosts included");
      }
      await t.rejects(halo(D, 1), { name: "RangeError", message: /this process holds no chunk/ });
      D.release();
    }
  });

  t.test("a DArray of objects: matrices and plain objects, mapped on the owner of each element", async (t) => {
    const mats = Array.from({ length: 10 }, (_, k) => ({ n: 2, data: [k, 1, 1, k] }));
    const D = await distribute(mats);
    t.equal(D.kind, "object");
    t.same(D.indices.map(([r]) => String(r)), ["range(0, 5)", "range(5, 10)"]);
    const traces = await D.map((m: { data: number[] }) => m.data[0]! + m.data[3]!);
    t.same([...(await traces.collect())], mats.map((m) => 2 * m.data[0]!), "numbers from objects");
    const owners = await D.map(() => ({ on: myid() }));
    t.same((await owners.collect()).map((o) => o.on), [a, a, a, a, a, b, b, b, b, b], "each element mapped where it lives");
    t.same(await fetchfrom(b, capture({ D }, () => localpart(D).length)), 5);
    for (const X of [D, traces, owners]) X.release();
  });

  t.test("release: a released DArray refuses work, its chunks are freed, a handle sent on keeps them alive until dropped", async (t) => {
    const before = await chunkCounts(pids);
    const D = await dones(100);
    t.same(await chunkCounts(pids), before.map((c) => c + 1), "one chunk on each worker");
    // A worker keeps the handle it received in a global: the chunks stay while it holds it.
    await remotecallFetch((X: DArray) => void ((globalThis as { kept?: DArray }).kept = X), a, D);
    D.release();
    t.throws(() => localpart(D), ReleasedHandleError);
    await t.rejects(D.reduce("+"), { code: "ERR_RELEASED", message: /DArray.mapreduce/ });
    t.same(await chunkCounts(pids), before.map((c) => c + 1), "still held by worker a's handle");
    t.equal(await remotecallFetch(() => (globalThis as { kept?: DArray }).kept!.reduce("+"), a), 100, "worker a still uses it");
    await remotecallFetch(() => (globalThis as { kept?: DArray }).kept!.release(), a);
    await waitFor(async () => (await chunkCounts(pids)).every((c, i) => c === before[i]), "the chunks to be freed");
    t.pass("freed once the last holder let go");
    {
      using U = await dzeros(10);
      t.equal(await U.reduce("+"), 0);
    }
    await waitFor(async () => (await chunkCounts(pids)).every((c, i) => c === before[i]), "`using` to free the chunks");
    t.pass("`using` released them");
  });

  t.test("errors on the owners come back as RemoteError; bad arguments throw at the call site", async (t) => {
    const D = await distribute(new Float64Array([1, 2, 3, 4]));
    const err = await D.map((x) => {
      if (x === 3) throw new RangeError(`bad ${x}`);
      return x;
    }).catch((e: unknown) => e);
    t.type(err, RemoteError);
    t.equal((err as RemoteError).remote.message, "bad 3");
    await t.rejects(distribute(new Float64Array(4), { dims: [3] }), {
      name: "RangeError",
      message: /dims \[3\] hold 3 elements, but the array has 4/,
    });
    await t.rejects(async () => distribute(new Float64Array(4), { dist: [3] }), {
      message: /dist \[3\] makes 3 chunks, but there are 2 pids/,
    });
    await t.rejects(async () => dzeros(4, { type: Array as never }), { name: "TypeError", message: /type must be a typed array class/ });
    await t.rejects(async () => distribute("abc" as never), { name: "TypeError" });
    t.equal(await D.reduce("+"), 10, "the workers are fine");
    D.release();
  });

  t.comment(`DArray suite done on ${runtime} workers`);
}

function serialDot(x: ArrayLike<number>, y: ArrayLike<number>): number {
  // In the owners' order: the first chunk, then the second, then the two sums added.
  const half = Math.ceil(x.length / 2);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < half; i++) s1 += x[i]! * y[i]!;
  for (let i = half; i < x.length; i++) s2 += x[i]! * y[i]!;
  return s1 + s2;
}

async function waitFor(cond: () => Promise<boolean>, what: string): Promise<void> {
  const start = Date.now();
  while (!(await cond())) {
    if (Date.now() - start > 10_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
