/**
 * Workers to fuzz: started by this process (the master, which knows the cluster cookie) through
 * a LocalManager whose workers' stderr is also kept here, so that the reasons a worker gives
 * for refusing or closing a connection can be matched with the connections that were fuzzed.
 * Those lines (and the fuzz calls' remoteDo errors) are not forwarded to this process's
 * stderr, which would get one line per fuzz connection; every other line still is.
 *
 * @example
 * ```ts
 * const worker = await startFuzzedWorker("bun");
 * worker.port; worker.ospid; worker.stderr; // where it listens, its OS pid, its stderr so far
 * ```
 * @module
 */
import { ADDRESS_LINE } from "../src/cluster/join.ts";
import { addprocs, myid, remotecallFetch, type RuntimeName } from "../src/mod.ts";
import { type FuzzOptions, type FuzzStats, fuzzWorker, reasonKind, reasonsByPort } from "./fuzz-drive.ts";
import { type ClusterManager, type LaunchParams, LocalManager, type ManageOp, type WorkerConfig } from "../managers/mod.ts";

/** A started worker and what it has written to stderr. */
export interface FuzzedWorker {
  runtime: RuntimeName;
  pid: number;
  ospid: number;
  host: string;
  port: number;
  stderr: string[];
  /** Calls `cb` with each stderr line from now on. */
  onStderr(cb: (line: string) => void): void;
}

/** Lines a fuzzed worker prints by design: one per refused or closed connection, and remoteDo errors. */
const EXPECTED_NOISE = /^(Refused a connection from |Closed the connection to |Error in remoteDo from |\s+at |\S*Error: |    |\})/;

/** LocalManager for one worker, keeping its stderr and address line. */
class CapturingManager implements ClusterManager {
  readonly name = "local";
  readonly #inner = new LocalManager({ count: 1 });
  readonly stderr: string[] = [];
  readonly listeners: Array<(line: string) => void> = [];
  address: { host: string; port: number } | undefined;
  ospid: number | undefined;

  launch(params: LaunchParams, launched: (config: WorkerConfig) => void): Promise<void> {
    return this.#inner.launch(
      params,
      (config) => {
        this.ospid = config.ospid;
        config.stdout?.onLine((line) => {
          const m = ADDRESS_LINE.exec(line);
          if (m !== null) this.address ??= { host: m[2]!, port: Number(m[1]) };
        });
        config.stderr?.onLine((line) => {
          this.stderr.push(line);
          for (const cb of this.listeners) cb(line);
        });
        const stderr = config.stderr;
        launched({
          ...config,
          stderr: stderr === undefined
            ? undefined
            : { onLine: (cb) => stderr.onLine((line) => (EXPECTED_NOISE.test(line) ? undefined : cb(line))) },
        } as WorkerConfig);
      },
    );
  }

  manage(pid: number, config: WorkerConfig, op: ManageOp): void {
    this.#inner.manage(pid, config, op);
  }

  kill(pid: number, config: WorkerConfig): Promise<void> {
    return this.#inner.kill(pid, config);
  }
}

/** Starts one worker under `runtime`. */
export async function startFuzzedWorker(runtime: RuntimeName): Promise<FuzzedWorker> {
  const manager = new CapturingManager();
  const [pid] = await addprocs(manager, { runtime });
  if (pid === undefined || manager.address === undefined || manager.ospid === undefined) {
    throw new Error(`the ${runtime} worker started without an address line or an OS pid`);
  }
  return {
    runtime,
    pid,
    ospid: manager.ospid,
    host: manager.address.host,
    port: manager.address.port,
    stderr: manager.stderr,
    onStderr: (cb) => manager.listeners.push(cb),
  };
}

/** Lines that mean a worker failed to handle something (it survived, but an error escaped). */
export const ESCAPED_ERROR = /uncaught exception|unhandled promise rejection/i;

/** Resident memory of an OS process now and at its peak, in MiB (Linux; NaN elsewhere). */
export async function memoryOf(ospid: number): Promise<{ rss: number; peak: number }> {
  try {
    const { readFile } = await import("node:fs/promises");
    const status = await readFile(`/proc/${ospid}/status`, "utf8");
    const kib = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
    return { rss: kib("VmRSS") / 1024, peak: kib("VmHWM") / 1024 };
  } catch {
    return { rss: NaN, peak: NaN };
  }
}

/** What fuzzing one worker found. */
export interface FuzzReport {
  worker: FuzzedWorker;
  stats: FuzzStats;
  /** Reasons the worker logged, by the fuzzing side's port. */
  reasons: Map<number, string>;
  /** Connections that needed a logged reason and got none in time: port and what was sent. */
  unexplained: string[];
  /** Reasons by kind, most frequent first. */
  reasonCounts: Array<[kind: string, count: number]>;
  /** stderr lines saying an error escaped (uncaught exception, unhandled rejection). */
  escaped: string[];
  /** After the fuzz: the OS process is alive, is the same one, and answers a call. */
  alive: boolean;
  remoteOsPid: unknown;
  answer: unknown;
  memory: { before: { rss: number; peak: number }; after: { rss: number; peak: number } };
  ms: number;
}

/** Waits until every port in `ports` has a logged reason, or `ms` have passed. */
function waitForReasons(worker: FuzzedWorker, ports: ReadonlyMap<number, string>, ms: number): Promise<Map<number, string>> {
  return new Promise((resolve) => {
    const check = (): boolean => {
      const reasons = reasonsByPort(worker.stderr);
      for (const port of ports.keys()) if (!reasons.has(port)) return false;
      done(reasons);
      return true;
    };
    let finished = false;
    const timer = setTimeout(() => done(reasonsByPort(worker.stderr)), ms);
    const done = (reasons: Map<number, string>): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      resolve(reasons);
    };
    worker.onStderr(() => void (finished || check()));
    check();
  });
}

/** Fuzzes a worker that was started with startFuzzedWorker, then checks it is still the same and serving. */
export async function fuzzRuntime(worker: FuzzedWorker, cookie: string, options: FuzzOptions): Promise<FuzzReport> {
  const start = Date.now();
  const before = await memoryOf(worker.ospid);
  const stats = await fuzzWorker({ host: worker.host, port: worker.port, cookie }, options);
  const reasons = await waitForReasons(worker, stats.needReason, 20_000);
  const after = await memoryOf(worker.ospid);
  // A worker that died or stopped serving answers with its error, for the report.
  const answer = await remotecallFetch(() => myid(), worker.pid).catch((err: Error) => err);
  const remoteOsPid = await remotecallFetch(() => (globalThis as { process?: { pid?: number } }).process?.pid, worker.pid).catch((
    err: Error,
  ) => err);
  const counts = new Map<string, number>();
  for (const reason of reasons.values()) counts.set(reasonKind(reason), (counts.get(reasonKind(reason)) ?? 0) + 1);
  return {
    worker,
    stats,
    reasons,
    unexplained: [...stats.needReason].filter(([port]) => !reasons.has(port)).map(([port, what]) => `${port}: ${what}`),
    reasonCounts: [...counts].sort((a, b) => b[1] - a[1]),
    escaped: worker.stderr.filter((line) => ESCAPED_ERROR.test(line)),
    alive: alive(worker.ospid),
    remoteOsPid,
    answer,
    memory: { before, after },
    ms: Date.now() - start,
  };
}

function alive(ospid: number): boolean {
  try {
    process.kill(ospid, 0);
    return true;
  } catch {
    return false;
  }
}
