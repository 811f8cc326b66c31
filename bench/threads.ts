/**
 * Thread-pool bench (`npm run bench:threads`, i.e. `node dist/bench/threads.js [--rounds=N]
 * [--terms=N] [--tasks=N]`; from source `bun bench/threads.ts`, `deno run -A bench/threads.ts`
 * from the repo): our `threads` pool on 2 threads next to the raw limit (bare worker_threads
 * and postMessage, bench/threads-task.ts) and next to piscina (Node's common worker pool, a
 * devDependency; written for Node, it also ran under Bun 1.4.5 and Deno 2.9.6 here; where it
 * fails, its rows say how), all measured in the same run, alternately (the order rotates every
 * round), so a burst of load on this shared machine lands on every side. Medians of
 * `--rounds` rounds (default 5), after one unrecorded warm-up round.
 *
 * 1. Start-up: a fresh pool until its first task answers (threads.close() before each sample),
 *    vs piscina's construction and first run, vs bare Workers until they answer.
 * 2. Per-task overhead, `--tasks` (default 10 000) tiny tasks `x + 1`: one call per item, all
 *    issued at once (threads.map(f, [x]) vs piscina's run(x) vs bare postMessage), one call
 *    for all items (threads.map(f, items) vs two bare messages of half the items), and the
 *    latency of one task alone. `f` both by reference (`inc`, an export of a module loaded with
 *    everywhere(url)) and as source (`x => x + 1`, compiled once per thread). Then the same
 *    per-task steps timed in-process on this thread (encode, decode, resolve, the bytes a
 *    postMessage clones), to show where our time goes; and the per-item rows again once a
 *    large message has passed (our messages to and from the pool are views into msgpackr's
 *    buffer, which grows with the largest message and is cloned whole by every postMessage).
 * 3. Parallel efficiency: seed 000's pi series (`--terms`, default 6e8, in chunks of 1e7)
 *    serially on this thread vs threads.reduce and threads.parallelFor (+ a SharedArray) on 2
 *    threads, vs `distributed(..., "+")` on 2 thread workers and on 2 process workers, with 2
 *    bare worker_threads summing half each as the raw limit. Speedup = serial / parallel,
 *    efficiency = speedup / 2; CPU/wall says how many cores this process actually got (on a
 *    loaded machine, fewer than 2, and then no way reaches an efficiency of 1).
 *
 * Everything it starts (pool, bare threads, piscina, workers) is stopped at the end, also on
 * an error.
 *
 * @module
 */
import { cpus, loadavg } from "node:os";
import { Worker } from "node:worker_threads";
import { addprocs, capture, distributed, everywhere, range, rmprocs, SharedArray, threads, workers } from "../src/mod.ts";
import { type CallBody, encodeCall, resolveCallable } from "../src/code/invoke.ts";
import { decode, encode } from "../src/protocol/codec.ts";
import { mapBatch } from "../src/parallel/map-batch.ts";
import { currentRuntime, runtimeVersion, sibling } from "./runtimes.ts";
import { median, now } from "./stats.ts";
import { positiveIntOption } from "./options.ts";
import { inc, partialPi, type RawMessage } from "./threads-task.ts";

const argv = process.argv.slice(2);
const option = positiveIntOption;
const rounds = option("rounds", 5);
const TERMS = option("terms", 6e8);
const TASKS = option("tasks", 10_000);
const CHUNK = 10_000_000;
if (TERMS % CHUNK !== 0) throw new RangeError(`--terms must be a multiple of ${CHUNK}, got ${TERMS}`);
/** Sequential round trips per latency sample. */
const LATENCY_CALLS = 500;
/** Per-task steps timed in-process, iterations per sample. */
const STEP_CALLS = 20_000;
const NTHREADS = 2;
const PISCINA_TIMEOUT_MS = 60_000;

const runtime = currentRuntime();
const taskUrl = new URL(`./threads-task.${import.meta.url.endsWith(".ts") ? "ts" : "js"}`, import.meta.url);
const taskFile = sibling(import.meta.url, "threads-task");
const lambda = (x: number): number => x + 1;
const WHERE = "threads.map";
const TARGET = { sharesMemory: true, describe: `a thread (${WHERE})` };

