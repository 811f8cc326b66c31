// Topologies and heartbeats, for each worker runtime. Topology is cluster-wide and fixed while
// workers exist, so each case adds its own workers and removes them after.
import t from "tap";
import { execFileSync } from "node:child_process";
import {
  addprocs,
  Channel,
  type ClusterManager,
  ClusterOptionsError,
  type LaunchParams,
  type ManageOp,
  myid,
  nprocs,
  nworkers,
  pmap,
  ProcessExitedError,
  remotecallFetch,
  RemoteChannel,
  RemoteError,
  rmprocs,
  type WorkerConfig,
  workers,
} from "../../src/mod.ts";
import { LocalManager } from "../../managers/mod.ts";
import { peers } from "../../src/cluster/peers.ts";

const RUNTIMES = ["node", "bun", "deno"] as const;

function tcpConnections(ospid: number): number {
  const out = execFileSync("ss", ["-tnp", "state", "established"], { encoding: "utf8" });
  return out.split("\n").filter((l) => l.includes(`pid=${ospid},`)).length;
}

/** Launches local workers named by `idents[i]`, connecting to `connect[i]` (topology "custom"). */
class NamedManager implements ClusterManager {
  readonly name = "named";
  readonly #inner: LocalManager;
  readonly #idents: string[];
  readonly #connect: string[][];
  #next = 0;
  constructor(idents: string[], connect: string[][]) {
    this.#inner = new LocalManager({ count: idents.length });
    this.#idents = idents;
    this.#connect = connect;
  }
  launch(params: LaunchParams, launched: (config: WorkerConfig) => void): Promise<void> {
    return this.#inner.launch(params, (config) => {
      const i = this.#next++;
      launched({ ...config, ident: this.#idents[i]!, connectIdents: this.#connect[i]! });
    });
  }
  manage(pid: number, config: WorkerConfig, op: ManageOp): void {
    this.#inner.manage(pid, config, op);
  }
  kill(pid: number, config: WorkerConfig): Promise<void> {
    return this.#inner.kill(pid, config);
  }
}

