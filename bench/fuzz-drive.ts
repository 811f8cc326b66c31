/**
 * Drives fuzz frames (bench/fuzz-frames.ts) at a worker's port over real TCP connections:
 *
 * - before authentication: connect, (mostly) read the worker's HELLO, send garbage instead of
 *   AUTH, close; every such connection must be refused with a reason in the worker's stderr;
 * - at the handshake's end: a correct MAC (the driver knows the cookie) with an odd claimed pid;
 * - after authentication: complete the real challenge-response, then stream mutated frames in
 *   batches, each frame followed by a valid REF_READY (the sentinel) whose answer proves the
 *   worker handled it and kept the connection; a frame that breaks the stream's framing goes
 *   alone, last, and the connection is closed after it.
 *
 * Frames are counted as sent and as processed: those whose sentinel was answered, plus the one
 * after the last answer when the worker closed the connection (it handles frames in order);
 * frames it never read, behind the one it refused, are sent but not processed. Connections the
 * worker closed, and those left with a broken or unfinished frame, are collected by local port;
 * the caller matches them with the reasons the worker logged (reasonsByPort).
 *
 * @example
 * ```ts
 * const stats = await fuzzWorker({ host: "127.0.0.1", port, cookie }, { seed: 1, frames: 10_000 });
 * ```
 * @module
 */
import net from "node:net";
import { decode } from "../src/protocol/codec.ts";
import { type Frame, FrameReader } from "../src/protocol/frame.ts";
import { handshakeMac } from "../src/protocol/handshake.ts";
import { MSG, PROTOCOL_VERSION } from "../src/protocol/messages.ts";
import { hmacSha256, randomBytes } from "../src/runtime/crypto.ts";
import { frameBytes, FrameFuzzer, type FuzzFrame, SENTINEL_ID_BASE } from "./fuzz-frames.ts";

/** Where the worker listens, and the cluster cookie (the test process is the master). */
export interface FuzzTarget {
  host: string;
  port: number;
  cookie: string;
}

/** How much to send. */
export interface FuzzOptions {
  seed: number;
  /** Frames to process in all (pre- and post-authentication; a little more is sent). */
  frames: number;
  /** Share of the frames sent before authentication, one connection each (default 0.08). */
  preAuthShare?: number;
  /** Handshakes with a correct MAC and an odd claimed pid (default 60). */
  oddPids?: number;
  /** Connections in flight at once (default 8). */
  concurrency?: number;
  /** In-step frames per write, each followed by a sentinel (default 12). */
  batch?: number;
}

/** What happened. */
export interface FuzzStats {
  framesSent: number;
  framesProcessed: number;
  connections: number;
  /** Connections the worker closed on its own (each must carry a logged reason). */
  closedByWorker: number;
  /** Responses the worker sent to fuzz requests (not counting sentinels). */
  answers: number;
  /** Sentinels not answered within the time limit while the connection stayed open. */
  hangs: number;
  /** The slowest sentinel round trip, ms. */
  maxSentinelMs: number;
  /** Local ports of connections the worker must have logged a reason for, with what was sent. */
  needReason: Map<number, string>;
  /** Frames sent per mutation kind. */
  kinds: Map<string, number>;
  /** Time spent per phase, ms. */
  phaseMs: { preAuth: number; oddPids: number; postAuth: number };
  /** Why fuzzing stopped early (the worker stopped accepting or answering), if it did. */
  lost?: string;
}

/** How long a connection may stay silent before it counts as a hang. */
const HANG_MS = 20_000;
/** The largest frame a worker accepts once authenticated (state.ts's default). */
const POST_AUTH_LIMIT = 1 << 30;

/** A client socket that reads frames and knows who closed first. */
export class FuzzSocket {
  readonly socket: net.Socket;
  readonly closed: Promise<void>;
  localPort = 0;
  /** The worker ended the connection before we did. */
  closedByPeer = false;
  #ended = false;
  #reader = new FrameReader(POST_AUTH_LIMIT);
  #waiters: Array<(frame: Frame) => boolean> = [];
  answers = 0;

