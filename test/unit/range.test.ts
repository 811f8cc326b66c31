import t from "tap";
import { Range, range } from "../../src/parallel/range.ts";
import { decode, encode } from "../../src/protocol/codec.ts";

t.test("lengths, elements and the Python-style forms", (t) => {
  t.same([...range(5)], [0, 1, 2, 3, 4]);
  t.same([...range(2, 5)], [2, 3, 4]);
  t.same([...range(0, 10, 3)], [0, 3, 6, 9]);
  t.same([...range(10, 0, -3)], [10, 7, 4, 1]);
  t.equal(range(5, 5).length, 0);
  t.equal(range(5, 0).length, 0, "an empty range going the wrong way");
  const big = range(0, 10_000_000_000, 10_000);
  t.equal(big.length, 1_000_000);
  t.equal(big.at(0), 0);
  t.equal(big.at(-1), 9_999_990_000);
  t.equal(big.at(1_000_000), undefined);
  t.equal(range(0, 1e10).length, 1e10, "10^10 elements, nothing materialised");
  t.equal(String(range(0, 10, 2)), "range(0, 10, 2)");
  t.end();
});

t.test("slice and split are exact and O(1)", (t) => {
  const r = range(3, 103, 2); // 50 elements
  t.same([...r.slice(1, 4)], [5, 7, 9]);
  t.same([...r.slice(-2)], [99, 101]);
  t.equal(r.slice(60, 70).length, 0);
  for (const n of [1, 2, 3, 7, 50, 64]) {
    const parts = r.split(n);
    t.equal(parts.length, n);
    t.same(parts.flatMap((p) => [...p]), [...r], `split(${n}) covers every element once, in order`);
    const sizes = parts.map((p) => p.length);
    t.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `split(${n}) is even`);
  }
  const huge = range(0, 1e10).split(3);
  t.same(huge.map((p) => p.length), [3333333334, 3333333333, 3333333333]);
  t.throws(() => r.split(0), RangeError);
  t.end();
});

t.test("bad arguments", (t) => {
  t.throws(() => range(0, 10, 0), RangeError);
  t.throws(() => range(0, Infinity), TypeError);
  t.throws(() => range(0, "10" as never), TypeError);
  t.end();
});

t.test("a range travels as three numbers", (t) => {
  const r = range(0, 1e10, 7);
  const { body, segments } = encode(r);
  t.ok(body.byteLength < 64, `${body.byteLength} bytes on the wire`);
  t.equal(segments.length, 0);
  const back = decode(body) as Range;
  t.type(back, Range);
  t.same([back.start, back.stop, back.step, back.length], [r.start, r.stop, r.step, r.length]);
  t.end();
});

t.test("forEach and toArray agree with iteration", (t) => {
  const seen: number[] = [];
  range(1, 20, 4).forEach((x) => seen.push(x));
  t.same(seen, [1, 5, 9, 13, 17]);
  t.same(range(1, 20, 4).toArray(), seen);
  t.end();
});