for (const runtime of RUNTIMES) {
  t.test(`${runtime}: master_worker refuses worker-to-worker calls, naming both pids and the topology`, async (t) => {
    const [x, y] = (await addprocs(2, { runtime, topology: "master_worker" })) as [number, number];
    t.teardown(() => rmprocs(workers()));
    t.equal(await remotecallFetch(() => myid(), x), x, "master to worker works");
    const err = await remotecallFetch((to: number) => remotecallFetch(() => 1, to), x, y).catch((e: unknown) => e);
    t.type(err, RemoteError);
    t.equal((err as RemoteError).remote.code, "ERR_TOPOLOGY");
    t.match((err as RemoteError).remote.message, new RegExp(`Worker ${x} cannot reach worker ${y}: the cluster topology is master_worker`));
    const rc = new RemoteChannel<number>(() => new Channel(1), x);
    await rc.put(7);
    t.equal(await rc.take(), 7, "the master uses a channel on a worker");
    const chanErr = await remotecallFetch((ch: RemoteChannel<number>) => ch.put(1), y, rc).catch((e: unknown) => e);
    t.equal((chanErr as RemoteError).remote.code, "ERR_TOPOLOGY", "another worker cannot use it");
    // As in Julia, a worker's default pool is the master's, whose other workers x cannot reach.
    const inner = await remotecallFetch(() => pmap((v: number) => v * 2, [1, 2, 3, 4]), x).catch((e: unknown) => e);
    t.type(inner, RemoteError);
    t.equal((inner as RemoteError).remote.code, "ERR_TOPOLOGY", "pmap inside a worker fails at once, naming the topology");
    t.match((inner as RemoteError).remote.message, new RegExp(`Worker ${x} cannot reach worker ${y}`));
    t.same(
      await remotecallFetch(() => pmap((v: number) => v * 2, [1, 2, 3, 4], { pool: [myid()] }), x),
      [2, 4, 6, 8],
      "a pool of the worker itself works",
    );
    await t.rejects(addprocs(1, { runtime, topology: "all_to_all" }), {
      code: "ERR_CLUSTER_OPTIONS",
      message: /use topology master_worker; this addprocs asks for topology all_to_all/,
    });
    await rmprocs([x, y]);
  });

  t.test(`${runtime}: all_to_all with lazy: false connects every pair when they join`, async (t) => {
    const pids = (await addprocs(3, { runtime, topology: "all_to_all", lazy: false })) as number[];
    t.teardown(() => rmprocs(workers()));
    for (const p of pids) t.equal(tcpConnections(peers.get(p)!.info!.ospid), 3, `worker ${p}: master + 2 peers before any call`);
    t.equal(await remotecallFetch((to: number) => remotecallFetch(() => myid(), to), pids[0]!, pids[2]!), pids[2]);
    const rc = new RemoteChannel<string>(() => new Channel(1), pids[0]!);
    await remotecallFetch((ch: RemoteChannel<string>) => ch.put(`from ${myid()}`), pids[2]!, rc);
    t.equal(await rc.take(), `from ${pids[2]}`, "a worker used another worker's channel");
    for (const p of pids) t.equal(tcpConnections(peers.get(p)!.info!.ospid), 3, "and no new connection was needed");
    await rmprocs(pids);
  });

  t.test(`${runtime}: custom topology connects only what ident/connectIdents name`, async (t) => {
    const [a, b, c] = (await addprocs(new NamedManager(["a", "b", "c"], [["b"], [], []]), { runtime, topology: "custom" })) as [
      number,
      number,
      number,
    ];
    t.teardown(() => rmprocs(workers()));
    t.equal(await remotecallFetch((to: number) => remotecallFetch(() => myid(), to), a, b), b, "a names b: connected");
    t.equal(await remotecallFetch((to: number) => remotecallFetch(() => myid(), to), b, a), a, "and both ways");
    const err = await remotecallFetch((to: number) => remotecallFetch(() => 1, to), a, c).catch((e: unknown) => e);
    t.equal((err as RemoteError).remote.code, "ERR_TOPOLOGY");
    t.match((err as RemoteError).remote.message, /custom and neither names the other in connectIdents/);
    const onB = new RemoteChannel<number>(() => new Channel(1), b);
    await remotecallFetch((ch: RemoteChannel<number>) => ch.put(myid()), a, onB);
    t.equal(await onB.take(), a, "a uses a channel on b");
    const onC = new RemoteChannel<number>(() => new Channel(1), c);
    const chanErr = await remotecallFetch((ch: RemoteChannel<number>) => ch.put(1), a, onC).catch((e: unknown) => e);
    t.equal((chanErr as RemoteError).remote.code, "ERR_TOPOLOGY", "but not one on c");
    await rmprocs([a, b, c]);
  });

  t.test(`${runtime}: topology belongs to the cluster of the moment`, async (t) => {
    t.teardown(() => rmprocs(workers()));
    const mw = (await addprocs(2, { runtime, topology: "master_worker" })) as [number, number];
    const refused = await addprocs(1, { runtime, topology: "all_to_all" }).catch((e: unknown) => e);
    t.type(refused, ClusterOptionsError, "a different topology while workers exist");
    t.match((refused as Error).message, /topology master_worker.*topology all_to_all/, "naming both");
    t.same(workers(), mw, "and nothing was added");
    const more = await addprocs(1, { runtime });
    t.equal(more.length, 1, "an addprocs that names no topology joins the cluster's");
    const err = await remotecallFetch((to: number) => remotecallFetch(() => 1, to), mw[0], more[0]!).catch((e: unknown) => e);
    t.equal((err as RemoteError).remote?.code, "ERR_TOPOLOGY", "and gets its rules");
    await rmprocs(workers());
    const [a, b] = (await addprocs(2, { runtime })) as [number, number];
    t.equal(
      await remotecallFetch((to: number) => remotecallFetch(() => myid(), to), a, b),
      b,
      "emptied: the default all_to_all applies again",
    );
    await rmprocs([a, b]);
    const eager = (await addprocs(3, { runtime, lazy: false })) as number[];
    for (const p of eager) {
      t.equal(tcpConnections(peers.get(p)!.info!.ospid), 3, `worker ${p}: lazy: false connects every pair after a master_worker cluster`);
    }
    await rmprocs(eager);
  });

  t.test(`${runtime}: lazy belongs to the cluster too`, async (t) => {
    t.teardown(() => rmprocs(workers()));
    const first = (await addprocs(2, { runtime, lazy: false })) as number[];
    const refused = await addprocs(1, { runtime, lazy: true }).catch((e: unknown) => e);
    t.type(refused, ClusterOptionsError, "a different lazy while workers exist");
    t.match((refused as Error).message, /lazy: false; this addprocs asks for lazy: true/, "naming both");
    const [third] = await addprocs(1, { runtime });
    t.equal(
      tcpConnections(peers.get(third!)!.info!.ospid),
      3,
      "no lazy given: the cluster's lazy: false, so the newcomer connects to both",
    );
    await rmprocs(workers());
    const lazy = (await addprocs(2, { runtime })) as number[];
    for (const p of lazy) {
      t.equal(tcpConnections(peers.get(p)!.info!.ospid), 1, `emptied: lazy is true again, worker ${p} has only the master`);
    }
    await rmprocs([...first, ...lazy].filter((p) => workers().includes(p)));
  });

  for (const topology of ["master_worker", "all_to_all"] as const) {
    t.test(`${runtime}: every worker knows the membership (${topology})`, async (t) => {
      t.teardown(() => rmprocs(workers()));
      const pids = await addprocs(3, { runtime, topology });
      const view = (p: number): Promise<unknown> => remotecallFetch(() => [workers(), nprocs(), nworkers()], p);
      for (const p of pids) t.same(await view(p), [workers(), nprocs(), nworkers()], `worker ${p} agrees with the master`);
      await rmprocs([pids[1]!]);
      for (const p of [pids[0]!, pids[2]!]) t.same(await view(p), [[pids[0], pids[2]], 3, 2], `worker ${p} after rmprocs of ${pids[1]}`);
      const [added] = await addprocs(1, { runtime, topology });
      for (const p of [pids[0]!, pids[2]!, added!]) t.same(await view(p), [[pids[0], pids[2], added], 4, 3], `worker ${p} after addprocs`);
      await rmprocs([pids[0]!]);
      t.same(await view(added!), [[pids[2], added], 3, 2], "and after another rmprocs");
    });
  }

  t.test(`${runtime}: a hung worker is declared dead by the heartbeat, with no call of ours in flight to it`, async (t) => {
    const [h, other] =
      (await addprocs(2, { runtime, topology: "all_to_all", lazy: true, heartbeatInterval: 0.2, heartbeatTimeout: 1.5 })) as [
        number,
        number,
      ];
    t.teardown(() => rmprocs(workers()));
    const ospid = peers.get(h)!.info!.ospid;
    // Worker `other` waits on the hung worker; the master has nothing in flight to it.
    const waiting = remotecallFetch(
      async (to: number) => {
        try {
          await remotecallFetch(() => new Promise(() => {}), to);
          return "answered";
        } catch (err) {
          return (err as Error).name;
        }
      },
      other,
      h,
    );
    await remotecallFetch((to: number) => remotecallFetch(() => 1, to), other, h); // other <-> h connected
    const started = Date.now();
    process.kill(ospid, "SIGSTOP");
    try {
      t.equal(await waiting, "ProcessExitedError", "the worker waiting on it was told");
      const took = Date.now() - started;
      t.ok(took < 8000, `noticed after ${took} ms (timeout 1.5 s)`);
      // The waiting worker's own heartbeat may notice first: wait for the master's (bounded by the tap timeout).
      await new Promise<void>((resolve) => (peers.get(h) === undefined ? resolve() : peers.onRemoved((pid) => pid === h && resolve())));
      t.notOk(workers().includes(h), "the master dropped it too");
      await t.rejects(remotecallFetch(() => 1, h), ProcessExitedError);
      t.equal(await remotecallFetch(() => "fine", other), "fine");
    } finally {
      process.kill(ospid, "SIGKILL");
    }
  });
}