  constructor(socket: net.Socket) {
    this.socket = socket;
    this.localPort = socket.localPort ?? 0;
    socket.setNoDelay(true);
    socket.on("error", () => {
      // A reset by the worker is one of the expected endings; 'close' follows.
    });
    socket.on("end", () => {
      if (!this.#ended) this.closedByPeer = true;
    });
    this.closed = new Promise((resolve) =>
      socket.on("close", () => {
        if (!this.#ended) this.closedByPeer = true;
        resolve();
      })
    );
    socket.on("data", (chunk: Buffer) => {
      let frames: Frame[];
      try {
        frames = this.#reader.push(chunk);
      } catch {
        return; // The worker never sends bad frames; if it did, the tally of hangs shows it.
      }
      for (const f of frames) {
        if (f.type === MSG.PING) continue;
        const i = this.#waiters.findIndex((w) => w(f));
        if (i >= 0) this.#waiters.splice(i, 1);
        else if (f.type === MSG.RESULT_OK || f.type === MSG.RESULT_ERR) this.answers++;
      }
    });
  }

  static open(host: string, port: number): Promise<FuzzSocket> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port, noDelay: true });
      socket.once("connect", () => {
        socket.off("error", reject);
        resolve(new FuzzSocket(socket));
      });
      socket.once("error", reject);
    });
  }

  /** The next frame matching `match`, or null if the connection closes or `ms` pass first. */
  frame(match: (f: Frame) => boolean, ms: number): Promise<Frame | null> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(null), ms);
      const done = (f: Frame | null): void => {
        clearTimeout(timer);
        resolve(f);
      };
      const waiter = (f: Frame): boolean => {
        if (!match(f)) return false;
        done(f);
        return true;
      };
      this.#waiters.push(waiter);
      void this.closed.then(() => done(null));
    });
  }

  write(bytes: Uint8Array): void {
    if (bytes.byteLength > 0 && !this.socket.destroyed) this.socket.write(bytes);
  }

  /** Ends our side and resolves once the connection is gone (destroyed if the worker lingers). */
  async end(): Promise<boolean> {
    this.#ended = true;
    this.socket.end();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const inTime = await Promise.race([
      this.closed.then(() => true),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(false), HANG_MS))),
    ]);
    clearTimeout(timer);
    if (!inTime) this.socket.destroy();
    return inTime;
  }
}

/** What the worker's FrameReader makes of a broken frame followed by the end of the stream. */
export function brokenFrameOutcome(bytes: Uint8Array, limit: number): "refused" | "unfinished" | "parsed" {
  const reader = new FrameReader(limit);
  try {
    reader.push(bytes);
  } catch {
    return "refused";
  }
  return reader.buffered > 0 ? "unfinished" : "parsed";
}

function newStats(): FuzzStats {
  return {
    framesSent: 0,
    framesProcessed: 0,
    connections: 0,
    closedByWorker: 0,
    answers: 0,
    hangs: 0,
    maxSentinelMs: 0,
    needReason: new Map(),
    kinds: new Map(),
    phaseMs: { preAuth: 0, oddPids: 0, postAuth: 0 },
  };
}

function count(stats: FuzzStats, f: FuzzFrame): void {
  stats.kinds.set(f.kind, (stats.kinds.get(f.kind) ?? 0) + 1);
}

/** Runs `n` tasks with at most `width` at once. */
async function pool(n: number, width: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, n) }, async () => {
      while (next < n) await task(next++);
    }),
  );
}

/** One connection that never authenticates. */
async function preAuthSession(target: FuzzTarget, fuzz: FrameFuzzer, stats: FuzzStats): Promise<void> {
  if (stats.lost !== undefined) return;
  const s = await FuzzSocket.open(target.host, target.port).catch((err: Error) => {
    stats.lost ??= `cannot connect: ${err.message}`;
    return null;
  });
  if (s === null) return;
  stats.connections++;
  stats.needReason.set(s.localPort, "before authentication");
  let nonce: Uint8Array | null = null;
  if (fuzz.random() < 0.7) {
    const hello = await s.frame((f) => f.type === MSG.HELLO, HANG_MS);
    if (hello !== null) nonce = (decode(hello.body) as { nonce: Uint8Array }).nonce;
  }
  const f = fuzz.preAuth(nonce);
  count(stats, f);
  stats.needReason.set(s.localPort, `before authentication: ${f.kind}`);
  s.write(f.bytes);
  stats.framesSent++;
  stats.framesProcessed++;
  // Give the worker the chance to refuse the frame itself before we hang up: wait for its
  // AUTH_FAIL or close, except for frames it must wait on (nothing, or an unfinished frame).
  if (f.inStep && f.bytes.byteLength > 0) await s.frame((x) => x.type === MSG.AUTH_FAIL, HANG_MS);
  if (s.closedByPeer) stats.closedByWorker++;
  if (!(await s.end())) stats.hangs++;
}

