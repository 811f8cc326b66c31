// SharedArray in one process (no workers): shapes, column-major indices, bounds, from(),
// the participants' split (localindices, indexpids), printing, and the codec's choice between
// by-reference (a target that shares memory) and a clear refusal (a separate process).
import t from "tap";
import { indexpids, localindices, sdata, SharedArray, SharedMemoryError } from "../../src/mod.ts";
import { decode, encode } from "../../src/protocol/codec.ts";
import { caught } from "../helpers/unit.ts";

/** An array as another participant sees it: given pids, memory already there. */
function withPids<K extends Int32ArrayConstructor | Float64ArrayConstructor>(kind: K, shape: number[], pids: number[]): SharedArray<K> {
  const length = shape.reduce((a, b) => a * b, 1);
  const data = new (kind as unknown as new (b: SharedArrayBuffer) => InstanceType<K>)(
    new SharedArrayBuffer(length * kind.BYTES_PER_ELEMENT),
  );
  return new SharedArray(kind, shape, { pids }, { data });
}

function messageOf(fn: () => unknown): string {
  const err = caught(fn);
  return err instanceof Error ? `${err.name}: ${err.message}` : `no error (${String(err)})`;
}

t.test("shape validation: the message names the shape it got", (t) => {
  const shapeMessage = (got: string) =>
    `TypeError: SharedArray: the shape must be a non-negative integer or an array of them, e.g. [3, 4]; got ${got}`;
  t.equal(messageOf(() => new SharedArray(Float64Array, [])), shapeMessage("[]"));
  t.equal(messageOf(() => new SharedArray(Float64Array, [3, -1])), shapeMessage("[3,-1]"));
  t.equal(messageOf(() => new SharedArray(Float64Array, [2.5])), shapeMessage("[2.5]"));
  t.equal(messageOf(() => new SharedArray(Float64Array, -4)), shapeMessage("-4"));
  t.equal(messageOf(() => new SharedArray(Float64Array, "3" as never)), shapeMessage('"3"'));
  t.equal(messageOf(() => new SharedArray(Float64Array, [Number.NaN])), shapeMessage("[null]"));
  t.equal(
    messageOf(() => new SharedArray(Array as never, [3])),
    "TypeError: SharedArray: the element type must be a typed array class such as Float64Array or Int32Array, got Array",
  );
  t.equal(
    messageOf(() => new SharedArray(Uint8ClampedArray as never, [3])),
    "TypeError: SharedArray: the element type must be a typed array class such as Float64Array or Int32Array, got Uint8ClampedArray",
  );
  t.equal(messageOf(() => new SharedArray(Int32Array, [2], { pids: [0] })), "TypeError: SharedArray: pids must be process ids, got [0]");
  t.match(
    messageOf(() => new SharedArray(Int32Array, [2], { pids: [1, 7] })),
    /^TypeError: SharedArray: 7 is not a worker of this process\./,
    "a pid that is no worker is refused",
  );
  t.equal(
    messageOf(() =>
      new SharedArray(Int32Array, [2, 2], {}, { data: new Int32Array(new SharedArrayBuffer(12)) as unknown as Int32Array<ArrayBuffer> })
    ),
    "TypeError: SharedArray: data must be a typed array of the shape's length",
  );

  const v = new SharedArray(Float64Array, 5);
  t.same(v.shape, [5], "a number is a one-dimensional shape");
  t.equal(v.length, 5);
  t.same([...v.data], [0, 0, 0, 0, 0], "zeros");
  t.type(v.data, Float64Array);
  t.type(v.buffer, SharedArrayBuffer, "on shared memory");
  t.equal(v.buffer.byteLength, 40);
  t.equal(sdata(v), v.data, "sdata is the typed array itself");
  const empty = new SharedArray(Int32Array, [0, 3]);
  t.equal(empty.length, 0, "a zero dimension is allowed");
  t.same(empty.shape, [0, 3]);
  const dims = [3, 4];
  const m = new SharedArray(Int32Array, dims);
  dims[0] = 9;
  t.same(m.shape, [3, 4], "shape is a copy of the dimensions given");
  // Not frozen: under Bun, destructuring a frozen array slowed the loops after it 5-10x.
  t.notOk(Object.isFrozen(m.shape), "shape is not frozen (read-only by its type)");
  t.ok(Object.isFrozen(m.pids), "pids are frozen");
  t.same(m.pids, [1], "alone, the participants are this process");
  t.equal(m.mapped, false, "no mapping without worker processes");
  t.end();
});