// ---- helpers -------------------------------------------------------------------------------

/** A way of doing something, timed: one sample per call (ms, or µs per task), or an error. */
interface Way {
  label: string;
  run: () => Promise<number>;
}

/** Per way: its samples, or why it failed (it is not run again after a failure). */
type Samples = Map<string, number[] | string>;

/** Runs every way once unrecorded, then `rounds` rounds in an order that rotates each round. */
async function rotate(ways: readonly Way[]): Promise<Samples> {
  const out: Samples = new Map(ways.map((w) => [w.label, [] as number[]]));
  const once = async (w: Way, record: boolean): Promise<void> => {
    const prior = out.get(w.label);
    if (typeof prior === "string") return;
    try {
      const v = await w.run();
      if (record) (prior as number[]).push(v);
    } catch (err) {
      out.set(w.label, ((err as Error).message ?? String(err)).split("\n")[0]!);
    }
  };
  for (const w of ways) await once(w, false);
  for (let i = 0; i < rounds; i++) for (let j = 0; j < ways.length; j++) await once(ways[(i + j) % ways.length]!, true);
  return out;
}

/** The median of a way's samples, or its error. */
function med(s: Samples, label: string): number | string {
  const v = s.get(label);
  if (v === undefined) return "not measured";
  if (typeof v === "string") return v;
  return v.length > 0 ? median(v) : "no samples";
}

