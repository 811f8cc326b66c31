/**
 * Shared-memory bench (`npm run bench:shm`, i.e. `node dist/bench/shm.js [--here]`; from
 * source `bun bench/shm.ts --here`, `deno run -A bench/shm.ts --here`): what the mapping of
 * each runtime costs, the figures behind the choice of mechanism in src/runtime/shm/. Without
 * `--here` it runs itself under node, bun and deno in turn and prints one table.
 *
 * 1. The first mapping in a process (it loads koffi, opens libc, or binds bun:ffi).
 * 2. Creating and mapping a segment (create, unlink, size, reserve, mmap) of 8 B (an Atomic),
 *    1 MiB and 64 MiB, against a SharedArrayBuffer of the same size; medians.
 * 3. Receiving a mapped 1 MiB SharedArray in a worker process for the first time (open through
 *    /proc/<ospid>/fd, check, map) against receiving it again (already mapped there): the
 *    difference is the cost of opening a handle.
 * 4. Access: a Float64Array of 8 M elements, written then summed three times, on a mapping, a
 *    SharedArrayBuffer and an ArrayBuffer (best of 5, after a warm-up); and Atomics.add on an
 *    Int32Array cell of each (1 M adds).
 * 5. Under Bun, the alternative to Bun.mmap: bun:ffi's mmap + toArrayBuffer, same steps.
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { addprocs, remotecallFetch, rmprocs, SharedArray } from "../src/mod.ts";
import { createSharedMemory, sharedMemoryVia } from "../src/runtime/shm.ts";
import { currentRuntime, RUNTIMES, runtimeVersion, scriptCommand } from "./runtimes.ts";
import { median, now } from "./stats.ts";

type Row = [string, string];

async function measureHere(): Promise<Row[]> {
  const rows: Row[] = [];
  const ms = (x: number): string => `${x.toFixed(3)} ms`;
  let t = now();
  createSharedMemory(8);
  rows.push(["first mapping (loads the mechanism)", ms(now() - t)]);
  rows.push(["mechanism", sharedMemoryVia()]);
  for (const [label, bytes, n] of [["8 B", 8, 200], ["1 MiB", 1 << 20, 50], ["64 MiB", 64 << 20, 5]] as const) {
    const mapped: number[] = [];
    const sab: number[] = [];
    for (let k = 0; k < n; k++) {
      t = now();
      createSharedMemory(bytes);
      mapped.push(now() - t);
      t = now();
      new SharedArrayBuffer(bytes);
      sab.push(now() - t);
    }
    rows.push([`create+map ${label} (SharedArrayBuffer)`, `${ms(median(mapped))} (${ms(median(sab))})`]);
  }

  const [w] = await addprocs(1);
  const rounds: Array<[number, number]> = [];
  for (let k = 0; k < 7; k++) {
    const S = new SharedArray(Float64Array, [1 << 17], { pids: [1, w!] });
    t = now();
    await remotecallFetch((s: SharedArray) => s.length, w!, S);
    const first = now() - t;
    t = now();
    await remotecallFetch((s: SharedArray) => s.length, w!, S);
    rounds.push([first, now() - t]);
  }
  await rmprocs([w!]);
  rows.push([
    "a worker receives a 1 MiB array: first (again)",
    `${ms(median(rounds.map((r) => r[0])))} (${ms(median(rounds.map((r) => r[1])))})`,
  ]);

  const N = 8 << 20;
  const kernel = (a: Float64Array): number => {
    for (let i = 0; i < a.length; i++) a[i] = i * 0.5;
    let s = 0;
    for (let r = 0; r < 3; r++) for (let i = 0; i < a.length; i++) s += a[i]!;
    return s;
  };
  const arrays: Record<string, Float64Array> = {
    mapping: new Float64Array(createSharedMemory(N * 8)),
    SharedArrayBuffer: new Float64Array(new SharedArrayBuffer(N * 8)),
    ArrayBuffer: new Float64Array(N),
  };
  const best: Record<string, number> = {};
  for (let round = 0; round < 6; round++) {
    for (const [name, a] of Object.entries(arrays)) {
      t = now();
      kernel(a);
      if (round > 0) best[name] = Math.min(best[name] ?? Infinity, now() - t);
    }
  }
  rows.push([
    "access 8 M Float64: mapping / SharedArrayBuffer / ArrayBuffer",
    Object.values(best).map((x) => x.toFixed(1)).join(" / ") + " ms",
  ]);
  const cells: Record<string, Int32Array> = {
    mapping: new Int32Array(createSharedMemory(8), 0, 1),
    SharedArrayBuffer: new Int32Array(new SharedArrayBuffer(8), 0, 1),
  };
  const adds: number[] = [];
  for (const cell of Object.values(cells)) {
    let b = Infinity;
    for (let round = 0; round < 4; round++) {
      t = now();
      for (let i = 0; i < 1_000_000; i++) Atomics.add(cell, 0, 1);
      b = Math.min(b, now() - t);
    }
    adds.push(b);
  }
  rows.push(["1 M Atomics.add: mapping / SharedArrayBuffer", adds.map((x) => x.toFixed(1)).join(" / ") + " ms"]);
  if (currentRuntime() === "bun") rows.push(...bunFfiAlternative());
  return rows;
}

/** Bun's other way to map: bun:ffi mmap + toArrayBuffer (never unmapped here: a bench). */
function bunFfiAlternative(): Row[] {
  const ffi = createRequire(import.meta.url)("bun:ffi") as BunFfi;
  const lib = ffi.dlopen("libc.so.6", {
    mmap: { args: ["ptr", "u64", "i32", "i32", "i32", "i64"], returns: "ptr" },
    posix_fallocate: { args: ["i32", "i64", "i64"], returns: "i32" },
  });
  const map = (bytes: number): ArrayBuffer => {
    const path = `/dev/shm/distributed-bench-${process.pid}-${Math.random().toString(16).slice(2)}`;
    const fd = fs.openSync(path, "wx+", 0o600);
    fs.unlinkSync(path);
    fs.ftruncateSync(fd, bytes);
    lib.symbols.posix_fallocate!(fd, 0, bytes);
    const p = lib.symbols.mmap!(null, bytes, 3, 1, fd, 0);
    fs.closeSync(fd);
    return ffi.toArrayBuffer(p, 0, bytes);
  };
  const times: number[] = [];
  for (let k = 0; k < 50; k++) {
    const t = now();
    map(1 << 20);
    times.push(now() - t);
  }
  const a = new Float64Array(map(64 << 20));
  let best = Infinity;
  for (let round = 0; round < 6; round++) {
    const t = now();
    for (let i = 0; i < a.length; i++) a[i] = i * 0.5;
    let s = 0;
    for (let r = 0; r < 3; r++) for (let i = 0; i < a.length; i++) s += a[i]!;
    if (round > 0 && s > 0) best = Math.min(best, now() - t);
  }
  return [
    ["bun:ffi alternative: create+map 1 MiB", `${median(times).toFixed(3)} ms`],
    ["bun:ffi alternative: access 8 M Float64", `${best.toFixed(1)} ms`],
  ];
}
interface BunFfi {
  dlopen(
    path: string,
    symbols: Record<string, { args: string[]; returns: string }>,
  ): { symbols: Record<string, (...args: unknown[]) => number> };
  toArrayBuffer(pointer: number, offset: number, length: number): ArrayBuffer;
}

if (process.argv.includes("--here")) {
  const rows = await measureHere();
  console.log(JSON.stringify({ runtime: `${currentRuntime()} ${runtimeVersion()}`, rows }));
} else {
  const script = fileURLToPath(import.meta.url);
  const tables: Array<{ runtime: string; rows: Row[] }> = [];
  for (const runtime of RUNTIMES) {
    const source = runtime === "node" ? script : script.replace(/\/dist\/bench\/shm\.js$/, "/bench/shm.ts");
    const { file, args } = scriptCommand(runtime, source, ["--here"]);
    const run = spawnSync(file, args, { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
    const line = run.stdout.split("\n").find((l) => l.startsWith("{"));
    if (line === undefined) throw new Error(`${runtime}: no result (exit ${run.status})\n${run.stdout}`);
    tables.push(JSON.parse(line) as { runtime: string; rows: Row[] });
  }
  for (const { runtime, rows } of tables) {
    console.log(`\n${runtime}`);
    for (const [what, value] of rows) console.log(`  ${what.padEnd(62)} ${value}`);
  }
}
