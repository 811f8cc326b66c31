/**
 * Fuzz frames for the wire protocol, pure (no I/O): valid frames made with the real codec,
 * then mutated (bit flips, truncation, wrong or oversized length prefixes, bodies that overrun
 * their frame, unknown message types, garbage msgpack, valid-looking messages with fields of
 * the wrong type), and plain random bytes. Deterministic for a seed, so a finding replays.
 *
 * Each frame says whether the byte stream stays in step after it (`inStep`: its length prefix
 * is right, so more frames may follow on the same connection) and what was done to it (`kind`).
 * Used by bench/fuzz-drive.ts (`npm run fuzz`) and test/cluster/fuzz.test.ts.
 *
 * Messages that make a worker do something outside itself are left out of the templates on
 * purpose: an authenticated peer may run code, and the fuzzer must not make a worker import
 * files, start processes or dial addresses. What remains is what a confused peer could send.
 *
 * @example
 * ```ts
 * const fuzz = new FrameFuzzer(42, 1000);
 * const { bytes, kind, inStep } = fuzz.postAuth();
 * ```
 * @module
 */
import { encode } from "../src/protocol/codec.ts";
import { encodeFrame, HEADER_BYTES } from "../src/protocol/frame.ts";
import { MSG, PROTOCOL_VERSION } from "../src/protocol/messages.ts";
// The unit tests' seeded PRNG and buffer join: the same frames for the same seed everywhere.
import { concat, prng } from "../test/helpers/unit.ts";

/** One fuzz frame. */
export interface FuzzFrame {
  bytes: Uint8Array;
  /** What was done to it, e.g. "bit-flip", "random-bytes". */
  kind: string;
  /** Its length prefix is right: the stream stays in step and more frames may follow. */
  inStep: boolean;
}

/** Ids of the driver's own requests (a valid REF_READY after each batch) are at least this. */
export const SENTINEL_ID_BASE = 0x8000_0000;

/** The frame's bytes in one buffer. */
export function frameBytes(type: number, id: number, value: unknown): Uint8Array {
  const { body, segments } = encode(value);
  return concat(encodeFrame(type, id, body, segments));
}

/** Frames with this raw body (no codec), length prefix right. */
function rawFrame(type: number, id: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES + body.byteLength);
  const view = new DataView(out.buffer);
  view.setUint32(0, out.byteLength - 4);
  out[4] = type;
  view.setUint32(5, id >>> 0);
  view.setUint32(9, body.byteLength);
  out.set(body, HEADER_BYTES);
  return out;
}

// msgpack that is legal but hostile: huge declared sizes, our extensions with bad contents,
// deep nesting, a byte msgpack never uses.
const HOSTILE_MSGPACK: readonly number[][] = [
  [0xdd, 0xff, 0xff, 0xff, 0xff, 0x01], // array of 4 G items
  [0xdf, 0xff, 0xff, 0xff, 0xff, 0x01], // map of 4 G entries
  [0xdb, 0x7f, 0xff, 0xff, 0xff, 0x41], // string of 2 GiB
  [0xc6, 0xff, 0xff, 0xff, 0xf0], // binary of 4 GiB
  [0xc9, 0xff, 0xff, 0xff, 0xf0, 0x30], // extension of 4 GiB
  [0xc7, 0x0a, 0x30, 0x08, 0x01, 0xff, 0xff, 0xff, 0xf0, 0x00, 0x00, 0x10, 0x00], // a segment far past the frame
  [0xc7, 0x0a, 0x30, 0x63, 0x01, 0, 0, 0, 0, 0, 0, 0, 8], // unknown binary type code 99
  [0xd5, 0x30, 0x08, 0x00], // Float64Array of 0 bytes... inline, odd sizes
  [0xd6, 0x30, 0x08, 0x00, 0x01, 0x02], // Float64Array of 2 bytes
  [0xc7, 0x05, 0x31, 0x92, 0xa2, 0x7a, 0x7a, 0xc0], // instance of unregistered class "zz"
  [0xc7, 0x03, 0x32, 0x91, 0x01, 0x02], // an Error with one wrong field
  [0xd4, 0x72, 0x40], // a record definition cut short
  [0xd4, 0x42, 0xff], // a BigInt extension of one byte
  [0xc1], // never used
];

const WEIRD_VALUES: readonly unknown[] = [
  null,
  undefined,
  0,
  -1,
  1.5,
  NaN,
  2 ** 53,
  -(2 ** 31),
  true,
  "",
  "x".repeat(300),
  [],
  {},
  [null],
  [[]],
  [[null, null]],
  [-1, -1],
  ["1", "2"],
  new Map([[1, 2]]),
  new Set([1]),
  new Date(0),
  10n ** 40n,
  new Error("fuzz"),
  new Float64Array(3),
  { pid: "2" },
  { pid: -5 },
  { pid: 1.5 },
  [["s"]],
  [["s", 5]],
  [["q", "x"], []],
  [["s", "(a"], []],
  [["m", "__proto__"], []],
  [["m", "constructor"], [1]],
  [["m", "nosuchname"], []],
  [["x", "nosuchsystemfunction"], []],
  [["r", 5, 6], []],
  [["c", "(a) => a", ["a"], "notalist"], []],
  [["s", "(a) => a"], "notalist"],
  [["s", "(a) => a"], [1], "notaref"],
  [["s", "(a) => a"], [1], [1]],
  [[1, 2], "take"],
  [[1, 2], "nosuchop", 1],
  [[[1, 2]]],
  [[[[1, 2], "n"]]],
  [[["a", "b"]]],
];

