// The block distribution's arithmetic (src/arrays/distribution.ts) against DistributedArrays.jl's
// defaultdist and chunk bounds, and the column-major block copies between a chunk and an array.
import t from "tap";
import {
  chunkCoords,
  chunkDims,
  chunkIndices,
  copyBlock,
  defaultdist,
  describeLayout,
  makeLayout,
  sameLayout,
  splitCuts,
} from "../../src/arrays/distribution.ts";

t.test("defaultdist gives the largest prime factors to the largest dimensions, as Julia does", (t) => {
  t.same(defaultdist([100], 4), [4]);
  t.same(defaultdist([100, 50], 6), [3, 2], "3 to the 100, then the 2 to the larger of 33 and 50");
  t.same(defaultdist([1000, 1000], 2), [2, 1], "ties go to the first dimension");
  t.same(defaultdist([10, 10], 4), [2, 2], "2 then 2: after the first cut 5 < 10, so the second goes to the other");
  t.same(defaultdist([8, 8, 8], 8), [2, 2, 2]);
  t.same(defaultdist([30, 1], 12), [12, 1]);
  t.same(defaultdist([7], 1), [1]);
  t.same(defaultdist([100, 100], 7), [7, 1], "a prime count cuts one dimension");
  t.end();
});

t.test("chunk bounds: the first n % chunks blocks are one longer (seed 001's 10 on 4: 1:3, 4:6, 7:8, 9:10)", (t) => {
  t.same(splitCuts(10, 4), [0, 3, 6, 8, 10]);
  t.same(splitCuts(10, 2), [0, 5, 10]);
  t.same(splitCuts(3, 5), [0, 1, 2, 3, 3, 3], "more chunks than elements: the last are empty");
  t.same(splitCuts(0, 2), [0, 0, 0]);
  for (let n = 0; n < 40; n++) {
    for (let c = 1; c < 9; c++) {
      const cuts = splitCuts(n, c);
      const sizes = cuts.slice(1).map((x, i) => x - cuts[i]!);
      if (cuts[c] !== n || Math.max(...sizes) - Math.min(...sizes) > 1) t.fail(`splitCuts(${n}, ${c}) = ${cuts}`);
    }
  }
  t.end();
});

t.test("a layout numbers its chunks column-major over the chunk grid, as reshape(pids, dist)", (t) => {
  const L = makeLayout([6, 4], [2, 3, 4, 5, 6, 7], [3, 2]);
  t.same(L.cuts, [[0, 2, 4, 6], [0, 2, 4]]);
  t.same(chunkCoords(L, 0), [0, 0]);
  t.same(chunkCoords(L, 1), [1, 0]);
  t.same(chunkCoords(L, 3), [0, 1]);
  t.same(chunkIndices(L, 4).map(String), ["range(2, 4)", "range(2, 4)"]);
  t.same(chunkDims(L, 5), [2, 2]);
  t.equal(describeLayout(L), "dims [6, 4], dist [3, 2] on pids [2, 3, 4, 5, 6, 7]");
  t.ok(sameLayout(L, makeLayout([6, 4], [2, 3, 4, 5, 6, 7])), "the default for 6 is [3, 2] here");
  t.notOk(sameLayout(L, makeLayout([6, 4], [2, 3, 4, 5, 6, 7], [2, 3])));
  t.notOk(sameLayout(L, makeLayout([6, 4], [3, 2, 4, 5, 6, 7], [3, 2])), "the same cuts on other owners differ");
  t.end();
});

t.test("bad layouts are refused naming the argument", (t) => {
  t.throws(() => makeLayout([10], [2, 3], [3]), { name: "RangeError", message: /dist \[3\] makes 3 chunks, but there are 2 pids/ });
  t.throws(() => makeLayout([10], [2, 2]), { message: /pids must not repeat/ });
  t.throws(() => makeLayout([-1], [2]), { message: /dims must be a non-empty list of non-negative integers/ });
  t.throws(() => makeLayout([10, 10], [2, 3], [2]), { message: /dist must give a positive number of chunks for each of the 2 dimensions/ });
  t.throws(() => makeLayout([10], []), { message: /no processes to hold the chunks/ });
  t.end();
});

t.test("copyBlock moves column-major blocks between arrays of different shapes, typed or plain", (t) => {
  // A 4x3 matrix with element (i, j) = 10 i + j, column-major.
  const M = Float64Array.from({ length: 12 }, (_, k) => 10 * (k % 4) + Math.floor(k / 4));
  const block = new Float64Array(4);
  copyBlock(M, [4, 3], [1, 1], block, [2, 2], [0, 0], [2, 2]);
  t.same([...block], [11, 21, 12, 22], "rows 1-2, columns 1-2");
  const back = new Float64Array(12);
  copyBlock(block, [2, 2], [0, 0], back, [4, 3], [1, 1], [2, 2]);
  t.same([...back], [0, 0, 0, 0, 0, 11, 21, 0, 0, 12, 22, 0]);
  const long = Float64Array.from({ length: 100 }, (_, i) => i);
  const out = new Float64Array(40);
  copyBlock(long, [100], [30], out, [40], [0], [40]);
  t.same([...out], Array.from({ length: 40 }, (_, i) => 30 + i), "a long run goes through set()");
  const objs = Array.from({ length: 6 }, (_, i) => ({ i }));
  const part: unknown[] = new Array(2);
  copyBlock(objs, [6], [4], part, [2], [0], [2]);
  t.same(part, [{ i: 4 }, { i: 5 }]);
  t.end();
});
