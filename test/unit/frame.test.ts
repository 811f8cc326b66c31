// Unit tests of src/protocol/frame.ts: frame layout, reassembly from arbitrary chunking,
// alignment of large frames, and the limits that protect a connection from bad peers.
import t from "tap";
import { ProtocolError } from "../../src/errors.ts";
import { align8, encodeFrame, frameBytes as sizeOfFrame, FrameReader, HEADER_BYTES, LARGE_FRAME_BYTES } from "../../src/protocol/frame.ts";
import type { Frame } from "../../src/protocol/frame.ts";
import { caught, concat, prng } from "../helpers/unit.ts";

function bytesOf(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed * 7 + 1) & 0xff;
  return out;
}

function frameBytes(type: number, id: number, body: Uint8Array, segments: readonly Uint8Array[] = []): Uint8Array {
  return concat(encodeFrame(type, id, body, segments));
}

interface Expected {
  type: number;
  id: number;
  body: Uint8Array;
  segments: Uint8Array[];
}

/** Compares a received frame with what was sent; returns a description of the first difference. */
function diff(frame: Frame, want: Expected): string | null {
  if (frame.type !== want.type) return `type ${frame.type} != ${want.type}`;
  if (frame.id !== want.id) return `id ${frame.id} != ${want.id}`;
  if (Buffer.compare(Buffer.from(frame.body), Buffer.from(want.body)) !== 0) return "body differs";
  let at = frame.segmentsStart;
  for (const [i, s] of want.segments.entries()) {
    const got = frame.bytes.subarray(at, at + s.byteLength);
    if (Buffer.compare(Buffer.from(got), Buffer.from(s)) !== 0) return `segment ${i} differs`;
    at += align8(s.byteLength);
  }
  return null;
}

t.test("align8 rounds up to a multiple of 8", (t) => {
  t.equal(align8(0), 0);
  t.equal(align8(1), 8);
  t.equal(align8(7), 8);
  t.equal(align8(8), 8);
  t.equal(align8(9), 16);
  t.equal(align8(13), 16);
  t.equal(align8(16384), 16384);
  t.equal(align8(16385), 16392);
  t.end();
});

t.test("align8 stays exact for lengths of 2 GiB and more (frames may reach 4 GiB)", (t) => {
  t.equal(align8(2 ** 31 - 1), 2 ** 31);
  t.equal(align8(2 ** 31), 2 ** 31);
  t.equal(align8(2 ** 31 + 1), 2 ** 31 + 8);
  t.equal(align8(3 * 2 ** 30 + 5), 3 * 2 ** 30 + 8);
  t.equal(align8(2 ** 32 - 8), 2 ** 32 - 8);
  t.equal(align8(2 ** 32), 2 ** 32);
  t.end();
});

t.test("encodeFrame writes the documented big-endian header", (t) => {
  const body = new Uint8Array([1, 2, 3, 4, 5]);
  const bytes = frameBytes(0xab, 0x01020304, body);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  t.equal(HEADER_BYTES, 13);
  t.equal(bytes.byteLength, HEADER_BYTES + 5, "no padding without segments");
  t.equal(view.getUint32(0), bytes.byteLength - 4, "length counts everything after the length field");
  t.equal(view.getUint8(4), 0xab, "type");
  t.equal(view.getUint32(5), 0x01020304, "id");
  t.equal(view.getUint32(9), 5, "body length");
  t.same([...bytes.subarray(13)], [1, 2, 3, 4, 5], "body follows the header");
  t.end();
});

t.test("encodeFrame: a small body shares the header chunk, a large body is its own chunk (not copied)", (t) => {
  const small = new Uint8Array(100);
  const smallChunks = encodeFrame(1, 1, small, []);
  t.equal(smallChunks.length, 1);
  t.equal(smallChunks[0]!.byteLength, HEADER_BYTES + 100);

  const big = bytesOf(70 * 1024, 3);
  const bigChunks = encodeFrame(1, 1, big, []);
  t.equal(bigChunks.length, 2);
  t.equal(bigChunks[0]!.byteLength, HEADER_BYTES);
  t.equal(bigChunks[1], big, "the large body is passed through as is");
  t.end();
});