t.test("column-major indices: (i, j) of a 3×4 array is i + 3j", (t) => {
  const S = new SharedArray(Int32Array, [3, 4]);
  for (let j = 0; j < 4; j++) for (let i = 0; i < 3; i++) t.equal(S.index(i, j), i + 3 * j, `(${i}, ${j})`);
  S.set(2, 1, 42);
  t.equal(S.data[5], 42, "set(2, 1) writes data[2 + 3]");
  t.equal(S.get(2, 1), 42);
  S.data[10] = 7;
  t.equal(S.get(1, 3), 7, "data[10] is (1, 3)");
  t.equal(S.get(10), 7, "one index is the linear index");
  S.set(11, -5);
  t.equal(S.get(2, 3), -5);

  const C = new SharedArray(Float64Array, [2, 3, 4]);
  t.equal(C.index(1, 2, 3), 1 + 2 * 2 + 6 * 3, "3-D: i + 2j + 6k");
  C.set(1, 0, 2, 0.5);
  t.equal(C.data[13], 0.5);
  t.end();
});

t.test("get/set/index bounds errors", (t) => {
  const S = new SharedArray(Int32Array, [3, 4]);
  t.equal(messageOf(() => S.get(3, 0)), "RangeError: SharedArray: index 3 of dimension 0 is outside 0..2");
  t.equal(messageOf(() => S.get(0, 4)), "RangeError: SharedArray: index 4 of dimension 1 is outside 0..3");
  t.equal(messageOf(() => S.get(-1, 0)), "RangeError: SharedArray: index -1 of dimension 0 is outside 0..2");
  t.equal(messageOf(() => S.get(0.5, 0)), "RangeError: SharedArray: index 0.5 of dimension 0 is outside 0..2");
  t.equal(messageOf(() => S.set(0, 9, 1)), "RangeError: SharedArray: index 9 of dimension 1 is outside 0..3");
  t.equal(messageOf(() => S.get(12)), "RangeError: SharedArray: index 12 is outside 0..11");
  t.equal(messageOf(() => S.get(-1)), "RangeError: SharedArray: index -1 is outside 0..11");
  t.equal(messageOf(() => S.set(12, 1)), "RangeError: SharedArray: index 12 is outside 0..11");
  t.equal(messageOf(() => S.index(1, 2, 0)), "RangeError: SharedArray: 3 indices for a 2-dimensional array");
  t.equal(messageOf(() => S.get(Number.NaN)), "RangeError: SharedArray: index NaN is outside 0..11");
  t.same([...S.data], new Array(12).fill(0), "failed sets wrote nothing");
  t.end();
});

t.test("a linear index must be an integer", (t) => {
  const S = new SharedArray(Int32Array, [3, 4]);
  t.equal(messageOf(() => S.get(1.5)), "RangeError: SharedArray: index 1.5 is outside 0..11", "get(1.5) is refused, as get(1.5, 0) is");
  t.equal(
    messageOf(() => S.set(1.5, 7)),
    "RangeError: SharedArray: index 1.5 is outside 0..11",
    "set(1.5, 7) is refused rather than ignored",
  );
  t.end();
});

t.test("SharedArray.from copies values, with a shape", (t) => {
  const source = [1, 2, 3, 4];
  const S = SharedArray.from(Float64Array, source, [2, 2]);
  t.same(S.shape, [2, 2]);
  t.equal(S.get(1, 1), 4);
  t.equal(S.get(1, 0), 2, "column-major: the second value is (1, 0)");
  t.equal(S.get(0, 1), 3);
  t.type(S.buffer, SharedArrayBuffer);
  source[0] = 100;
  t.equal(S.get(0, 0), 1, "a copy, not a view of the source");
  const typed = new Int32Array([5, 6, 7]);
  const V = SharedArray.from(Int32Array, typed);
  t.same(V.shape, [3], "the shape defaults to the values' length");
  t.same([...V.data], [5, 6, 7]);
  typed[1] = 0;
  t.equal(V.data[1], 6);
  t.not(V.buffer, typed.buffer);
  const B = SharedArray.from(BigInt64Array, [1n, -2n, 2n ** 62n]);
  t.same([...B.data], [1n, -2n, 2n ** 62n]);
  t.equal(String(B), "SharedArray<BigInt64Array>[3]");
  t.equal(
    messageOf(() => SharedArray.from(Float64Array, [1, 2, 3], [2, 2])),
    "RangeError: SharedArray.from: 3 values do not fill the shape [2, 2]",
  );
  t.equal(
    messageOf(() => SharedArray.from(Float64Array, [1, 2, 3, 4, 5], [2, 2])),
    "RangeError: SharedArray.from: 5 values do not fill the shape [2, 2]",
  );
  t.end();
});

