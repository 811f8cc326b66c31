/**
 * Seed 003, "Cluster Cookie" and "Specifying Network Topology".
 *
 * 1. `cluster_cookie(cookie)` sets the cookie before any worker exists, `cluster_cookie()`
 *    returns it. Workers get it on stdin and prove they know it on every connection (an HMAC
 *    challenge both ways, so it never crosses the wire); it cannot change while workers are
 *    connected. (The cookie itself is not printed: it is a secret.)
 * 2. `topology: "master_worker"`: only the master talks to the workers. A worker-to-worker
 *    call fails at once with a `TopologyError` naming both pids, and so does a worker's use of
 *    a RemoteChannel that lives on another worker. The topology cannot change while workers
 *    exist.
 * 3. `topology: "all_to_all"` (the default): workers reach each other, connecting on first use
 *    (`lazy: true`, the default) or all at once when they join (`lazy: false`).
 * 4. `topology: "custom"`: the manager gives each worker an `ident` and the `connectIdents` it
 *    connects to (Julia's WorkerConfig fields of the same names); here a small manager wraps
 *    LocalManager and names three workers a, b, c, with only a and b connected.
 *
 * Network requirements (seed 003): workers listen on loopback unless `restrict: false`, the
 * master listens on no port, and worker-to-worker traffic is plain TCP unless the workers are
 * reached through ssh tunnels (`tunnel: true`); see the README's "Robustness and security".
 *
 * Usage: node dist/examples/seed003/12-cookie-topology.js
 *        (bun and deno run examples/seed003/12-cookie-topology.ts directly)
 *
 * @example
 * ```sh
 * node dist/examples/seed003/12-cookie-topology.js
 * bun examples/seed003/12-cookie-topology.ts
 * ```
 * @module
 */
import {
  addprocs,
  Channel,
  clusterCookie,
  type ClusterManager,
  type LaunchParams,
  type ManageOp,
  myid,
  remotecallFetch,
  RemoteChannel,
  RemoteError,
  rmprocs,
  type WorkerConfig,
  workers,
} from "distributed";
import { LocalManager } from "distributed/managers";

/** A worker asks another one for its myid(): a worker-to-worker call. */
const askOther = (to: number): Promise<number> => remotecallFetch(() => myid(), to);
/** What a failed call says: the error's code and message, from the worker that saw it. */
const why = (err: unknown): string => (err instanceof RemoteError ? `${err.remote.code}: ${err.remote.message}` : String(err));

// 1. cluster_cookie("my-secret-cookie") before addprocs
const cookie = "example-cookie-0123456789";
clusterCookie(cookie);
console.log(`cluster_cookie() is the one set: ${clusterCookie() === cookie} (${clusterCookie().length} characters)`);
let pids = await addprocs(2, { topology: "master_worker" });
console.log(`addprocs(2, topology: master_worker) = [${pids.join(", ")}]`);
const theirs = await Promise.all(pids.map((p) => remotecallFetch(() => clusterCookie(), p)));
console.log(`the workers hold the same cookie: ${theirs.every((c) => c === cookie)}`);
try {
  clusterCookie("another-cookie-0123456789");
} catch (err) {
  console.log(`cluster_cookie(other) with workers connected: ${(err as Error).message}`);
}

// 2. master_worker
const [a, b] = pids as [number, number];
console.log(`master to worker ${a}: myid() = ${await remotecallFetch(() => myid(), a)}`);
console.log(`worker ${a} to worker ${b}: ${await remotecallFetch(askOther, a, b).then(String, why)}`);
const onA = new RemoteChannel<number>(() => new Channel(1), a);
await onA.put(7);
console.log(`this process uses a channel on worker ${a}: took ${await onA.take()}`);
console.log(`worker ${b} uses it: ${await remotecallFetch((ch: RemoteChannel<number>) => ch.put(1), b, onA).then(String, why)}`);
console.log(
  `addprocs(1, topology: all_to_all) now: ${await addprocs(1, { topology: "all_to_all" }).then(String, (e: Error) => e.message)}`,
);
onA.release();
await rmprocs(pids);

// 3. all_to_all, lazy (the default) and eager
for (const lazy of [true, false]) {
  pids = await addprocs(2, { topology: "all_to_all", lazy });
  const [x, y] = pids as [number, number];
  const onX = new RemoteChannel<string>(() => new Channel(1), x);
  await remotecallFetch((ch: RemoteChannel<string>) => ch.put(`put by worker ${myid()}`), y, onX);
  console.log(
    `all_to_all (lazy: ${lazy}) [${pids.join(", ")}]: worker ${x} to worker ${y}: myid() = ${await remotecallFetch(
      askOther,
      x,
      y,
    )}; a channel on worker ${x}: ${await onX.take()}`,
  );
  onX.release();
  await rmprocs(pids);
}

// 4. custom: ident and connectIdents from the manager
class NamedManager implements ClusterManager {
  readonly name = "named";
  readonly #inner: LocalManager;
  readonly #names: Array<[string, string[]]>;
  #next = 0;
  constructor(names: Array<[string, string[]]>) {
    this.#inner = new LocalManager({ count: names.length });
    this.#names = names;
  }
  launch(params: LaunchParams, launched: (config: WorkerConfig) => void): Promise<void> {
    return this.#inner.launch(params, (config) => {
      const [ident, connectIdents] = this.#names[this.#next++]!;
      launched({ ...config, ident, connectIdents });
    });
  }
  manage(pid: number, config: WorkerConfig, op: ManageOp): void {
    this.#inner.manage(pid, config, op);
  }
  kill(pid: number, config: WorkerConfig): Promise<void> {
    return this.#inner.kill(pid, config);
  }
}
pids = await addprocs(new NamedManager([["a", ["b"]], ["b", []], ["c", []]]), { topology: "custom" });
const [pa, pb, pc] = pids as [number, number, number];
console.log(`custom: a = worker ${pa} (connectIdents [b]), b = worker ${pb}, c = worker ${pc}`);
console.log(`a to b: myid() = ${await remotecallFetch(askOther, pa, pb)}; b to a: myid() = ${await remotecallFetch(askOther, pb, pa)}`);
console.log(`a to c: ${await remotecallFetch(askOther, pa, pc).then(String, why)}`);
await rmprocs(pids);
console.log(`workers() = [${workers().join(", ")}]`);