t.test("encodeFrame lays out segments with 8-byte padding, without copying them", (t) => {
  const body = new Uint8Array([9, 9, 9, 9, 9]); // body ends at 18, segments start at 24
  const segs = [bytesOf(3, 1), bytesOf(8, 2), bytesOf(13, 3)];
  const chunks = encodeFrame(4, 7, body, segs);
  for (const s of segs) t.ok(chunks.includes(s), "each segment is one of the chunks (no copy)");
  const bytes = concat(chunks);
  const view = new DataView(bytes.buffer);
  t.equal(bytes.byteLength, 24 + 8 + 8 + 16, "body padded to 24, segments padded to 8, 8, 16");
  t.equal(view.getUint32(0), bytes.byteLength - 4);
  t.same([...bytes.subarray(18, 24)], [0, 0, 0, 0, 0, 0], "padding after the body is zero");
  t.same([...bytes.subarray(24, 27)], [...segs[0]!], "segment 0 at 24");
  t.same([...bytes.subarray(27, 32)], [0, 0, 0, 0, 0], "segment 0 padding is zero");
  t.same([...bytes.subarray(32, 40)], [...segs[1]!], "segment 1 at 32 (no padding needed)");
  t.same([...bytes.subarray(40, 53)], [...segs[2]!], "segment 2 at 40");
  t.same([...bytes.subarray(53, 56)], [0, 0, 0], "segment 2 padding is zero");

  const frames = new FrameReader(1 << 20).push(bytes);
  t.equal(frames.length, 1);
  t.equal(frames[0]!.segmentsStart, 24, "segmentsStart is the body end rounded up to 8");
  t.equal(diff(frames[0]!, { type: 4, id: 7, body, segments: segs }), null);
  t.end();
});

t.test("encodeFrame: a body already ending on an 8-byte boundary gets no padding", (t) => {
  const body = new Uint8Array(3); // 13 + 3 = 16
  const chunks = encodeFrame(1, 1, body, [new Uint8Array(8)]);
  t.equal(concat(chunks).byteLength, 24);
  t.equal(chunks.length, 2, "header+body, then the segment: no empty padding chunk");
  t.end();
});

t.test("encodeFrame refuses a frame larger than the 32-bit length field allows", (t) => {
  // Only byteLength is read before the check, so a stand-in avoids allocating 4 GiB.
  const huge = { byteLength: 2 ** 32 } as unknown as Uint8Array;
  const err = caught(() => encodeFrame(1, 1, new Uint8Array(0), [huge]));
  t.ok(err instanceof RangeError, "RangeError");
  t.match(String((err as Error | undefined)?.message), /too large for one frame/);

  // Two 2.5 GiB segments: each fits in 32 bits, together they do not.
  const half = { byteLength: 2.5 * 2 ** 30 } as unknown as Uint8Array;
  const err2 = caught(() => encodeFrame(1, 1, new Uint8Array(0), [half, half]));
  t.ok(err2 instanceof RangeError, "RangeError for segments that add up to more than 4 GiB");
  t.end();
});

t.test("round trip of type, id and body, including edge values", (t) => {
  const cases: Expected[] = [
    { type: 0, id: 0, body: new Uint8Array(0), segments: [] },
    { type: 255, id: 0xffffffff, body: bytesOf(1, 1), segments: [] },
    { type: 11, id: 123456, body: bytesOf(1000, 2), segments: [] },
    { type: 12, id: 1, body: bytesOf(5, 3), segments: [bytesOf(100, 4), bytesOf(1, 5)] },
  ];
  for (const c of cases) {
    const frames = new FrameReader(1 << 20).push(frameBytes(c.type, c.id, c.body, c.segments));
    t.equal(frames.length, 1);
    t.equal(diff(frames[0]!, c), null, `type ${c.type} id ${c.id}`);
  }
  const neg = new FrameReader(1 << 20).push(frameBytes(1, -1, new Uint8Array(0)));
  t.equal(neg[0]!.id, 0xffffffff, "ids are written as unsigned 32-bit");
  t.end();
});

