/**
 * The per-runtime master bench: run under node, bun or deno (`<runtime> dist/bench/master.js`),
 * it starts workers of its own runtime and bare children of the same runtime, measures each
 * metric of results.ts against its raw limit in the same run, and prints one MasterResult
 * line (RESULT_PREFIX + JSON) on stdout. Ours and raw samples are interleaved (stats.ts), and
 * every worker and child is stopped before it exits.
 *
 * Sizes can be scaled down for a smoke run with `--quick`.
 *
 * @module
 */
import { loadavg } from "node:os";
import {
  addprocs,
  capture,
  Channel,
  distributed,
  everywhere,
  pmap,
  range,
  remotecall,
  remotecallFetch,
  RemoteChannel,
  rmprocs,
  workers,
} from "distributed";
import { canPin, pin } from "./pin.ts";
import { connectTo, echoBytes, pingPong, type RawChild, RawRpcClient, spawnListeners, startRawChild } from "./raw.ts";
import { partialPi } from "../examples/pi/series.ts";
import { type MasterResult, type Measurement, METRIC_IDS, type MetricId, RESULT_PREFIX } from "./results.ts";
import { currentRuntime, runtimeVersion } from "./runtimes.ts";
import { interleave, median, now } from "./stats.ts";

const quick = process.argv.includes("--quick");
// --rows=a,b: measure only those rows (bench/run.ts passes it on).
const rowsFlag = process.argv.find((a) => a.startsWith("--rows="));
const rows = rowsFlag === undefined ? undefined : (rowsFlag.slice("--rows=".length).split(",") as MetricId[]);
const wants = (...ids: MetricId[]): boolean => rows === undefined || ids.some((id) => rows.includes(id));
const RT_BATCHES = quick ? 3 : 41;
const RT_CALLS = quick ? 200 : 250;
const ECHO_BYTES = quick ? 16 << 20 : 128 << 20;
const ECHO_ROUNDS = quick ? 1 : 3;
const SPAWN_ROUNDS = quick ? 1 : 7;
const IN_FLIGHT = 10_000;
const TPUT_ROUNDS = quick ? 1 : 7;

// The same function object every time: its source is analysed once, then cached (as users'
// hot loops do).
const one = (): number => 1;
const echo = (a: Float64Array): Float64Array => a;

const t0 = now();
const result: MasterResult = {
  runtime: currentRuntime(),
  version: runtimeVersion(),
  metrics: {},
  errors: {},
  totalMs: 0,
  load: [loadavg()[0]!, 0],
  ...(rows === undefined ? {} : { rows: METRIC_IDS.filter((id) => rows.includes(id)) }),
};
const cleanups: Array<() => Promise<void>> = [];

/** Measures row `id` (and the rows in `also`, which `run` fills in itself) when asked for. */
async function measure(id: MetricId, run: () => Promise<Measurement>, ...also: MetricId[]): Promise<void> {
  if (!wants(id, ...also)) return;
  try {
    result.metrics[id] = await run();
  } catch (err) {
    result.errors[id] = err instanceof Error ? err.message : String(err);
  }
  progress(`${id} done at ${((now() - t0) / 1000).toFixed(1)} s`);
}

function progress(line: string): void {
  process.stderr.write(`[${currentRuntime()}] ${line}\n`);
}

function summarise(ours: number[], raw: number[]): Measurement {
  return { ours: median(ours), raw: median(raw), oursSamples: ours, rawSamples: raw };
}

/**
 * Round trip in µs per call, median of many short batches alternating with bare ones: on this
 * VM a round trip takes 1-4x longer depending on whether the scheduler keeps the two
 * processes on one vCPU, and short alternating batches give both sides the same mix.
 */
async function roundTrip(pid: number, echoChild: RawChild): Promise<Measurement> {
  const socket = await connectTo(echoChild.port);
  cleanups.push(async () => void socket.destroy());
  const ours = async (): Promise<number> => {
    const start = now();
    for (let i = 0; i < RT_CALLS; i++) await remotecallFetch(one, pid);
    return ((now() - start) * 1000) / RT_CALLS;
  };
  const bare = async (): Promise<number> => ((await pingPong(socket, RT_CALLS)) * 1000) / RT_CALLS;
  // Warm-up: the first batches run 2-3x slower while both ends JIT-compile the call path.
  await interleave(quick ? 1 : 3, ours, bare);
  const s = await interleave(RT_BATCHES, ours, bare);
  return summarise(s.a, s.b);
}

