/**
 * Communicator: MPI's communicator on one rank, the object an SPMD program talks through. Each
 * rank of a communicator is a cluster process (a pid); ranks are positions in its pid list.
 * Point-to-point `send`/`recv` with tags and any-source; the collectives `barrier`, `bcast`,
 * `reduce`, `allreduce`, `gather`, `allgather`, `scatter` (algorithms in collectives.ts); `split`
 * into sub-communicators; `finalize`.
 *
 * Failure is loud, never a hang: every collective call carries its kind and sequence number,
 * so ranks that call different collectives at the same point find out from the first message
 * that crosses (ERR_SPMD_MISMATCH, naming both) and tell the others; a rank that exits fails
 * every pending and later operation with ERR_SPMD_RANK_EXITED naming it (the cluster's peers
 * and heartbeats find it, wire.ts); finalize() with messages never received says so
 * (ERR_SPMD_PENDING).
 *
 * Why one file: the communicator is one state machine (the mailbox, the collective sequence
 * and the kinds it has entered, failure and finalize), which every operation reads and moves.
 *
 * @example
 * ```ts
 * import { spmdInit } from "distributed";
 * const comm = await spmdInit();
 * const sum = await comm.allreduce(comm.rank, "+"); // 0 + 1 + ... + (size - 1), on every rank
 * if (comm.rank === 0) await comm.send("hello", 1, 7);
 * if (comm.rank === 1) await comm.recv(0, 7);       // "hello"
 * await comm.finalize();
 * ```
 * @module
 */
import { ProcessExitedError, SpmdError } from "../errors.ts";
import { type SpmdCode } from "../errors/spmd.ts";
import * as algo from "./collectives.ts";
import { type Envelope, Mailbox, type Status } from "./mailbox.ts";
import { checkOp, isTypedArray, type OpArg, type SpmdOp } from "./ops.ts";
import { attach, detach, type Endpoint, post, postIfConnected } from "./wire.ts";

/** How long a rank in finalize waits for a gone rank's goodbye before calling it dead (it may come after the news). */
const BYE_GRACE_MS = 2000;

/** How many entered collectives' kinds a communicator remembers, to name a mismatch. */
const KINDS_KEPT = 256;

/**
 * A communicator on this rank. Get one from `spmdInit()` (a launcher: mpirun, srun,
 * `distributed spmd`) or as the argument of `spmd`'s function; make smaller ones with `split`.
 *
 * @example
 * ```ts
 * import { spmd, workers } from "distributed";
 * const sums = await spmd(async (comm) => {
 *   const total = await comm.allreduce(new Float64Array([comm.rank, 1]), "+"); // elementwise, on every rank
 *   const root = await comm.bcast(comm.rank === 0 ? "from rank 0" : undefined, 0);
 *   const all = await comm.gather(comm.rank * 10, 0);                           // [0, 10, ...] on rank 0
 *   return [total[0], root, all];
 * }, { pids: workers() });
 * ```
 */
export class Communicator implements Endpoint {
  /** This process's rank, 0 .. size - 1. */
  readonly rank: number;
  /** The number of ranks. */
  readonly size: number;
  /** The cluster pid of each rank. */
  readonly pids: readonly number[];
  /** The communicator's id, the same on every rank. */
  readonly id: string;
  #box = new Mailbox();
  #seq = 0;
  #kinds = new Map<number, string>();
  #finalized = false;
  #finalizing = false;
  /** Ranks that said they finished finalize (they may exit now). */
  #byes = new Set<number>();
  #onFinalize: (() => void | Promise<void>) | undefined;
  #started: { promise: Promise<void>; resolve: () => void } | undefined;

  /** @internal Made by spmdInit, spmd and split: `pids` in rank order, `me` this process's pid. */
  constructor(id: string, pids: readonly number[], me: number, onFinalize?: () => void | Promise<void>) {
    this.id = id;
    this.pids = Object.freeze([...pids]);
    this.rank = pids.indexOf(me);
    this.size = pids.length;
    if (this.rank < 0) throw new RangeError(`Process ${me} is not a rank of communicator ${id} (pids ${pids.join(", ")})`);
    this.#onFinalize = onFinalize;
    attach(id, this);
  }