// A stream of frames of all kinds: empty body, small, with segments, and one large frame.
function mixedStream(): { bytes: Uint8Array; expected: Expected[] } {
  const expected: Expected[] = [
    { type: 1, id: 1, body: new Uint8Array(0), segments: [] },
    { type: 2, id: 2, body: bytesOf(37, 2), segments: [] },
    { type: 3, id: 3, body: bytesOf(5, 3), segments: [bytesOf(9, 4), bytesOf(16, 5)] },
    { type: 4, id: 4, body: bytesOf(11, 6), segments: [bytesOf(LARGE_FRAME_BYTES + 5, 7)] },
    { type: 5, id: 5, body: bytesOf(2, 8), segments: [] },
  ];
  return { bytes: concat(expected.map((e) => frameBytes(e.type, e.id, e.body, e.segments))), expected };
}

function checkAll(frames: Frame[], expected: Expected[]): string | null {
  if (frames.length !== expected.length) return `got ${frames.length} frames, expected ${expected.length}`;
  for (let i = 0; i < frames.length; i++) {
    const d = diff(frames[i]!, expected[i]!);
    if (d !== null) return `frame ${i}: ${d}`;
  }
  return null;
}

t.test("many frames in one chunk come out in order", (t) => {
  const expected: Expected[] = [];
  for (let i = 0; i < 200; i++) {
    expected.push({ type: i % 256, id: i * 1000 + 1, body: bytesOf(i % 50, i), segments: i % 7 === 0 ? [bytesOf(i % 13, i + 1)] : [] });
  }
  const bytes = concat(expected.map((e) => frameBytes(e.type, e.id, e.body, e.segments)));
  const reader = new FrameReader(1 << 20);
  t.equal(checkAll(reader.push(bytes), expected), null);
  t.equal(reader.buffered, 0, "nothing left over");
  t.end();
});

t.test("a stream split in two at every byte boundary yields the same frames", (t) => {
  const { bytes, expected } = mixedStream();
  const failures: string[] = [];
  for (let cut = 0; cut <= bytes.byteLength; cut++) {
    const reader = new FrameReader(1 << 20);
    const frames = [...reader.push(bytes.subarray(0, cut)), ...reader.push(bytes.subarray(cut))];
    const d = checkAll(frames, expected);
    if (d !== null) failures.push(`cut at ${cut}: ${d}`);
    if (reader.buffered !== 0) failures.push(`cut at ${cut}: ${reader.buffered} bytes left buffered`);
    if (failures.length > 5) break;
  }
  t.same(failures, [], `${bytes.byteLength + 1} split points`);
  t.end();
});

t.test("a stream fed one byte at a time yields the same frames, each as soon as it completes", (t) => {
  const { bytes, expected } = mixedStream();
  const reader = new FrameReader(1 << 20);
  const frames: Frame[] = [];
  const completedAt: number[] = [];
  for (let i = 0; i < bytes.byteLength; i++) {
    const out = reader.push(bytes.subarray(i, i + 1));
    for (const f of out) {
      frames.push(f);
      completedAt.push(i + 1);
    }
  }
  t.equal(checkAll(frames, expected), null);
  let end = 0;
  const ends = expected.map((e) => (end += frameBytes(e.type, e.id, e.body, e.segments).byteLength));
  t.same(completedAt, ends, "each frame is returned by the push that completes it");
  t.end();
});

t.test("random chunkings of a long stream yield the same frames", (t) => {
  const { bytes, expected } = mixedStream();
  const stream = concat([bytes, bytes, bytes]);
  const all = [...expected, ...expected, ...expected];
  const failures: string[] = [];
  for (let seed = 1; seed <= 200; seed++) {
    const rand = prng(seed);
    const reader = new FrameReader(1 << 20);
    const frames: Frame[] = [];
    let at = 0;
    while (at < stream.byteLength) {
      const n = 1 + Math.floor(rand() * (rand() < 0.5 ? 16 : 6000));
      frames.push(...reader.push(stream.subarray(at, at + n)));
      at += n;
    }
    const d = checkAll(frames, all);
    if (d !== null) failures.push(`seed ${seed}: ${d}`);
  }
  t.same(failures, []);
  t.end();
});