/** Opens and authenticates a connection as process `pid` (any value: the MAC does not cover it). */
async function authenticated(
  target: FuzzTarget,
  pid: unknown,
  stats: FuzzStats,
  refused?: (why: string) => void,
): Promise<FuzzSocket | null> {
  if (stats.lost !== undefined) return null;
  const s = await FuzzSocket.open(target.host, target.port).catch((err: Error) => {
    stats.lost ??= `cannot connect: ${err.message}`;
    return null;
  });
  if (s === null) return null;
  stats.connections++;
  const hello = await s.frame((f) => f.type === MSG.HELLO, HANG_MS);
  if (hello === null) {
    stats.lost ??= `no HELLO from ${target.host}:${target.port} within ${HANG_MS} ms`;
    await s.end();
    return null;
  }
  const theirs = (decode(hello.body) as { nonce: Uint8Array }).nonce;
  const mine = randomBytes(16);
  s.write(
    frameBytes(MSG.AUTH, 0, {
      v: PROTOCOL_VERSION,
      nonce: mine,
      pid,
      mac: handshakeMac(hmacSha256, target.cookie, "connector", theirs, mine),
    }),
  );
  stats.framesSent++;
  stats.framesProcessed++;
  const ok = await s.frame((f) => f.type === MSG.AUTH_OK || f.type === MSG.AUTH_FAIL, HANG_MS);
  if (ok?.type === MSG.AUTH_OK) return s;
  refused?.(ok === null ? "it closed the connection without an answer" : String((decode(ok.body) as { reason?: unknown })?.reason));
  stats.needReason.set(s.localPort, `handshake claiming pid ${String(pid)}`);
  if (s.closedByPeer || ok !== null) stats.closedByWorker++;
  if (!(await s.end())) stats.hangs++;
  return null;
}

/** A connection to the worker authenticated as process `pid` (for targeted checks). */
export async function openAuthenticated(target: FuzzTarget, pid: unknown): Promise<FuzzSocket> {
  let why = "";
  const s = await authenticated(target, pid, newStats(), (reason) => (why = reason));
  if (s === null) throw new Error(`the worker at ${target.host}:${target.port} refused the handshake as pid ${String(pid)}: ${why}`);
  return s;
}

let sentinelCounter = 0;

/** A sentinel: a valid REF_READY the worker answers at once, with an id no fuzz frame uses. */
function sentinelFrame(pid: number): { id: number; bytes: Uint8Array } {
  const id = SENTINEL_ID_BASE + (sentinelCounter++ % 0x7fff_ffff);
  return { id, bytes: frameBytes(MSG.REF_READY, id, [[pid, 0]]) };
}

/**
 * Writes the frames, each followed by a sentinel, in one write; resolves with how many
 * sentinels were answered before the connection closed (all of them if it stayed open). The
 * worker handles frames in order, so when it closes, frame answered + 1 is the one it refused.
 */
async function sendWithSentinels(s: FuzzSocket, pid: number, frames: readonly Uint8Array[], stats: FuzzStats): Promise<number> {
  const parts: Uint8Array[] = [];
  const ids: number[] = [];
  for (const f of frames) {
    const probe = sentinelFrame(pid);
    parts.push(f, probe.bytes);
    ids.push(probe.id);
  }
  const bytes = new Uint8Array(parts.reduce((n, b) => n + b.byteLength, 0));
  let at = 0;
  for (const b of parts) {
    bytes.set(b, at);
    at += b.byteLength;
  }
  let answered = 0;
  const start = Date.now();
  const answers = ids.map((id) => s.frame((f) => f.id === id, HANG_MS).then((f) => void (f !== null && answered++)));
  s.write(bytes);
  await Promise.all(answers);
  if (answered === ids.length) stats.maxSentinelMs = Math.max(stats.maxSentinelMs, Date.now() - start);
  else if (!s.closedByPeer) stats.hangs++;
  return answered;
}