/** Generates fuzz frames from a seed; `pid` is the pid the fuzzer claims once authenticated. */
export class FrameFuzzer {
  readonly #next: () => number;
  #refCounter = 1;
  /** The pid the fuzzer claims on authenticated connections (refs it creates are its own). */
  pid: number;

  constructor(seed: number, pid: number) {
    this.#next = prng(seed);
    this.pid = pid;
  }

  /** A number in [0, 1). */
  random(): number {
    return this.#next();
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.#next() * n);
  }

  #pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)]!;
  }

  #bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }

  #ref(): [number, number] {
    return this.random() < 0.8 ? [this.pid, this.#refCounter++] : [this.int(5), this.int(1000)];
  }

  /** A valid message a peer could send to a worker, as [type, id, value]. */
  #template(): [number, number, unknown] {
    const id = 1 + this.int(0x7fff_fffe);
    // Malformed REF_DEL, REF_ADD and CHAN_NEW (notifications) end their connection: drawn
    // a quarter as often as the rest, so that connections carry more frames.
    let pick = this.int(13);
    if (pick >= 7 && pick <= 9 && this.random() < 0.75) pick = this.#pick([0, 1, 2, 3, 4, 5, 6, 10, 11, 12]);
    switch (pick) {
      case 0:
        return [MSG.CALL_FETCH, id, [["s", "(a, b) => a + b"], [this.int(100), this.int(100)]]];
      case 1:
        return [MSG.CALL_FETCH, id, [["m", this.#pick(["myid", "nprocs", "workers", "procs"])], []]];
      case 2:
        return [MSG.CALL_WAIT, id, [["s", "(x) => x"], [this.#pick(WEIRD_VALUES)], this.#ref()]];
      case 3:
        return [MSG.CALL, 0, [["s", "() => 1"], [], this.#ref()]];
      case 4:
        return [MSG.CALL_FETCH, id, [["s", "(a) => a.length"], [new Float64Array(2048 + this.int(2048))]]];
      case 5:
        return [MSG.REF_READY, id, [this.#ref()]];
      case 6:
        return [MSG.REF_PUT, id, [this.#ref(), this.#pick(WEIRD_VALUES)]];
      case 7:
        return [MSG.REF_DEL, 0, [[[this.#ref(), 1]]]];
      case 8:
        return [MSG.REF_ADD, 0, [[[this.#ref(), this.pid]]]];
      case 9:
        return [MSG.CHAN_NEW, 0, [["s", "() => new Channel(4)"], [], this.#ref()]];
      case 10:
        return [MSG.CHAN_OP, id, [this.#ref(), this.#pick(["put", "isready", "close", "isopen"]), 1]];
      case 11:
        return [MSG.REMOTE_DO, 0, [["s", "() => undefined"], []]];
      default:
        return [MSG.PING, 0, null];
    }
  }

  #flip(bytes: Uint8Array, from: number): Uint8Array {
    const out = bytes.slice();
    const flips = 1 + this.int(8);
    for (let i = 0; i < flips && out.byteLength > from; i++) out[from + this.int(out.byteLength - from)]! ^= 1 << this.int(8);
    return out;
  }

  /** A body mutated inside a frame whose header stays right (the stream stays in step). */
  #mutatedBody(type: number, id: number, value: unknown): Uint8Array {
    const { body } = encode(value);
    let b: Uint8Array;
    const r = this.int(5);
    if (r === 0) b = this.#flip(body, 0);
    else if (r === 1) b = body.subarray(0, this.int(body.byteLength));
    else if (r === 2) b = this.#bytes(this.int(200));
    else if (r === 3) b = Uint8Array.from([...this.#pick(HOSTILE_MSGPACK)]);
    else {
      const at = this.int(body.byteLength + 1);
      const hostile = this.#pick(HOSTILE_MSGPACK);
      b = Uint8Array.from([...body.subarray(0, at), ...hostile, ...body.subarray(at)]);
    }
    return rawFrame(type, id, b);
  }

  /** A frame for an authenticated connection. */
  postAuth(): FuzzFrame {
    const [type, id, value] = this.#template();
    const r = this.random();
    // Shares: most frames keep the stream in step, so that a connection carries many; those
    // that break it (the last 4%) end their connection, as do unexpected types (3%).
    if (r < 0.1) return { bytes: frameBytes(type, id, value), kind: "valid", inStep: true };
    if (r < 0.62) return { bytes: this.#mutatedBody(type, id, value), kind: "mutated-body", inStep: true };
    if (r < 0.93) return { bytes: frameBytes(type, id, this.#pick(WEIRD_VALUES)), kind: "wrong-field-types", inStep: true };
    if (r < 0.96) {
      // A valid frame of a type this peer may not send: unknown, handshake, response, master-only.
      const t = this.#pick([
        0,
        5,
        6,
        9,
        32,
        99,
        200,
        255,
        MSG.HELLO,
        MSG.AUTH,
        MSG.AUTH_OK,
        MSG.AUTH_FAIL,
        MSG.RESULT_OK,
        MSG.RESULT_ERR,
        MSG.JOIN,
        MSG.EXIT,
        MSG.INTERRUPT,
        MSG.PEER_GONE,
        MSG.CONNECT_TO,
        MSG.PEER_LOOKUP,
        MSG.CONNECT_BACK,
      ]);
      const master = { pid: this.int(4), host: "127.0.0.1", port: 1, topology: "all_to_all", heartbeat: [1, 1], detail: "fuzz" };
      return { bytes: frameBytes(t, id, this.random() < 0.5 ? master : this.#pick(WEIRD_VALUES)), kind: "unexpected-type", inStep: true };
    }
    return this.#broken(frameBytes(type, id, value), 1 << 30);
  }

  /** A frame whose header is damaged (the stream loses step), or plain random bytes. */
  #broken(valid: Uint8Array, limit: number): FuzzFrame {
    const view = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);
    const out = valid.slice();
    switch (this.int(8)) {
      case 0:
        return { bytes: this.#flip(valid, 0), kind: "bit-flip", inStep: false };
      case 1:
        return { bytes: valid.subarray(0, this.int(valid.byteLength)), kind: "truncated", inStep: false };
      case 2:
        view(out).setUint32(0, this.int(HEADER_BYTES - 4));
        return { bytes: out, kind: "length-below-header", inStep: false };
      case 3:
        view(out).setUint32(0, Math.max(HEADER_BYTES - 4, view(out).getUint32(0) + this.int(64) - 32));
        return { bytes: out, kind: "wrong-length", inStep: false };
      case 4:
        view(out).setUint32(
          0,
          this.#pick([limit - 3, limit, 0x7fff_ffff, 0xffff_ffff, 16 * 1024 + this.int(1 << 20), limit - 4 - this.int(1 << 20)]),
        );
        return { bytes: out, kind: "oversized-length", inStep: false };
      case 5:
        view(out).setUint32(9, view(out).getUint32(9) + 1 + this.int(0xffff));
        return { bytes: out, kind: "body-overruns-frame", inStep: false };
      case 6:
        return { bytes: this.#bytes(1 + this.int(600)), kind: "random-bytes", inStep: false };
      default: {
        const text = this.#pick([
          "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n",
          "SSH-2.0-OpenSSH_9.6\r\n",
          "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
          "\r\n\r\n",
          "\0\0\0\0",
        ]);
        return { bytes: new TextEncoder().encode(text), kind: "other-protocol", inStep: false };
      }
    }
  }

  /**
   * What to send instead of the handshake's AUTH (the worker's HELLO nonce when it was read).
   * Never a valid AUTH: the fuzzer does not use the cookie here.
   */
  preAuth(nonce: Uint8Array | null): FuzzFrame {
    const theirs = nonce ?? this.#bytes(16);
    const auth = { v: PROTOCOL_VERSION, nonce: this.#bytes(16), pid: 2 + this.int(100), mac: this.#bytes(32) };
    const r = this.random();
    if (r < 0.2) return { bytes: frameBytes(MSG.AUTH, 0, auth), kind: "wrong-mac", inStep: true };
    if (r < 0.35) {
      const fields = this.#pick<Record<string, unknown>>([
        { ...auth, v: this.#pick([0, 2, "1", null]) },
        { ...auth, nonce: "abc" },
        { ...auth, mac: 5 },
        { v: PROTOCOL_VERSION },
        { ...auth, mac: theirs },
      ]);
      return {
        bytes: frameBytes(MSG.AUTH, 0, this.random() < 0.8 ? fields : this.#pick(WEIRD_VALUES)),
        kind: "wrong-field-types",
        inStep: true,
      };
    }
    if (r < 0.45) return { bytes: this.#mutatedBody(MSG.AUTH, 0, auth), kind: "mutated-body", inStep: true };
    if (r < 0.55) {
      const t = this.#pick([MSG.HELLO, MSG.AUTH_OK, MSG.AUTH_FAIL, MSG.CALL_FETCH, MSG.JOIN, MSG.EXIT, MSG.RESULT_OK, 0, 99, 255]);
      return { bytes: frameBytes(t, this.int(10), t === MSG.AUTH_FAIL ? { reason: "fuzz" } : auth), kind: "unexpected-type", inStep: true };
    }
    if (r < 0.6) return { bytes: new Uint8Array(0), kind: "nothing", inStep: true };
    return this.#broken(frameBytes(MSG.AUTH, 0, auth), 4096);
  }

  /**
   * Odd values for the pid an authenticating peer claims (with a correct MAC): what a peer
   * with the cookie but a bug could say.
   */
  claimedPid(): unknown {
    return this.#pick([1, 0, -1, 1.5, NaN, 2 ** 53 + 2, "7", null, undefined, [3], { pid: 3 }, 10n]);
  }
}