t.test("buffered counts the bytes of an incomplete frame", (t) => {
  const small = frameBytes(1, 1, bytesOf(20, 1));
  const reader = new FrameReader(1 << 20);
  t.equal(reader.buffered, 0);
  t.same(reader.push(small.subarray(0, 2)), []);
  t.equal(reader.buffered, 2, "fewer bytes than the length field");
  t.same(reader.push(small.subarray(2, 10)), []);
  t.equal(reader.buffered, 10);
  t.equal(reader.push(small.subarray(10)).length, 1);
  t.equal(reader.buffered, 0);

  const large = frameBytes(1, 1, new Uint8Array(5), [bytesOf(LARGE_FRAME_BYTES, 2)]);
  t.same(reader.push(large.subarray(0, 1000)), []);
  t.equal(reader.buffered, 1000, "large frames count what has arrived so far");
  t.equal(reader.push(large.subarray(1000)).length, 1);
  t.equal(reader.buffered, 0);
  t.end();
});

t.test("large frames are delivered in a fresh 8-byte-aligned buffer whatever the chunk alignment", (t) => {
  const values = new Float64Array(4096); // 32 KiB
  for (let i = 0; i < values.length; i++) values[i] = i * 1.5 - 7;
  const seg = new Uint8Array(values.buffer);
  const large = frameBytes(9, 42, bytesOf(3, 1), [seg]);
  const prefix = frameBytes(1, 1, bytesOf(4, 2)); // 17 bytes: the large frame starts at an odd offset

  for (const split of [prefix.byteLength + 1, prefix.byteLength + 3, prefix.byteLength + 4, prefix.byteLength + 5000]) {
    const stream = new Uint8Array(1 + prefix.byteLength + large.byteLength);
    stream.set(prefix, 1);
    stream.set(large, 1 + prefix.byteLength);
    const reader = new FrameReader(1 << 20);
    const frames = [...reader.push(stream.subarray(1, 1 + split)), ...reader.push(stream.subarray(1 + split))];
    t.equal(frames.length, 2, `split at ${split}`);
    const f = frames[1]!;
    t.equal(f.bytes.byteOffset % 8, 0, "frame bytes start 8-aligned");
    t.equal(f.bytes.byteLength, large.byteLength, "frame bytes are exactly the frame");
    t.not(f.bytes.buffer, stream.buffer, "copied out of the incoming chunk");
    t.equal((f.bytes.byteOffset + f.segmentsStart) % 8, 0, "segments start 8-aligned");
    const view = new Float64Array(f.bytes.buffer, f.bytes.byteOffset + f.segmentsStart, values.length);
    t.same([...view.subarray(0, 4)], [-7, -5.5, -4, -2.5]);
    t.equal(view[4095], 4095 * 1.5 - 7);
  }
  t.end();
});

t.test("frames just below and at the large-frame threshold both decode", (t) => {
  for (const total of [LARGE_FRAME_BYTES - 1, LARGE_FRAME_BYTES, LARGE_FRAME_BYTES + 1]) {
    const body = bytesOf(total - HEADER_BYTES, total);
    const bytes = frameBytes(3, total, body);
    t.equal(bytes.byteLength, total);
    const shifted = new Uint8Array(bytes.byteLength + 3);
    shifted.set(bytes, 3);
    const frames = new FrameReader(1 << 20).push(shifted.subarray(3));
    t.equal(frames.length, 1);
    t.equal(diff(frames[0]!, { type: 3, id: total, body, segments: [] }), null, `total ${total}`);
    if (total >= LARGE_FRAME_BYTES) t.equal(frames[0]!.bytes.byteOffset % 8, 0, "large: aligned");
  }
  t.end();
});

t.test("a large frame followed by small frames in the same chunk", (t) => {
  const a = { type: 1, id: 1, body: bytesOf(20000, 1), segments: [] };
  const b = { type: 2, id: 2, body: bytesOf(10, 2), segments: [] };
  const c = { type: 3, id: 3, body: bytesOf(30000, 3), segments: [] };
  const bytes = concat([a, b, c].map((e) => frameBytes(e.type, e.id, e.body, e.segments)));
  t.equal(checkAll(new FrameReader(1 << 20).push(bytes), [a, b, c]), null);
  t.end();
});