/** Echo in GB/s (bytes both ways / time). */
async function echoThroughput(pid: number, echoChild: RawChild): Promise<Measurement> {
  const socket = await connectTo(echoChild.port);
  cleanups.push(async () => void socket.destroy());
  const arr = new Float64Array(ECHO_BYTES / 8);
  for (let i = 0; i < arr.length; i += 4096) arr[i] = i;
  const gbps = (ms: number): number => (2 * ECHO_BYTES) / (ms / 1000) / 1e9;
  const ours = async (): Promise<number> => {
    const start = now();
    const back = await remotecallFetch(echo, pid, arr);
    const ms = now() - start;
    if (back.length !== arr.length || back[arr.length - 4096] !== arr[arr.length - 4096]) {
      throw new Error("the echoed array differs from the one sent");
    }
    return gbps(ms);
  };
  const bare = async (): Promise<number> => gbps(await echoBytes(socket, new Uint8Array(arr.buffer)));
  await interleave(1, ours, bare);
  const s = await interleave(ECHO_ROUNDS, ours, bare);
  return summarise(s.a, s.b);
}

/** addprocs(n) in ms until all are ready, against n bare processes listening on a port. */
async function addprocsTime(n: number): Promise<Measurement> {
  const ours = async (): Promise<number> => {
    const start = now();
    const pids = await addprocs(n);
    const ms = now() - start;
    await rmprocs(pids);
    return ms;
  };
  const bare = (): Promise<number> => spawnListeners(n);
  await interleave(1, ours, bare); // warm-up: file cache, first spawn
  const s = await interleave(SPAWN_ROUNDS, ours, bare);
  return summarise(s.a, s.b);
}

/**
 * Calls/s with IN_FLIGHT calls in flight over 2 workers, against a raw framed RPC to 2
 * children. `withFutures`: remotecall, then fetch every Future (Julia's pattern: the value
 * stays on the worker until fetched, so each call costs a second request); else remotecallFetch.
 */
async function inFlight(pids: number[], clients: RawRpcClient[], withFutures: boolean): Promise<Measurement> {
  const rate = (ms: number): number => IN_FLIGHT / (ms / 1000);
  const ours = async (): Promise<number> => {
    const start = now();
    if (withFutures) {
      const futures = [];
      for (let i = 0; i < IN_FLIGHT; i++) futures.push(remotecall(one, pids[i & 1]!));
      await Promise.all(futures.map((f) => f.fetch()));
    } else {
      const calls = [];
      for (let i = 0; i < IN_FLIGHT; i++) calls.push(remotecallFetch(one, pids[i & 1]!));
      await Promise.all(calls);
    }
    return rate(now() - start);
  };
  const bare = async (): Promise<number> => {
    const start = now();
    const calls = [];
    for (let i = 0; i < IN_FLIGHT; i++) calls.push(clients[i & 1]!.call("one", []));
    await Promise.all(calls);
    return rate(now() - start);
  };
  await interleave(2, ours, bare);
  const s = await interleave(TPUT_ROUNDS, ours, bare);
  return summarise(s.a, s.b);
}

/** The round trip with this process, the worker and the bare echo child all on CPU 0. */
async function roundTripPinned(pid: number, echoChild: RawChild): Promise<Measurement> {
  if (!canPin()) throw new Error("taskset is not available; install util-linux to measure the pinned round trip");
  const workerOsPid = await remotecallFetch(() => (globalThis as unknown as { process: { pid: number } }).process.pid, pid);
  const restore = pin([process.pid, workerOsPid, echoChild.pid], "0");
  try {
    return await roundTrip(pid, echoChild);
  } finally {
    restore();
  }
}

/**
 * RemoteChannel put+take round trip in µs, timed on worker `a` against a channel on worker `b`
 * (two requests), next to one remotecallFetch from `a` to `b`.
 */
async function channelRoundTrip(a: number, b: number): Promise<Measurement> {
  const rc = new RemoteChannel<number>(() => new Channel(1), b);
  const ours = (): Promise<number> =>
    remotecallFetch(
      async (ch: RemoteChannel<number>, n: number) => {
        const start = performance.now();
        for (let i = 0; i < n; i++) {
          await ch.put(i);
          await ch.take();
        }
        return ((performance.now() - start) * 1000) / n;
      },
      a,
      rc,
      RT_CALLS,
    );
  const bare = (): Promise<number> =>
    remotecallFetch(
      async (to: number, n: number) => {
        const nothing = (): number => 1;
        const start = performance.now();
        for (let i = 0; i < n; i++) await remotecallFetch(nothing, to);
        return ((performance.now() - start) * 1000) / n;
      },
      a,
      b,
      RT_CALLS,
    );
  await interleave(2, ours, bare);
  const s = await interleave(quick ? 2 : 9, ours, bare);
  rc.release();
  return summarise(s.a, s.b);
}

