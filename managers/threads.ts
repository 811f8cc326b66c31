/**
 * ThreadManager: workers that are threads of this process (`addprocs(n, { manager: "threads" })`).
 * Each runs the same worker code as a process worker and speaks the same protocol, over a
 * MessagePort, so the whole remote-call API works; what processes cannot do, they can: share
 * memory. A SharedArray or Atomic passed to a thread worker is the same memory, never a copy.
 *
 * Thread workers start in milliseconds, are interrupted through their connection, and end
 * with this process. They listen on loopback for other workers, so worker-to-worker calls and
 * channels work as between processes.
 *
 * @example
 * ```ts
 * import { addprocs, distributed, range, capture, SharedArray } from "distributed";
 * const a = new SharedArray(Float64Array, [10]);
 * await addprocs(2, { manager: "threads" });
 * await distributed(range(0, 10), capture({ a }, (i: number) => { a.data[i] = i; }));
 * ```
 * @module
 */
import {
  type ClusterManager,
  currentRuntime,
  interruptOverConnection,
  type LaunchParams,
  type ManageOp,
  newChannel,
  PortStream,
  registerSharedBuffers,
  startThread,
  type ThreadHandle,
  threadWorkerEntry,
  type WorkerConfig,
} from "../src/internal.ts";

/** Options of ThreadManager. */
export interface ThreadManagerOptions {
  /** Number of thread workers; default: the count given to addprocs (1 when called with a manager). */
  count?: number;
}

/**
 * Starts workers as threads of this process.
 *
 * @example
 * ```ts
 * import { addprocs, Atomic, remotecallFetch, rmprocs } from "distributed";
 * import { ThreadManager } from "distributed/managers";
 * const pids = await addprocs(new ThreadManager({ count: 2 })); // as addprocs(2, { manager: "threads" })
 * const n = new Atomic(Int32Array);
 * await Promise.all(pids.map((p) => remotecallFetch((n: Atomic) => n.add(1), p, n)));
 * n.load(); // 2: both threads added to this process's memory
 * await rmprocs(pids);
 * ```
 */
export class ThreadManager implements ClusterManager {
  readonly name = "threads";
  readonly #count: number | undefined;

  constructor(options: ThreadManagerOptions = {}) {
    if (options.count !== undefined && (!Number.isInteger(options.count) || options.count < 1)) {
      throw new RangeError(`ThreadManager: count must be a positive integer, got ${options.count}`);
    }
    this.#count = options.count;
  }

  /** Starts the threads; each says where it listens, then the protocol runs over its port. */
  launch(params: LaunchParams, launched: (config: WorkerConfig) => void): Promise<void> {
    if (params.runtime !== currentRuntime() || params.exename !== undefined || params.exeflags.length > 0) {
      throw new TypeError("Thread workers run in this process's own runtime: runtime, exename and exeflags do not apply to them");
    }
    const count = this.#count ?? params.count;
    for (let i = 0; i < count; i++) {
      const { port1, port2 } = newChannel();
      const thread = startThread(threadWorkerEntry(), { cookie: params.cookie, port: port2, timeout: params.timeout, env: params.env }, [
        port2,
      ]);
      thread.unref();
      // The thread's first message says where it listens; the stream is everything else.
      let stream!: PortStream;
      const hello = new Promise<{ host: string; port: number }>((resolve) => {
        stream = new PortStream(port1, registerSharedBuffers, (m) => {
          const { host, port } = m as { host: string; port: number };
          resolve({ host, port });
        });
      });
      launched({
        transport: async () => ({ stream, address: await hello }),
        exited: thread.exited,
        sharesMemory: true,
        command: `a thread of this process (${threadWorkerEntry().pathname})`,
        hostLabel: "this process",
        userdata: thread,
      });
    }
    return Promise.resolve();
  }

  /** No signal reaches one thread alone: the interrupt travels on its connection, and fails the thread's running calls (no SIGINT listener runs). */
  manage(pid: number, _config: WorkerConfig, op: ManageOp): void {
    if (op === "interrupt") interruptOverConnection(pid);
  }

  /** Ends the thread. */
  async kill(_pid: number, config: WorkerConfig): Promise<void> {
    await (config.userdata as ThreadHandle).terminate();
  }
}