  /** Sends `value` to rank `dest` with `tag` (an integer >= 0). Resolves once handed to the connection: `value` may change at once. */
  send(value: unknown, dest: number, tag = 0): Promise<void> {
    try {
      this.#usable("send");
      this.#checkRank(dest, "send: dest");
      if (!(Number.isInteger(tag) && tag >= 0)) throw new TypeError(`send: tag must be an integer >= 0, got ${String(tag)}`);
      const v = dest === this.rank && isTypedArray(value) ? value.slice() : value;
      this.#post(dest, { c: this.id, s: this.rank, k: "", q: 0, i: 0, t: tag, v });
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** The next message from rank `source` with `tag` ("any" for either: MPI's ANY_SOURCE and ANY_TAG). */
  async recv<T = unknown>(source: number | "any" = "any", tag: number | "any" = "any"): Promise<T> {
    return (await this.recvStatus<T>(source, tag)).value;
  }

  /** As recv, with the source and tag the message came with (for "any"). */
  recvStatus<T = unknown>(source: number | "any" = "any", tag: number | "any" = "any"): Promise<Status<T>> {
    try {
      this.#usable("recv");
      if (source !== "any") this.#checkRank(source, "recv: source");
      if (tag !== "any" && !(Number.isInteger(tag) && tag >= 0)) {
        throw new TypeError(`recv: tag must be an integer >= 0 or "any", got ${String(tag)}`);
      }
      return this.#box.receive(source, tag) as Promise<Status<T>>;
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Resolves once every rank has called barrier. */
  barrier(): Promise<void> {
    return this.#collective("barrier", (c) => algo.barrier(c));
  }

  /** Every rank gets `root`'s value (the others' `value` is ignored). */
  bcast<T>(value: T, root = 0): Promise<T> {
    return this.#collective("bcast", (c) => algo.bcast(c, value, this.#checkRank(root, "bcast: root")));
  }

  /** `root` gets every rank's value combined with `op` (elementwise for typed arrays); the others get undefined. */
  reduce<T>(value: T, op: SpmdOp<T extends ArrayLike<infer E> ? E : T>, root = 0): Promise<T | undefined> {
    return this.#collective("reduce", (c) => {
      checkOp(op, "reduce");
      return algo.reduce(c, value, op as OpArg, this.#checkRank(root, "reduce: root"));
    });
  }

  /** Every rank gets every rank's value combined with `op` (elementwise for typed arrays). */
  allreduce<T>(value: T, op: SpmdOp<T extends ArrayLike<infer E> ? E : T>): Promise<T> {
    return this.#collective("allreduce", (c) => {
      checkOp(op, "allreduce");
      return algo.allreduce(c, value, op as OpArg);
    });
  }

  /** `root` gets every rank's value in rank order; the others get undefined. */
  gather<T>(value: T, root = 0): Promise<T[] | undefined> {
    return this.#collective("gather", (c) => algo.gather(c, value, this.#checkRank(root, "gather: root")));
  }

  /** Every rank gets every rank's value in rank order. */
  allgather<T>(value: T): Promise<T[]> {
    return this.#collective("allgather", (c) => algo.allgather(c, value));
  }

  /** Rank r gets `values[r]` of `root`'s array (of `size` values; ignored on the other ranks). */
  scatter<T>(values: readonly T[] | undefined, root = 0): Promise<T> {
    return this.#collective("scatter", (c) => {
      const r = this.#checkRank(root, "scatter: root");
      if (this.rank === r && !(Array.isArray(values) && values.length === this.size)) {
        throw new TypeError(`scatter: the root's values must be an array of ${this.size} values (one per rank), got ${describe(values)}`);
      }
      return algo.scatter(c, values, r);
    });
  }