t.test("an oversized declared length is refused with ERR_FRAME_TOO_LARGE before the frame arrives", (t) => {
  const reader = new FrameReader(1024);
  // Only the length field: the reader must refuse now, without waiting for (or allocating) 4 GiB.
  const err = caught(() => reader.push(new Uint8Array([0xff, 0xff, 0xff, 0xf0])));
  t.ok(err instanceof ProtocolError, "ProtocolError");
  t.equal((err as ProtocolError).code, "ERR_FRAME_TOO_LARGE");
  t.equal((err as ProtocolError).name, "ProtocolError");
  t.match((err as Error).message, /4294967284 bytes/, "names the declared size");
  t.match((err as Error).message, /1024/, "names the limit");
  t.match((err as Error).message, /maxFrameBytes/, "names the option to raise it");

  const big = frameBytes(1, 1, new Uint8Array(1024 - HEADER_BYTES + 1));
  const err2 = caught(() => new FrameReader(1024).push(big.subarray(0, 4)));
  t.equal((err2 as ProtocolError).code, "ERR_FRAME_TOO_LARGE", "one byte over the limit");
  t.end();
});

t.test("a large declared length allocates nothing until a quarter of the frame has arrived", (t) => {
  const total = 256 * 1024 * 1024;
  const head = new Uint8Array(HEADER_BYTES + 100);
  new DataView(head.buffer).setUint32(0, total - 4);
  const reader = new FrameReader(1 << 30);
  const before = process.memoryUsage().arrayBuffers;
  t.same(reader.push(head), []);
  t.equal(reader.buffered, head.byteLength, "what arrived is held");
  t.ok(
    process.memoryUsage().arrayBuffers - before < 16 * 1024 * 1024,
    "no buffer of the declared size (Bun commits some such allocations at once)",
  );

  // Fed in uneven chunks, the frame comes out whole and aligned once it is all there.
  const body = bytesOf(300_000, 5);
  const frame = frameBytes(6, 9, body);
  const r2 = new FrameReader(1 << 20);
  const frames: Frame[] = [];
  for (let at = 0, step = 1; at < frame.byteLength; at += step, step = (step * 7 + 3) % 40_000) {
    frames.push(...r2.push(frame.subarray(at, at + step)));
  }
  t.equal(frames.length, 1);
  t.equal(diff(frames[0]!, { type: 6, id: 9, body, segments: [] }), null, "same frame");
  t.equal(frames[0]!.bytes.byteOffset % 8, 0, "aligned");
  t.equal(r2.buffered, 0);
  t.end();
});

t.test("a frame of exactly maxFrameBytes is accepted", (t) => {
  const body = bytesOf(1024 - HEADER_BYTES, 1);
  const frames = new FrameReader(1024).push(frameBytes(1, 1, body));
  t.equal(frames.length, 1);
  t.equal(frames[0]!.body.byteLength, body.byteLength);
  t.end();
});

t.test("setMaxFrameBytes raises and lowers the limit", (t) => {
  const frame = frameBytes(1, 1, bytesOf(200, 1)); // 213 bytes
  const low = new FrameReader(100);
  t.equal((caught(() => low.push(frame)) as ProtocolError).code, "ERR_FRAME_TOO_LARGE", "refused under the initial limit");
  const raised = new FrameReader(100);
  raised.setMaxFrameBytes(1000);
  t.equal(raised.push(frame).length, 1, "accepted once raised");
  const lowered = new FrameReader(1000);
  t.equal(lowered.push(frame).length, 1);
  lowered.setMaxFrameBytes(212);
  t.equal((caught(() => lowered.push(frame)) as ProtocolError).code, "ERR_FRAME_TOO_LARGE", "refused once lowered below the frame size");
  const exact = new FrameReader(1);
  exact.setMaxFrameBytes(213);
  t.equal(exact.push(frame).length, 1, "the new limit is inclusive");
  t.end();
});

