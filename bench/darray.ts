/**
 * DArray bench (`npm run bench:darray`, i.e. `node dist/bench/darray.js [--n=N] [--rounds=R]
 * [node] [bun] [deno]`), for each runtime in turn (master and 2 workers of that runtime):
 *
 * - map: `D.map(heavy)` over N Float64 (default 1e8; bench/darray-task.ts says what heavy is),
 *   the input made on the 2 owners with DArray.create, against the same loop over the same
 *   input in the master. Efficiency = serial / (2 × parallel); target >= 0.9.
 * - distribute + collect of 128 MiB of Float64 (64 MiB to each worker and back) against a bare
 *   socket echo of the same 128 MiB to a raw child of the same runtime (bench/raw.ts), each as
 *   bytes moved both ways per second, sampled alternately. Target: >= 70% of the echo. The same
 *   128 MiB echoed by one remotecallFetch is printed beside it: what the transport gives any call.
 * - matvec: `M.mul(v)` for a 4096×4096 row-block DArray, the result collected here, against the
 *   same loop in the master; efficiency as for map (reported, no target).
 *
 * Figures are medians of `--rounds` (default 5) after one unrecorded warm-up; targets are computed
 * from the figures of the same run (PASS or MISS). On a machine shared with other work the
 * workers get less than two cores: the load average is printed with each table.
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { addprocs, DArray, distribute, everywhere, remotecallFetch, rmprocs } from "../src/mod.ts";
import { heavy, inputAt, inputChunk, serialMap, serialMatvec } from "./darray-task.ts";
import { connectTo, echoBytes, startRawChild } from "./raw.ts";
import { currentRuntime, type Runtime, RUNTIMES, runtimeVersion, scriptCommand } from "./runtimes.ts";
import { interleave, median, now } from "./stats.ts";

const argv = process.argv.slice(2);
const N = Number(argv.find((a) => a.startsWith("--n="))?.slice(4) ?? 1e8);
const ROUNDS = Number(argv.find((a) => a.startsWith("--rounds="))?.slice(9) ?? 5);
const BYTES = 128 * 2 ** 20;
const MATN = 4096;
const RESULT = "DARRAY-RESULT ";
const TARGETS = { map: 0.9, transfer: 0.7 };

interface Result {
  runtime: string;
  version: string;
  load: [number, number];
  mapSerialMs: number;
  mapParallelMs: number;
  transferGBps: number;
  echoGBps: number;
  callEchoGBps: number;
  matvecSerialMs: number;
  matvecParallelMs: number;
  correct: boolean;
}

async function sampled(f: () => Promise<number>): Promise<number> {
  await f();
  const xs: number[] = [];
  for (let i = 0; i < ROUNDS; i++) xs.push(await f());
  return median(xs);
}

async function measureHere(): Promise<Result> {
  const load0 = loadavg()[0]!;
  const pids = await addprocs(2);
  const echo = await startRawChild("echo");
  try {
    await everywhere(new URL(`./darray-task.${import.meta.url.endsWith(".ts") ? "ts" : "js"}`, import.meta.url));
    let correct = true;
    // map over N Float64.
    const D = await DArray.create(inputChunk, [N]);
    const input = new Float64Array(N);
    for (let i = 0; i < N; i++) input[i] = inputAt(i);
    const time = async (f: () => unknown): Promise<number> => {
      const t = now();
      await f();
      return now() - t;
    };
    let serialOut: Float64Array | undefined;
    const { a: mapPar, b: mapSer } = await interleave(ROUNDS + 1, async () => {
      const t = now();
      const E = await D.map(heavy);
      const ms = now() - t;
      // Checked after the clock stops: the largest element, on the owners and here.
      const probe = await E.reduce("max");
      if (serialOut !== undefined && probe !== serialOut.reduce((m, x) => Math.max(m, x), -Infinity)) correct = false;
      E.release();
      return ms;
    }, () => time(() => (serialOut = serialMap(input, heavy))));
    D.release();
    // distribute + collect of 128 MiB against the bare echo.
    const arr = new Float64Array(BYTES / 8).map((_, i) => i);
    const socket = await connectTo(echo.port);
    const gbps = (ms: number): number => (2 * BYTES) / (ms / 1000) / 1e9;
    const { a: ours, b: bare } = await interleave(ROUNDS + 1, async () => {
      const t = now();
      const T = await distribute(arr);
      const back = await T.collect();
      const ms = now() - t;
      T.release();
      if (back[back.length - 1] !== arr[arr.length - 1]) correct = false;
      return gbps(ms);
    }, async () => gbps(await echoBytes(socket, new Uint8Array(arr.buffer))));
    socket.destroy();
    // The same 128 MiB echoed through one remotecallFetch: what the transport gives any call.
    const callEcho = await sampled(async () => {
      const t = now();
      await remotecallFetch((a: Float64Array) => a, pids[0]!, arr);
      return gbps(now() - t);
    });
    // matvec 4096 x 4096.
    const Mx = Float64Array.from({ length: MATN * MATN }, (_, k) => ((k * 7919) % 1000) / 1000);
    const v = Float64Array.from({ length: MATN }, (_, i) => 1 + (i % 5));
    const M = await distribute(Mx, { dims: [MATN, MATN], dist: [2, 1] });
    const expected = serialMatvec(Mx, MATN, v);
    const matPar = await sampled(() =>
      time(async () => {
        const y = await M.mul(v);
        const got = await y.collect();
        y.release();
        if (got.some((x, i) => x !== expected[i])) correct = false;
      })
    );
    const matSer = await sampled(() => time(() => serialMatvec(Mx, MATN, v)));
    M.release();
    return {
      runtime: currentRuntime(),
      version: runtimeVersion(),
      load: [load0, loadavg()[0]!],
      mapSerialMs: median(mapSer.slice(1)),
      mapParallelMs: median(mapPar.slice(1)),
      transferGBps: median(ours.slice(1)),
      echoGBps: median(bare.slice(1)),
      callEchoGBps: callEcho,
      matvecSerialMs: matSer,
      matvecParallelMs: matPar,
      correct,
    };
  } finally {
    await echo.stop();
    await rmprocs(pids);
  }
}

function table(r: Result): [string, boolean] {
  const mapEff = r.mapSerialMs / (2 * r.mapParallelMs);
  const ratio = r.transferGBps / r.echoGBps;
  const matEff = r.matvecSerialMs / (2 * r.matvecParallelMs);
  const ok = mapEff >= TARGETS.map && ratio >= TARGETS.transfer && r.correct;
  const verdict = (x: number, t: number): string => (x >= t ? "PASS" : "MISS");
  return [
    `${r.runtime} ${r.version} (load ${r.load[0].toFixed(1)} -> ${r.load[1].toFixed(1)})${
      r.correct ? "" : "  RESULTS DIFFER FROM SERIAL"
    }\n` +
    `  map(heavy) over ${N.toExponential(0)} Float64  serial ${r.mapSerialMs.toFixed(0)} ms, 2 workers ${r.mapParallelMs.toFixed(0)} ms: ` +
    `efficiency ${mapEff.toFixed(2)} (target ${TARGETS.map}) ${verdict(mapEff, TARGETS.map)}\n` +
    `  distribute + collect 128 MiB  ${r.transferGBps.toFixed(2)} GB/s, bare echo ${r.echoGBps.toFixed(2)} GB/s: ` +
    `${(ratio * 100).toFixed(0)}% (target ${TARGETS.transfer * 100}%) ${verdict(ratio, TARGETS.transfer)}; ` +
    `one remotecallFetch echo of it ${r.callEchoGBps.toFixed(2)} GB/s\n` +
    `  matvec ${MATN}×${MATN}  serial ${r.matvecSerialMs.toFixed(1)} ms, 2 workers ${r.matvecParallelMs.toFixed(1)} ms: efficiency ${
      matEff.toFixed(2)
    }`,
    ok,
  ];
}

if (argv.includes("--here")) {
  console.log(`${RESULT}${JSON.stringify(await measureHere())}`);
} else {
  const chosen = argv.filter((a): a is Runtime => (RUNTIMES as readonly string[]).includes(a));
  const script = fileURLToPath(import.meta.url).replace(/\/bench\/darray\.ts$/, "/dist/bench/darray.js");
  const started = now();
  const tables: string[] = [];
  const missed: string[] = [];
  for (const runtime of chosen.length > 0 ? chosen : RUNTIMES) {
    process.stderr.write(`bench: darray under ${runtime}\n`);
    const { file, args } = scriptCommand(runtime, script, [...argv.filter((a) => a.startsWith("--")), "--here"]);
    const run = spawnSync(file, args, { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], timeout: 600_000 });
    const line = (run.stdout ?? "").split("\n").find((l) => l.startsWith(RESULT));
    if (line === undefined) {
      tables.push(`${runtime}: FAILED (${run.error?.message ?? `exit ${run.status ?? run.signal}`})`);
      missed.push(runtime);
      continue;
    }
    const [text, ok] = table(JSON.parse(line.slice(RESULT.length)) as Result);
    tables.push(text);
    if (!ok) missed.push(runtime);
  }
  process.stdout.write(
    `\ndarray bench: ${cpus().length} CPUs (${cpus()[0]?.model ?? "?"}), median of ${ROUNDS} rounds, ${
      ((now() - started) / 1000).toFixed(0)
    } s\n` +
      `efficiency = serial / (2 × parallel), serial in the master of the same run\n\n${tables.join("\n\n")}\n\n` +
      (missed.length === 0 ? "Every target met on every runtime.\n" : `Missed a target (or failed): ${missed.join(", ")}.\n`),
  );
}