t.test("SharedArray.create runs init here when this process is the only participant", async (t) => {
  let calls = 0;
  const S = await SharedArray.create(Int32Array, [2, 3], {
    init: (A) => {
      calls++;
      for (const k of localindices(A)) A.data[k] = 7 + k;
    },
  });
  t.equal(calls, 1);
  t.same([...S.data], [7, 8, 9, 10, 11, 12]);
  const plain = await SharedArray.create(Float64Array, 4);
  t.same([...plain.data], [0, 0, 0, 0], "without init: zeros");
});

t.test("localindices and indexpids split the array among the given pids", (t) => {
  const alone = new SharedArray(Int32Array, [10]);
  t.equal(indexpids(alone), 1);
  t.same([...localindices(alone)], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], "alone: every index");

  const first = withPids(Int32Array, [10], [1, 2, 3]);
  t.equal(indexpids(first), 1);
  t.same([...localindices(first)], [0, 1, 2], "first of three over 10: 0..2");

  const second = withPids(Int32Array, [10], [3, 1]);
  t.same(second.pids, [3, 1], "pids keep their given order");
  t.equal(indexpids(second), 2, "indexpids is the 1-based position in pids");
  t.same([...localindices(second)], [5, 6, 7, 8, 9]);

  const matrix = withPids(Float64Array, [3, 4], [2, 1, 4]);
  t.equal(indexpids(matrix), 2);
  t.same([...localindices(matrix)], [4, 5, 6, 7], "linear indices of a 3×4 array: the middle third");

  const outsider = withPids(Int32Array, [10], [2, 3]);
  t.equal(indexpids(outsider), 0, "not a participant: 0");
  const none = localindices(outsider);
  t.equal(none.length, 0, "not a participant: an empty range");
  t.same([...none], []);

  const few = withPids(Int32Array, [2], [1, 2, 3, 4]);
  t.same([...localindices(few)], [], "more participants than elements: the first may get nothing");
  const last = withPids(Int32Array, [2], [4, 3, 2, 1]);
  t.same([...localindices(last)], [1], "and the last gets the last element");

  // The parts of all participants cover every index once, in order.
  for (const n of [1, 2, 3, 7, 12, 13]) {
    const pids = Array.from({ length: n }, (_, k) => k + 1);
    const covered: number[] = [];
    for (let me = 1; me <= n; me++) {
      // This process is pid 1: rotate the pids so that it stands at position `me`.
      const order = [...pids.slice(1, me), 1, ...pids.slice(me)];
      const S = withPids(Int32Array, [3, 4], order);
      t.equal(indexpids(S), me);
      covered.push(...localindices(S));
    }
    t.same(covered, [...Array(12).keys()], `${n} participants cover 0..11 exactly once`);
  }
  t.end();
});

t.test("toString names the kind and the shape", (t) => {
  t.equal(String(new SharedArray(Float64Array, [3, 4])), "SharedArray<Float64Array>[3×4]");
  t.equal(new SharedArray(Int32Array, 10).toString(), "SharedArray<Int32Array>[10]");
  t.equal(`${new SharedArray(Uint8Array, [2, 3, 4])}`, "SharedArray<Uint8Array>[2×3×4]");
  t.end();
});

t.test("the codec: by reference to a target that shares memory, refused to a separate process", (t) => {
  const S = SharedArray.from(Float64Array, [1, 2, 3, 4, 5, 6], [2, 3]);
  const encoded = encode({ S }, { sharesMemory: true, describe: "a thread" }, true);
  t.equal(encoded.shared.length, 1, "the memory travels beside the body");
  t.equal(encoded.shared[0]![1], S.buffer);
  const back = (decode(encoded.body) as { S: SharedArray<Float64ArrayConstructor> }).S;
  t.type(back, SharedArray);
  t.not(back, S);
  t.equal(back.buffer, S.buffer, "the same memory, not a copy");
  t.same(back.shape, [2, 3]);
  t.same(back.pids, S.pids);
  back.set(1, 2, 60);
  t.equal(S.get(1, 2), 60, "a write through the decoded array is seen in the original");

  const err = caught(() => encode([S], { sharesMemory: false, describe: "worker 7" }, true));
  t.type(err, SharedMemoryError);
  t.equal((err as SharedMemoryError).code, "ERR_SHARED_MEMORY_NOT_PARTICIPANT");
  t.match(
    (err as Error).message,
    /^A SharedArray<Float64Array>\[2×3\] cannot be sent to worker 7: it is a separate process, not one of the participants \(1\), which are fixed when the value is made\. Make it after addprocs/,
  );
  t.match((err as Error).message, /Send a copy of its values instead\.$/, "the message says how to send a copy");
  t.end();
});