t.test("a frame over the limit behind complete frames in one read waits until they are handled", (t) => {
  // A handshake's last message and, in the same read, a large frame sent as soon as the link is
  // up: the reader stops before the large one, the handshake lifts the limit, then it goes on.
  const small = frameBytes(1, 1, bytesOf(10, 1));
  const large = frameBytes(2, 2, bytesOf(500, 2));
  const reader = new FrameReader(100);
  const first = reader.push(concat([small, large.subarray(0, 300)]));
  t.equal(first.length, 1, "the frame before it");
  t.ok(reader.deferred, "stopped before the large frame");
  reader.setMaxFrameBytes(1000);
  t.same(reader.push(new Uint8Array(0)), [], "not complete yet");
  t.notOk(reader.deferred);
  const rest = reader.push(large.subarray(300));
  t.equal(rest.length, 1);
  t.equal(rest[0]!.type, 2);
  t.equal(rest[0]!.body.byteLength, 500);
  // when the limit still stands, the frame is refused on the next push
  const strict = new FrameReader(100);
  t.equal(strict.push(concat([small, large])).length, 1);
  t.equal((caught(() => strict.push(new Uint8Array(0))) as ProtocolError).code, "ERR_FRAME_TOO_LARGE");
  t.end();
});

t.test("a declared length shorter than a header is ERR_BAD_FRAME", (t) => {
  for (const length of [0, 1, 8]) {
    const err = caught(() => new FrameReader(1 << 20).push(new Uint8Array([0, 0, 0, length, 0, 0, 0, 0, 0, 0, 0, 0, 0])));
    t.ok(err instanceof ProtocolError, `length ${length}: ProtocolError`);
    t.equal((err as ProtocolError).code, "ERR_BAD_FRAME");
    t.match((err as Error).message, new RegExp(`declared length ${length}\\b`));
  }
  const ok = new FrameReader(1 << 20).push(new Uint8Array([0, 0, 0, 9, 7, 0, 0, 0, 1, 0, 0, 0, 0]));
  t.equal(ok.length, 1, "a header-only frame (length 9) is valid");
  t.equal(ok[0]!.type, 7);
  t.equal(ok[0]!.body.byteLength, 0);
  t.end();
});

t.test("a body length that overruns its frame is ERR_BAD_FRAME, for small and large frames", (t) => {
  const small = frameBytes(1, 1, bytesOf(10, 1));
  new DataView(small.buffer).setUint32(9, 11);
  const err = caught(() => new FrameReader(1 << 20).push(small));
  t.ok(err instanceof ProtocolError);
  t.equal((err as ProtocolError).code, "ERR_BAD_FRAME");
  t.match((err as Error).message, /overruns/);

  const large = frameBytes(1, 1, bytesOf(20000, 2));
  new DataView(large.buffer).setUint32(9, 0xffffffff);
  const err2 = caught(() => new FrameReader(1 << 20).push(large));
  t.ok(err2 instanceof ProtocolError);
  t.equal((err2 as ProtocolError).code, "ERR_BAD_FRAME");
  t.end();
});

t.test("frameBytes is the size encodeFrame writes and the reader compares with its limit", (t) => {
  for (
    const [body, segments] of [
      [0, []],
      [3, []],
      [5, [1]],
      [70_000, [8, 13, 0]],
      [13, [1 << 16]],
    ] as Array<[number, number[]]>
  ) {
    const b = bytesOf(body, 3);
    const segs = segments.map((n, i) => bytesOf(n, i));
    const written = frameBytes(9, 1, b, segs).byteLength;
    t.equal(sizeOfFrame(body, segs), written, `body ${body}, segments [${segments.join(", ")}]: ${written} bytes`);
    t.equal(new FrameReader(written).push(frameBytes(9, 1, b, segs)).length, 1, "a reader whose limit is exactly that size accepts it");
    t.ok(caught(() => new FrameReader(written - 1).push(frameBytes(9, 1, b, segs))) instanceof ProtocolError, "one byte less refuses it");
  }
  t.end();
});

t.test("every message type has its own number", async (t) => {
  const { MSG } = await import("../../src/protocol/messages.ts");
  const numbers = Object.values(MSG);
  t.equal(
    new Set(numbers).size,
    numbers.length,
    `duplicated: ${JSON.stringify(Object.entries(MSG).filter(([, v]) => numbers.indexOf(v) !== numbers.lastIndexOf(v)))}`,
  );
});