  /**
   * MPI_Comm_split: ranks that pass the same `color` form a new communicator, ordered by `key`
   * (then by rank). A `color` of null leaves this rank out: it gets null. Every rank must call it.
   */
  async split(color: number | null, key: number = this.rank): Promise<Communicator | null> {
    if (color !== null && !Number.isInteger(color)) throw new TypeError(`split: color must be an integer or null, got ${String(color)}`);
    if (!Number.isFinite(key)) throw new TypeError(`split: key must be a number, got ${String(key)}`);
    const at = this.#seq;
    const all = await this.#collective("split", (c) => algo.allgather(c, [color, key] as [number | null, number]));
    if (color === null) return null;
    const members = all.map(([c, k], r) => ({ c, k, r })).filter((m) => m.c === color).sort((a, b) => a.k - b.k || a.r - b.r);
    return new Communicator(`${this.id}/${at}:${color}`, members.map((m) => this.pids[m.r]!), this.pids[this.rank]!);
  }

  /**
   * Ends the communicator: a barrier, then a check that every message sent to this rank was
   * received (ERR_SPMD_PENDING names those that were not). Later operations reject with
   * ERR_SPMD_FINALIZED. From a launcher, the rank may exit after it.
   */
  async finalize(): Promise<void> {
    if (this.#finalized) return;
    const done = this.barrier();
    // A rank that has passed the barrier may exit at once, before this one has heard the last
    // messages of the others: every rank has entered finalize, so nobody is gone by mistake.
    this.#finalizing = true;
    await done;
    // Goodbyes: a rank that exits after this is not dead to the ranks still in the barrier.
    for (let r = 0; r < this.size; r++) {
      if (r === this.rank) continue;
      try {
        postIfConnected(this.pids[r]!, { c: this.id, s: this.rank, k: "~", q: 0, i: 0, t: 0, v: null });
      } catch {
        // Gone already: it finished before us.
      }
    }
    const left = this.#box.leftovers();
    this.#finalized = true;
    detach(this.id);
    this.#box.fail(this.#finalizedError("a receive"));
    await this.#onFinalize?.();
    if (left.length > 0) {
      throw new SpmdError("ERR_SPMD_PENDING", `finalize() on rank ${this.rank} of ${this.size}: ${left.join("; ")}`, this.rank);
    }
  }

  /** @internal Fails this communicator on every rank (the function of `spmd` threw on this one). */
  abort(err: Error, code: SpmdCode = "ERR_SPMD_ABORTED"): void {
    if (this.#box.failed !== null || this.#finalized) return;
    const message = `rank ${this.rank} failed: ${err.message}`;
    this.#fail(new SpmdError(code, message, this.rank));
    this.#tellOthers(code, message, this.rank);
  }

  /** Whether finalize() has run (or spmd's function has returned). */
  get finalized(): boolean {
    return this.#finalized;
  }

  /** Whether finalize() has been called (its barrier may still be running). */
  get finalizing(): boolean {
    return this.#finalizing || this.#finalized;
  }

  /** @internal Stops routing messages here without the finalize barrier (spmd's function returned). */
  close(): void {
    this.#finalized = true;
    detach(this.id);
  }

  /** @internal A launcher's rank 0, once every rank has joined the cluster: tells the others they may send. */
  start(): void {
    for (let r = 1; r < this.size; r++) this.#post(r, { c: this.id, s: 0, k: "^", q: 0, i: 0, t: 0, v: null });
  }

  /** @internal A launcher's other ranks: resolves once rank 0 says every rank has joined. */
  started(): Promise<void> {
    if (this.#started === undefined) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.#started = { promise, resolve };
    }
    return this.#started.promise;
  }

  /** @internal An envelope for this communicator arrived. */
  deliver(env: Envelope): void {
    if (env.k === "~") return void this.#byes.add(env.s);
    if (env.k === "^") {
      void this.started();
      return this.#started!.resolve();
    }
    if (env.k === "!") {
      const { code, message, rank } = env.v as { code: SpmdCode; message: string; rank: number };
      return this.#fail(new SpmdError(code, `${message} (reported by rank ${env.s})`, rank));
    }
    if (env.k !== "") {
      const mine = this.#kinds.get(env.q);
      if (mine !== undefined && mine !== env.k) return void this.#mismatch(env.q, mine, env.s, env.k);
    }
    this.#box.deliver(env);
  }

  /** @internal A cluster process is gone. */
  peerGone(pid: number, detail: string): void {
    const r = this.pids.indexOf(pid);
    if (r < 0 || r === this.rank || this.#finalized || this.#byes.has(r)) return;
    if (this.#finalizing) {
      // It may have finished finalize and exited, its goodbye still on the way (the news of its
      // exit can come first, from the master): wait for it a little before calling it dead.
      const timer = setTimeout(() => this.#finalizing && !this.#finalized && this.#peerGoneNow(r, pid, detail), BYE_GRACE_MS);
      (timer as { unref?: () => void }).unref?.();
      return;
    }
    this.#peerGoneNow(r, pid, detail);
  }

  #peerGoneNow(r: number, pid: number, detail: string): void {
    if (this.#byes.has(r)) return;
    this.#fail(new SpmdError("ERR_SPMD_RANK_EXITED", `rank ${r} (pid ${pid}) of communicator ${this.id} exited: ${detail}`, r));
  }

  async #collective<T>(kind: string, body: (c: algo.Step) => T | Promise<T>): Promise<T> {
    this.#usable(kind);
    const q = this.#seq++;
    this.#kinds.set(q, kind);
    this.#kinds.delete(q - KINDS_KEPT);
    const early = this.#box.arrivedFor(q).find((env) => env.k !== kind);
    if (early !== undefined) throw this.#mismatch(q, kind, early.s, early.k);
    const step: algo.Step = {
      rank: this.rank,
      size: this.size,
      send: (to, i, v) => this.#post(to, { c: this.id, s: this.rank, k: kind, q, i, t: 0, v }),
      recv: (from, i) => this.#box.collective(from, q, i),
    };
    return await body(step);
  }

  #post(to: number, env: Envelope): void {
    try {
      post(this.pids[to]!, env);
    } catch (err) {
      if (!(err instanceof ProcessExitedError)) throw err;
      this.peerGone(this.pids[to]!, err.message);
      throw this.#box.failed ?? err;
    }
  }

  #mismatch(q: number, mine: string, rank: number, theirs: string): SpmdError {
    const message =
      `collective #${q} of communicator ${this.id} does not match: rank ${this.rank} called ${mine}, rank ${rank} called ${theirs}; every rank must call the same collectives in the same order`;
    const err = new SpmdError("ERR_SPMD_MISMATCH", message, rank);
    if (this.#box.failed === null) {
      this.#fail(err);
      this.#tellOthers("ERR_SPMD_MISMATCH", message, rank);
    }
    return this.#box.failed as SpmdError;
  }

  #tellOthers(code: SpmdCode, message: string, rank: number): void {
    for (let r = 0; r < this.size; r++) {
      if (r === this.rank) continue;
      try {
        post(this.pids[r]!, { c: this.id, s: this.rank, k: "!", q: 0, i: 0, t: 0, v: { code, message, rank } });
      } catch {
        // That rank is gone: it has nothing left to be told, and the others learn it from the cluster.
      }
    }
  }

  #fail(err: Error): void {
    this.#box.fail(err);
  }

  #usable(what: string): void {
    if (this.#finalized) throw this.#finalizedError(what);
    if (this.#box.failed !== null) throw this.#box.failed;
  }

  #finalizedError(what: string): SpmdError {
    return new SpmdError("ERR_SPMD_FINALIZED", `${what} on communicator ${this.id} after finalize()`, this.rank);
  }

  #checkRank(r: number, what: string): number {
    if (!(Number.isInteger(r) && r >= 0 && r < this.size)) {
      throw new RangeError(`${what} must be a rank of this communicator (an integer 0 .. ${this.size - 1}), got ${String(r)}`);
    }
    return r;
  }
}

function describe(x: unknown): string {
  return Array.isArray(x) ? `an array of ${x.length}` : x === undefined ? "undefined" : typeof x;
}