/** Items/s through a RemoteChannel on worker `b`: the master puts, worker `a` takes, all in flight. */
async function channelThroughput(a: number, b: number): Promise<Measurement> {
  const n = IN_FLIGHT;
  const rc = new RemoteChannel<number>(() => new Channel(Infinity), b);
  const ours = async (): Promise<number> => {
    const start = now();
    const taken = remotecallFetch(
      (ch: RemoteChannel<number>, k: number) => Promise.all(Array.from({ length: k }, () => ch.take())).then((xs) => xs.length),
      a,
      rc,
      n,
    );
    await Promise.all(Array.from({ length: n }, (_, i) => rc.put(i)));
    if ((await taken) !== n) throw new Error("items were lost");
    return n / ((now() - start) / 1000);
  };
  const bare = async (): Promise<number> => {
    const start = now();
    await Promise.all(Array.from({ length: n }, (_, i) => remotecallFetch(one, i & 1 ? a : b)));
    return n / ((now() - start) / 1000);
  };
  await interleave(1, ours, bare);
  const s = await interleave(quick ? 1 : 5, ours, bare);
  rc.release();
  return summarise(s.a, s.b);
}

/** pmap over 1e6 tiny items (auto batching) in items/s, next to the same map run locally. */
async function pmapTiny(): Promise<Measurement> {
  const n = quick ? 100_000 : 1_000_000;
  const inc = (x: number): number => x + 1;
  const ours = async (): Promise<number> => {
    const start = now();
    const out = await pmap(inc, range(0, n));
    if (out.length !== n || out[n - 1] !== n) throw new Error("pmap returned wrong results");
    return n / ((now() - start) / 1000);
  };
  const bare = async (): Promise<number> => {
    const start = now();
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) out[i] = inc(i);
    return n / ((now() - start) / 1000);
  };
  await interleave(2, ours, bare); // warm-up: the JIT on every process
  const s = await interleave(quick ? 1 : 5, ours, bare);
  return summarise(s.a, s.b);
}

/** pmap with batchSize 1 in calls/s, next to remotecallFetch with as many calls in flight. */
async function pmapBatch1(pids: number[]): Promise<Measurement> {
  const n = quick ? 2_000 : 10_000;
  const ours = async (): Promise<number> => {
    const start = now();
    await pmap(one, range(0, n), { batchSize: 1 });
    return n / ((now() - start) / 1000);
  };
  const bare = async (): Promise<number> => {
    const start = now();
    await Promise.all(Array.from({ length: n }, (_, i) => remotecallFetch(one, pids[i & 1]!)));
    return n / ((now() - start) / 1000);
  };
  await interleave(1, ours, bare);
  const s = await interleave(quick ? 1 : 5, ours, bare);
  return summarise(s.a, s.b);
}

/**
 * Seed 000's CPU-bound pi on 2 workers, with the main job's own kernel (examples/pi/series.ts,
 * loaded everywhere by URL as `npm run pi` does): parallel efficiency = serial / (2 x parallel),
 * wall time; and the CPU the workers spent in the parallel run against the master's serial CPU
 * (piWorkerCpu), which load from other processes does not move: it says whether a worker runs
 * the kernel as fast as its master (Deno's once ran it 5-7x slower; src/runtime/command.ts),
 * in both of the main job's forms (`distributed` over offsets, and `pmap` over Ranges of 1e7
 * terms sent to the workers), the worse of the two.
 * Chunks of 1e6 terms, so each worker calls the kernel hundreds of times per round.
 */