/** One authenticated connection: batches of in-step frames, then maybe one broken frame. */
async function postAuthSession(
  target: FuzzTarget,
  fuzz: FrameFuzzer,
  stats: FuzzStats,
  enough: () => boolean,
  batchSize: number,
): Promise<void> {
  const pid = fuzz.pid;
  const s = await authenticated(target, pid, stats, (why) => {
    stats.lost ??= `the worker at ${target.host}:${target.port} refused a correct handshake as pid ${pid}: ${why}`;
  });
  if (s === null) return;
  for (let batches = 0; !enough() && batches < 40; batches++) {
    const batch: Uint8Array[] = [];
    const kinds: string[] = [];
    let broken: FuzzFrame | null = null;
    while (batch.length < batchSize) {
      const f = fuzz.postAuth();
      count(stats, f);
      if (!f.inStep) {
        broken = f;
        break;
      }
      batch.push(f.bytes);
      kinds.push(`${f.kind} type ${f.bytes[4]}`);
    }
    stats.framesSent += batch.length;
    const answered = await sendWithSentinels(s, pid, batch, stats);
    if (answered < batch.length) {
      stats.framesProcessed += answered + 1;
      stats.answers += s.answers;
      if (s.closedByPeer) {
        stats.closedByWorker++;
        stats.needReason.set(s.localPort, `closed by the worker after frame ${answered + 1} of a batch of ${kinds.join(", ")}`);
      }
      await s.end();
      return;
    }
    stats.framesProcessed += batch.length;
    if (broken !== null) {
      stats.answers += s.answers;
      s.write(broken.bytes);
      stats.framesSent++;
      stats.framesProcessed++;
      const outcome = brokenFrameOutcome(broken.bytes, POST_AUTH_LIMIT);
      const what = `${broken.kind} frame (${outcome}): ${Buffer.from(broken.bytes.subarray(0, 24)).toString("hex")}`;
      if (outcome !== "parsed") stats.needReason.set(s.localPort, what);
      if (!(await s.end())) stats.hangs++;
      if (s.closedByPeer) {
        stats.closedByWorker++;
        stats.needReason.set(s.localPort, `closed by the worker after a ${what}`);
      }
      return;
    }
  }
  stats.answers += s.answers;
  await s.end();
}

/** Fuzzes one worker; resolves with the tally (the reasons are in the worker's stderr). */
export async function fuzzWorker(target: FuzzTarget, options: FuzzOptions): Promise<FuzzStats> {
  const stats = newStats();
  const width = options.concurrency ?? 8;
  const pre = Math.round(options.frames * (options.preAuthShare ?? 0.08));
  const preFuzz = new FrameFuzzer(options.seed, 0);
  let t0 = Date.now();
  // Twice as many at once: these connections mostly wait on the worker's answer.
  await pool(pre, width * 2, () => preAuthSession(target, preFuzz, stats));
  stats.phaseMs.preAuth = Date.now() - t0;
  t0 = Date.now();

  const oddFuzz = new FrameFuzzer(options.seed + 1, 0);
  await pool(options.oddPids ?? 60, width, async () => {
    const s = await authenticated(target, oddFuzz.claimedPid(), stats);
    if (s === null) return;
    // Accepted: it must still be served properly (or closed with a reason).
    if ((await sendWithSentinels(s, 0, [new Uint8Array(0)], stats)) === 0 && s.closedByPeer) {
      stats.closedByWorker++;
      stats.needReason.set(s.localPort, "closed by the worker after authenticating with an odd pid");
    }
    await s.end();
  });

  stats.phaseMs.oddPids = Date.now() - t0;
  t0 = Date.now();
  // Until enough frames were processed (the last sessions in flight overshoot a little).
  const enough = (): boolean => stats.framesProcessed >= options.frames || stats.lost !== undefined;
  let session = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (!enough()) {
        const fuzz = new FrameFuzzer(options.seed * 7919 + session, 100_000 + session);
        session++;
        await postAuthSession(target, fuzz, stats, enough, options.batch ?? 12);
      }
    }),
  );
  stats.phaseMs.postAuth = Date.now() - t0;
  return stats;
}

/** A line of a worker's stderr that says why it refused or closed a connection. */
const REASON_LINE = /^(?:Refused a connection from|Closed the connection to) (?:the process at )?\S+?:(\d+)(?: \([^)]*\))?: (.*)$/;

/** The reasons a worker logged, by the connecting side's port. */
export function reasonsByPort(lines: readonly string[]): Map<number, string> {
  const out = new Map<number, string>();
  for (const line of lines) {
    const m = REASON_LINE.exec(line);
    if (m !== null) out.set(Number(m[1]), m[2]!);
  }
  return out;
}

/** A reason with the numbers and addresses taken out, so that alike reasons count together. */
export function reasonKind(reason: string): string {
  return reason
    .replace(/the process at \S+?:\d+( \(pid [^)]*\))?/g, "<peer>")
    .replace(/\d+(\.\d+)?/g, "N")
    .replace(/: (Unexpected|Maximum|Cannot|Data read|Unknown|Invalid|Expected)[^;]*$/, ": $1 ...")
    .slice(0, 160);
}