function timed<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer after ${ms / 1000} s`)), ms);
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

function fmt(v: number | string, unit: "ms" | "µs"): string {
  if (typeof v === "string") return `failed (${v.length > 60 ? `${v.slice(0, 57)}...` : v})`;
  return unit === "ms" ? `${v.toFixed(v < 10 ? 1 : 0)} ms` : `${v.toFixed(v < 10 ? 2 : 1)} µs`;
}

/** a / b as "1.23x", or "-" when either is missing. */
function ratio(a: number | string, b: number | string): string {
  return typeof a === "number" && typeof b === "number" ? `${(a / b).toFixed(2)}x` : "-";
}

/** A table with a header line and padded columns; the first column left-aligned. */
function layout(title: string, header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(" | ");
  return [title, line(header), widths.map((w) => "-".repeat(w)).join("-|-"), ...rows.map(line)].join("\n");
}

/** A function spec for the table: a module reference without its long URL. */
function describeSpec(spec: unknown[]): string {
  return spec[0] === "r" ? `["r", <url>, ${JSON.stringify(spec[2])}]` : JSON.stringify(spec);
}

/** The size of the buffer msgpackr is writing into on this thread (what a view of it drags along). */
function packBufferBytes(): number {
  return encode(0, null, true).body.buffer.byteLength;
}

// ---- raw: bare worker_threads --------------------------------------------------------------

interface Raw {
  worker: Worker;
  on: (m: unknown) => void;
}

function startRaw(): Raw {
  const worker = new Worker(taskUrl, { workerData: { raw: true } });
  const raw: Raw = { worker, on: () => {} };
  worker.on("message", (m: unknown) => raw.on(m));
  worker.on("error", (err: Error) => process.stderr.write(`bench: a raw thread failed: ${err.message}\n`));
  return raw;
}

function ask(raw: Raw, m: RawMessage): Promise<unknown> {
  return new Promise((resolve) => {
    raw.on = resolve;
    raw.worker.postMessage(m);
  });
}

/** `n` messages posted at once, alternately to each raw thread; ms until every answer is in. */
function rawPipelined(raws: readonly Raw[], n: number, message: (i: number) => unknown): Promise<number> {
  return new Promise((resolve) => {
    const t0 = now();
    let left = n;
    for (const r of raws) r.on = () => void (--left === 0 && resolve(now() - t0));
    for (let i = 0; i < n; i++) raws[i % raws.length]!.worker.postMessage(message(i));
  });
}

/** `n` messages, one in flight per raw thread (the next posted from the answer's callback). */
function rawPingPong(raws: readonly Raw[], n: number): Promise<number> {
  return new Promise((resolve) => {
    const t0 = now();
    let sent = 0;
    let left = n;
    for (const r of raws) {
      r.on = () => {
        if (--left === 0) return resolve(now() - t0);
        if (sent < n) r.worker.postMessage(sent++);
      };
    }
    for (const r of raws) if (sent < n) r.worker.postMessage(sent++);
  });
}

// ---- piscina ---------------------------------------------------------------------------------

interface PiscinaPool {
  run(task: unknown): Promise<unknown>;
  destroy(): Promise<void>;
}
type PiscinaCtor = new (
  options: { filename: string; minThreads: number; maxThreads: number; concurrentTasksPerWorker?: number },
) => PiscinaPool;

let Piscina: PiscinaCtor | string;
let piscinaVersion = "";
try {
  const mod = await import("piscina");
  Piscina = mod.Piscina as unknown as PiscinaCtor;
  piscinaVersion = mod.version;
} catch (err) {
  Piscina = `could not load piscina: ${(err as Error).message.split("\n")[0]}`;
}

/** piscina's tasks in flight per thread when it may pipeline (its default is 1). */
const PISCINA_DEEP = 64;

function newPiscina(concurrentTasksPerWorker = 1): PiscinaPool {
  if (typeof Piscina === "string") throw new Error(Piscina);
  return new Piscina({ filename: taskFile, minThreads: NTHREADS, maxThreads: NTHREADS, concurrentTasksPerWorker });
}

// ---- the bench -------------------------------------------------------------------------------

const started = now();
const load0 = loadavg()[0]!;
const tables: string[] = [];
let raws: Raw[] = [];
let piscina: PiscinaPool | null = null;
let piscinaDeep: PiscinaPool | null = null;
await threads.setNthreads(NTHREADS);

try {
  // 1. Start-up, before anything is loaded with everywhere() (a pool thread replays those as it starts).
  const rawFirst: number[] = [];
  const startup = await rotate([
    {
      label: "raw",
      run: async () => {
        const t0 = now();
        const pair = [startRaw(), startRaw()];
        let first = 0;
        await timed(Promise.all(pair.map((r) => ask(r, 1).then(() => void (first ||= now() - t0)))), 30_000, "raw threads");
        const all = now() - t0;
        rawFirst.push(first);
        await Promise.all(pair.map((r) => r.worker.terminate()));
        return all;
      },
    },
    {
      label: "piscina",
      run: async () => {
        const t0 = now();
        const pool = newPiscina();
        try {
          const v = await timed(pool.run(1), PISCINA_TIMEOUT_MS, "piscina's first run");
          if (v !== 2) throw new Error(`piscina's run(1) gave ${String(v)}`);
          return now() - t0;
        } finally {
          await timed(pool.destroy(), PISCINA_TIMEOUT_MS, "piscina's destroy").catch(() => {});
        }
      },
    },
    {
      label: "map",
      run: async () => {
        await threads.close();
        const t0 = now();
        await threads.map((x: number) => x, [1]);
        return now() - t0;
      },
    },
    {
      label: "parallelFor",
      run: async () => {
        await threads.close();
        const t0 = now();
        await threads.parallelFor(range(0, NTHREADS), (i: number) => i);
        return now() - t0;
      },
    },
  ]);
  rawFirst.splice(0, rawFirst.length - rounds); // the warm-up's
  const rawAll = med(startup, "raw");
  const rawOne = rawFirst.length > 0 ? median(rawFirst) : rawAll;
  const pStart = med(startup, "piscina");
  tables.push(
    layout(
      "Start-up: 2 threads started until the first task answers (ours: threads.close() first)",
      ["", "time", "vs raw", "vs piscina"],
      [
        ["raw: 2 bare Workers, first answer", fmt(rawOne, "ms"), "1.00x", ""],
        ["raw: 2 bare Workers, both answered", fmt(rawAll, "ms"), "1.00x", ""],
        [`piscina ${piscinaVersion}: new Piscina({ min/maxThreads: 2 }) + first run`, fmt(pStart, "ms"), ratio(pStart, rawOne), "1.00x"],
        [
          "ours: first threads.map(f, [1]) (one thread answers)",
          fmt(med(startup, "map"), "ms"),
          ratio(med(startup, "map"), rawOne),
          ratio(med(startup, "map"), pStart),
        ],
        [
          "ours: first threads.parallelFor(range(0, 2), f) (both answer)",
          fmt(med(startup, "parallelFor"), "ms"),
          ratio(med(startup, "parallelFor"), rawAll),
          ratio(med(startup, "parallelFor"), pStart),
        ],
      ],
    ),
  );
  process.stderr.write(`bench: start-up done (${((now() - started) / 1000).toFixed(0)} s)\n`);

  // 2. Per-task overhead.
  await everywhere(taskUrl);
  raws = [startRaw(), startRaw()];
  await Promise.all(raws.map((r) => ask(r, 0)));
  let piscinaError = "";
  try {
    piscina = newPiscina();
    piscinaDeep = newPiscina(PISCINA_DEEP);
    for (const p of [piscina, piscinaDeep]) {
      const v = await timed(p.run(1), PISCINA_TIMEOUT_MS, "piscina's first run");
      if (v !== 2) throw new Error(`piscina's run(1) gave ${String(v)}`);
    }
  } catch (err) {
    piscinaError = (err as Error).message.split("\n")[0]!;
    for (const p of [piscina, piscinaDeep]) if (p !== null) void p.destroy().catch(() => {});
    piscina = piscinaDeep = null;
  }
  const withPiscina = (f: (p: PiscinaPool) => Promise<number>, deep = false) => async (): Promise<number> => {
    const p = deep ? piscinaDeep : piscina;
    if (p === null) throw new Error(piscinaError);
    return f(p);
  };
  const check = async (got: Promise<unknown[]>, want: number): Promise<void> => {
    const v = await got;
    if (v[0] !== want) throw new Error(`expected ${want}, got ${String(v[0])}`);
  };
  if ((await threads.map(inc, [1]))[0] !== 2 || (await threads.map(lambda, [1]))[0] !== 2) {
    throw new Error("threads.map gave a wrong answer");
  }
  const smallBuffer = packBufferBytes();

  /** µs per call over LATENCY_CALLS sequential calls of `one`. */
  const sequential = (one: (i: number) => Promise<unknown>) => async (): Promise<number> => {
    const t0 = now();
    for (let i = 0; i < LATENCY_CALLS; i++) await one(i);
    return ((now() - t0) * 1000) / LATENCY_CALLS;
  };
  const latencyWays = (suffix: string): Way[] => [
    { label: `lat-raw${suffix}`, run: sequential((i) => ask(raws[0]!, i)) },
    { label: `lat-piscina${suffix}`, run: withPiscina((p) => sequential((i) => p.run(i))()) },
    { label: `lat-map-inc${suffix}`, run: sequential((i) => threads.map(inc, [i])) },
    { label: `lat-map-src${suffix}`, run: sequential((i) => threads.map(lambda, [i])) },
    { label: `lat-for${suffix}`, run: sequential(() => threads.parallelFor(range(0, 1), inc)) },
  ];
  const items = Array.from({ length: TASKS }, (_, i) => i);
  /** µs per task for `n` tasks issued at once. */
  const perTask = (n: number, all: (xs: number[]) => Promise<unknown>) => async (): Promise<number> => {
    const xs = n === TASKS ? items : items.slice(0, n);
    const t0 = now();
    await all(xs);
    return ((now() - t0) * 1000) / n;
  };
  const request = encode(encodeCall(mapBatch, [inc, [1], null], WHERE), TARGET, true).body;
  // A copy of its own (a Node Buffer's slice() would be another view of the same buffer).
  const requestCopy = new Uint8Array(request);
  const perItemWays = (n: number, suffix: string): Way[] => [
    { label: `item-raw${suffix}`, run: async () => ((await rawPipelined(raws, n, (i) => i)) * 1000) / n },
    { label: `item-piscina${suffix}`, run: withPiscina((p) => perTask(n, (xs) => Promise.all(xs.map((x) => p.run(x))))()) },
    { label: `item-piscina-deep${suffix}`, run: withPiscina((p) => perTask(n, (xs) => Promise.all(xs.map((x) => p.run(x))))(), true) },
    { label: `item-map-inc${suffix}`, run: perTask(n, (xs) => Promise.all(xs.map((x) => check(threads.map(inc, [x]), x + 1)))) },
    { label: `item-map-src${suffix}`, run: perTask(n, (xs) => Promise.all(xs.map((x) => check(threads.map(lambda, [x]), x + 1)))) },
  ];

  const latency = await rotate(latencyWays(""));
  process.stderr.write(`bench: latency done (${((now() - started) / 1000).toFixed(0)} s)\n`);
  const perItem = await rotate([
    ...perItemWays(TASKS, ""),
    { label: "item-pingpong", run: async () => ((await rawPingPong(raws, TASKS)) * 1000) / TASKS },
    {
      label: "item-raw-shape",
      run: async () => ((await rawPipelined(raws, TASKS, (id) => ({ id, body: request, share: [] }))) * 1000) / TASKS,
    },
    {
      label: "item-raw-shape-copy",
      run: async () => ((await rawPipelined(raws, TASKS, (id) => ({ id, body: requestCopy, share: [] }))) * 1000) / TASKS,
    },
  ]);
  process.stderr.write(`bench: per-item done (${((now() - started) / 1000).toFixed(0)} s)\n`);

  // Our per-task steps, timed here (the pool thread's steps too: they are the same code).
  const stepRows: string[][] = [];
  {
    const perCall = (f: (i: number) => unknown): number => {
      const samples: number[] = [];
      for (let r = 0; r < rounds; r++) {
        const t0 = now();
        for (let i = 0; i < STEP_CALLS; i++) f(i);
        samples.push(((now() - t0) * 1000) / STEP_CALLS);
      }
      return median(samples);
    };
    const columns = [inc, lambda].map((fn) => {
      const call = encodeCall(mapBatch, [fn, [1], null], WHERE);
      const req = new Uint8Array(encode(call, TARGET, true).body);
      const resolved = resolveCallable(decode(req) as CallBody);
      if (resolved instanceof Promise) throw new Error("the function should resolve at once here");
      const [runBatch, args] = resolved;
      const reply: unknown = [[2], null, 0.01];
      const rep = new Uint8Array(encode(reply, TARGET, true).body);
      return {
        spec: describeSpec((call[1][0] as { spec: unknown[] }).spec),
        encodeCall: perCall((i) => encodeCall(mapBatch, [fn, [i], null], WHERE)),
        encode: perCall(() => encode(call, TARGET, true)),
        decode: perCall(() => resolveCallable(decode(req) as CallBody)),
        run: perCall(() => {
          void (runBatch as (...a: unknown[]) => Promise<unknown>)(...args);
          encode(reply, TARGET, true);
        }),
        decodeReply: perCall(() => decode(rep)),
        bytes: `${req.byteLength} B in ${encode(call, TARGET, true).body.buffer.byteLength} B`,
      };
    });
    const us = (v: number): string => `${v.toFixed(2)} µs`;
    const row = (label: string, f: (c: (typeof columns)[number]) => string): string[] => [label, ...columns.map(f)];
    stepRows.push(
      row("function on the wire", (c) => c.spec),
      row("encodeCall: function to spec, sendable checks", (c) => us(c.encodeCall)),
      row("encode request (msgpackr)", (c) => us(c.encode)),
      row("thread: decode request + resolveCallable", (c) => us(c.decode)),
      row("thread: mapBatch([x]) + encode reply", (c) => us(c.run)),
      row("decode reply", (c) => us(c.decodeReply)),
      row("sum of the above", (c) => us(c.encodeCall + c.encode + c.decode + c.run + c.decodeReply)),
      row("request body / buffer a postMessage clones", (c) => c.bytes),
    );
  }

  // One call with all the items.
  const halves = [Float64Array.from(items.slice(0, TASKS >> 1)), Float64Array.from(items.slice(TASKS >> 1))];
  const oneCall = await rotate([
    { label: "all-raw", run: perTask(TASKS, () => Promise.all(raws.map((r, k) => ask(r, { map: halves[k]! })))) },
    { label: "all-map-inc", run: perTask(TASKS, (xs) => check(threads.map(inc, xs), 1)) },
    { label: "all-map-src", run: perTask(TASKS, (xs) => check(threads.map(lambda, xs), 1)) },
  ]);
  process.stderr.write(`bench: one call done (${((now() - started) / 1000).toFixed(0)} s)\n`);

  // Once a large message has passed: msgpackr's buffers (here and in the pool's threads) have grown.
  await threads.map(inc, Array.from({ length: 20_000 }, (_, i) => i * 1e6));
  const grownBuffer = packBufferBytes();
  const grownRequest = encode(encodeCall(mapBatch, [inc, [1], null], WHERE), TARGET, true).body;
  const AFTER = Math.max(1, Math.floor(TASKS / 10));
  const after = await rotate([
    ...perItemWays(AFTER, "-after"),
    {
      label: "item-raw-shape-after",
      run: async () => ((await rawPipelined(raws, AFTER, (id) => ({ id, body: grownRequest, share: [] }))) * 1000) / AFTER,
    },
    ...latencyWays("-after").filter((w) => w.label !== "lat-for-after"),
  ]);
  process.stderr.write(`bench: after a large message done (${((now() - started) / 1000).toFixed(0)} s)\n`);

  const latRows = (s: Samples, suffix: string, note: string): string[][] => {
    const raw = med(s, `lat-raw${suffix}`);
    const p = med(s, `lat-piscina${suffix}`);
    const r = (
      label: string,
      key: string,
    ): string[] => [label + note, fmt(med(s, key + suffix), "µs"), ratio(med(s, key + suffix), raw), ratio(med(s, key + suffix), p)];
    return [
      r("raw: postMessage ping-pong, 1 thread", "lat-raw"),
      r(`piscina: await run(x)`, "lat-piscina"),
      r("ours: await threads.map(inc, [x])", "lat-map-inc"),
      r("ours: await threads.map(x => x + 1, [x])", "lat-map-src"),
      ...(suffix === "" ? [r("ours: await threads.parallelFor(range(0, 1), inc)", "lat-for")] : []),
    ];
  };
  tables.push(
    layout(
      `One task alone: ${LATENCY_CALLS} sequential round trips per sample (inc: an export of a module loaded with everywhere(url))`,
      ["", "µs/task", "vs raw", "vs piscina"],
      [...latRows(latency, "", ""), ...latRows(after, "-after", " (after a large message)")],
    ),
  );

  const itemRows = (s: Samples, suffix: string, n: number, note: string): string[][] => {
    const raw = med(s, `item-raw${suffix}`);
    const p = med(s, `item-piscina${suffix}`);
    const r = (
      label: string,
      key: string,
    ): string[] => [label + note, fmt(med(s, key), "µs"), ratio(med(s, key), raw), ratio(med(s, key), p)];
    return [
      r(`raw: ${n} postMessage(x) at once, 2 threads`, `item-raw${suffix}`),
      ...(suffix === ""
        ? [
          r("raw: postMessage(x), one in flight per thread", "item-pingpong"),
          r(`raw: our request shape, body a ${request.byteLength} B view of a ${smallBuffer} B buffer`, "item-raw-shape"),
          r(`raw: our request shape, body copied (${requestCopy.byteLength} B buffer)`, "item-raw-shape-copy"),
        ]
        : [r(`raw: our request shape, body a ${grownRequest.byteLength} B view of a ${grownBuffer} B buffer`, "item-raw-shape-after")]),
      r(`piscina: ${n} run(x) at once`, `item-piscina${suffix}`),
      r(`piscina: the same, concurrentTasksPerWorker: ${PISCINA_DEEP}`, `item-piscina-deep${suffix}`),
      r(`ours: ${n} threads.map(inc, [x]) at once`, `item-map-inc${suffix}`),
      r(`ours: ${n} threads.map(x => x + 1, [x]) at once`, `item-map-src${suffix}`),
    ];
  };
  const allRaw = med(oneCall, "all-raw");
  tables.push(
    layout(
      `Tiny tasks (x + 1), 2 threads: one call per item, all issued at once (ours: a 1-item call always goes to thread 1)`,
      ["", "µs/task", "vs raw", "vs piscina"],
      [
        ...itemRows(perItem, "", TASKS, ""),
        ...itemRows(after, "-after", AFTER, " (after a large message)"),
        [`raw: 2 messages of ${TASKS >> 1} numbers (Float64Array)`, fmt(allRaw, "µs"), "1.00x", ""],
        [
          `ours: one threads.map(inc, ${TASKS} items)`,
          fmt(med(oneCall, "all-map-inc"), "µs"),
          ratio(med(oneCall, "all-map-inc"), allRaw),
          "",
        ],
        [
          `ours: one threads.map(x => x + 1, ${TASKS} items)`,
          fmt(med(oneCall, "all-map-src"), "µs"),
          ratio(med(oneCall, "all-map-src"), allRaw),
          "",
        ],
      ],
    ),
  );
  tables.push(
    layout(
      `Our per-task steps, timed on this thread (median of ${rounds} x ${STEP_CALLS} calls; a 1-item threads.map call)`,
      ["", "inc (by reference)", "x => x + 1 (source)"],
      stepRows,
    ) +
      `\nmsgpackr's buffer on this thread: ${smallBuffer} B at first, ${grownBuffer} B after one threads.map of 20 000 items; every request body is a view into it, and postMessage clones the whole buffer.`,
  );

  raws.forEach((r) => void r.worker.terminate());
  raws = [];
  for (const p of [piscina, piscinaDeep]) if (p !== null) await timed(p.destroy(), PISCINA_TIMEOUT_MS, "piscina's destroy").catch(() => {});
  piscina = piscinaDeep = null;

  // 3. Parallel efficiency.
  const nChunks = TERMS / CHUNK;
  const body = capture({ CHUNK }, (off: number) => partialPi(range(off, off + CHUNK)));
  let serialValue = NaN;
  const near = (v: number | undefined): number => {
    if (v === undefined || !(Math.abs(v - serialValue) < 1e-9)) throw new Error(`wrong sum ${v} (serial ${serialValue})`);
    return v;
  };
  // CPU time of this process over wall time, per way: the cores its threads actually got (on
  // this shared machine, often fewer than 2). Not meaningful for worker processes.
  const cores = new Map<string, number[]>();
  const cpuMs = (): number => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const timeIt = async (label: string, f: () => Promise<number | undefined> | number): Promise<number> => {
    const c0 = cpuMs();
    const t0 = now();
    near(await f());
    const ms = now() - t0;
    cores.set(label, [...(cores.get(label) ?? []), (cpuMs() - c0) / ms]);
    return ms;
  };
  const serialWay: Way = {
    label: "serial",
    run: () =>
      timeIt("serial", () => {
        let s = 0;
        for (let off = 0; off < TERMS; off += CHUNK) s += partialPi(range(off, off + CHUNK));
        if (Number.isNaN(serialValue)) serialValue = s;
        return s;
      }),
  };
  const half = Math.ceil(nChunks / 2) * CHUNK;
  const rawWay: Way = {
    label: "raw",
    run: () =>
      timeIt(
        "raw",
        async () =>
          ((await Promise.all([ask(raws[0]!, { pi: [0, half, CHUNK] }), ask(raws[1]!, { pi: [half, TERMS, CHUNK] })])) as number[]).reduce(
            (a, b) => a + b,
            0,
          ),
      ),
  };
  const out = new SharedArray(Float64Array, [nChunks]);
  const effRows: string[][] = [];
  const addRows = (s: Samples, labels: Array<[key: string, text: string]>): void => {
    const serial = med(s, "serial");
    const raw = med(s, "raw");
    const row = (key: string, text: string): string[] => {
      const t = med(s, key);
      const speedup = typeof t === "number" && typeof serial === "number" ? serial / t : NaN;
      const rawSpeedup = typeof raw === "number" && typeof serial === "number" ? serial / raw : NaN;
      return [
        text,
        fmt(t, "ms"),
        fmt(serial, "ms"),
        Number.isNaN(speedup) ? "-" : `${speedup.toFixed(2)}x`,
        Number.isNaN(speedup) || key === "serial" ? "-" : (speedup / NTHREADS).toFixed(2),
        key === "serial" ? "-" : key === "raw" ? "1.00x" : Number.isNaN(speedup) ? "-" : `${(speedup / rawSpeedup).toFixed(2)}x`,
        key === "processes" || !cores.has(key) ? "-" : median(cores.get(key)!).toFixed(2),
      ];
    };
    effRows.push(
      row("serial", "serial, this thread"),
      row("raw", "raw: 2 bare Workers, half the chunks each"),
      ...labels.map(([key, text]) => row(key, text)),
    );
    cores.clear();
  };

  raws = [startRaw(), startRaw()];
  await Promise.all(raws.map((r) => ask(r, 0)));
  addRows(
    await rotate([
      serialWay,
      rawWay,
      { label: "reduce", run: () => timeIt("reduce", () => threads.reduce(range(0, TERMS, CHUNK), body, "+")) },
      {
        label: "parallelFor",
        run: () =>
          timeIt("parallelFor", async () => {
            await threads.parallelFor(
              range(0, nChunks),
              capture({ out, CHUNK }, (k: number) => void (out.data[k] = partialPi(range(k * CHUNK, (k + 1) * CHUNK)))),
            );
            return out.data.reduce((a, b) => a + b, 0);
          }),
      },
    ]),
    [
      ["reduce", 'ours: threads.reduce(range(0, terms, 1e7), body, "+")'],
      ["parallelFor", "ours: threads.parallelFor over chunks + SharedArray"],
    ],
  );
  await threads.close();
  process.stderr.write(`bench: pool efficiency done (${((now() - started) / 1000).toFixed(0)} s)\n`);

  for (const manager of ["threads", "processes"] as const) {
    const pids = await addprocs(NTHREADS, { manager });
    try {
      await everywhere(taskUrl);
      addRows(
        await rotate([serialWay, rawWay, {
          label: manager,
          run: () => timeIt(manager, () => distributed(range(0, TERMS, CHUNK), body, "+")),
        }]),
        [
          [manager, `ours: distributed(..., body, "+") on 2 ${manager === "threads" ? "thread" : "process"} workers`],
        ],
      );
    } finally {
      await rmprocs(pids);
    }
    process.stderr.write(`bench: ${manager} workers done (${((now() - started) / 1000).toFixed(0)} s)\n`);
  }
  tables.push(
    layout(
      `Parallel efficiency: pi series, ${
        TERMS.toExponential(1)
      } terms in chunks of 1e7, 2 threads/workers (serial and raw re-measured with each group)`,
      ["", "time", "serial", "speedup", "efficiency", "vs raw", "CPU/wall"],
      effRows,
    ) + "\nCPU/wall: CPU time of this process over wall time, i.e. the cores its threads got (the master's only, for worker processes: -).",
  );
} finally {
  await threads.close();
  await Promise.all(raws.map((r) => r.worker.terminate()));
  for (const p of [piscina, piscinaDeep]) if (p !== null) await timed(p.destroy(), PISCINA_TIMEOUT_MS, "piscina's destroy").catch(() => {});
  const left = workers().filter((p) => p !== 1);
  if (left.length > 0) await rmprocs(left);
}

const cpu = cpus()[0]?.model ?? "?";
process.stdout.write(
  `\nthreads bench: ${runtime} ${runtimeVersion()}, ${cpus().length} CPUs (${cpu}), pool of ${NTHREADS} threads, piscina ${
    piscinaVersion || "(not loaded)"
  }, ` +
    `median of ${rounds} rounds, ${((now() - started) / 1000).toFixed(0)} s, load ${load0.toFixed(2)} -> ${loadavg()[0]!.toFixed(2)}\n` +
    (typeof Piscina === "string" ? `piscina: ${Piscina}\n` : "") +
    `\n${tables.join("\n\n")}\n`,
);