async function piEfficiency(): Promise<Measurement> {
  // Long enough (about 1.5 s serial here) that one GC pause on the master, left by the earlier
  // phases, does not decide the result.
  const terms = quick ? 100_000_000 : 1_000_000_000;
  const chunk = 1_000_000;
  const pids = workers();
  await everywhere(new URL(`../examples/pi/series.${import.meta.url.endsWith(".ts") ? "ts" : "js"}`, import.meta.url));
  const body = capture({ chunk }, (offset: number) => partialPi(range(offset, offset + chunk)));
  const ranges = Array.from({ length: terms / (10 * chunk) }, (_, k) => range(k * 10 * chunk, (k + 1) * 10 * chunk));
  const cpuMs = (): number => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const workersCpuMs = async (): Promise<number> => {
    const each = await Promise.all(pids.map((p) => remotecallFetch(cpuMs, p)));
    return each.reduce((a, b) => a + b, 0);
  };
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let round = 0; round < (quick ? 1 : 3); round++) {
    let start = now();
    const cpu0 = cpuMs();
    partialPi(range(0, terms));
    const serial = now() - start;
    const serialCpu = cpuMs() - cpu0;
    const workers0 = await workersCpuMs();
    start = now();
    await distributed(range(0, terms, chunk), body, "+");
    const parallel = now() - start;
    const workersCpu = (await workersCpuMs()) - workers0;
    // The main job's second form: pmap over Range items that travel to the workers.
    const pmapWorkers0 = await workersCpuMs();
    await pmap(partialPi, ranges);
    const pmapWorkersCpu = (await workersCpuMs()) - pmapWorkers0;
    wall.push(serial / (2 * parallel));
    cpu.push(serialCpu / Math.max(workersCpu, pmapWorkersCpu));
  }
  const vsOne = (samples: number[]): Measurement => ({
    ours: median(samples),
    raw: 1,
    oursSamples: samples,
    rawSamples: samples.map(() => 1),
  });
  result.metrics.piWorkerCpu = vsOne(cpu);
  return vsOne(wall);
}

/** 256 local workers (lazy all_to_all): addprocs and a pmap that reaches every one, in ms. */
async function workers256(): Promise<Measurement> {
  const count = quick ? 32 : 256;
  const run = async (k: number): Promise<number> => {
    const start = now();
    const pids = await addprocs(k, { timeout: 300 });
    const seen = await pmap(() => (globalThis as unknown as { process: { pid: number } }).process.pid, range(0, k), { batchSize: 1 });
    const ms = now() - start;
    await rmprocs(pids, { waitfor: 30 });
    if (new Set(seen).size < Math.min(k, 2)) throw new Error("the pmap did not spread over the workers");
    return ms;
  };
  const single = await run(1);
  const many = await run(count);
  return { ours: many, raw: single, oursSamples: [many], rawSamples: [single] };
}

async function main(): Promise<void> {
  if (process.argv.includes("--only-256")) {
    await measure("workers256", workers256);
    return;
  }
  if (wants("roundTrip", "roundTripPinned", "echo")) {
    const echoChild = await startRawChild("echo");
    cleanups.push(() => echoChild.stop());
    const [pid] = await addprocs(1);
    await measure("roundTrip", () => roundTrip(pid!, echoChild));
    await measure("roundTripPinned", () => roundTripPinned(pid!, echoChild));
    await measure("echo", () => echoThroughput(pid!, echoChild));
    await rmprocs(workers());
  }

  await measure("addprocs", () => addprocsTime(4));
  await measure("start2", () => addprocsTime(2));

  if (
    !wants(
      "remotecall",
      "remotecallFetch",
      "channelRoundTrip",
      "channelThroughput",
      "pmapTiny",
      "pmapBatch1",
      "piEfficiency",
      "piWorkerCpu",
    )
  ) return;
  const pids = await addprocs(2);
  if (wants("remotecall", "remotecallFetch")) {
    const rpcChildren = await Promise.all([startRawChild("rpc"), startRawChild("rpc")]);
    const clients = await Promise.all(rpcChildren.map(async (c) => new RawRpcClient(await connectTo(c.port))));
    cleanups.push(async () => clients.forEach((c) => c.close()), ...rpcChildren.map((c) => () => c.stop()));
    await measure("remotecall", () => inFlight(pids, clients, true));
    await measure("remotecallFetch", () => inFlight(pids, clients, false));
  }
  await measure("channelRoundTrip", () => channelRoundTrip(pids[0]!, pids[1]!));
  await measure("channelThroughput", () => channelThroughput(pids[0]!, pids[1]!));
  await measure("pmapTiny", pmapTiny);
  await measure("pmapBatch1", () => pmapBatch1(pids));
  await measure("piEfficiency", piEfficiency, "piWorkerCpu");
  await rmprocs(workers());
}

let exitCode = 0;
try {
  await main();
} catch (err) {
  exitCode = 1;
  process.stderr.write(`master bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
} finally {
  await rmprocs(workers()).catch(() => {});
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  result.totalMs = now() - t0;
  result.load[1] = loadavg()[0]!;
  await new Promise<void>((resolve) => process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`, () => resolve()));
}
// Everything we started is stopped above; exit now rather than wait on idle handles.
process.exit(exitCode);
