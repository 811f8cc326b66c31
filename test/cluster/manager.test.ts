// The ClusterManager interface: a manager of one's own, built on LocalManager, sees the
// lifecycle operations the later managers (SSH, SLURM, threads) rely on.
import t from "tap";
import {
  addprocs,
  type ClusterManager,
  interrupt,
  type LaunchParams,
  type ManageOp,
  remotecallFetch,
  rmprocs,
  type WorkerConfig,
  workers,
} from "../../src/mod.ts";
import { LocalManager } from "../../managers/mod.ts";

class RecordingManager implements ClusterManager {
  readonly name = "recording";
  readonly ops: Array<[number, ManageOp]> = [];
  readonly killed: number[] = [];
  readonly inner = new LocalManager({ count: 2 });
  launched = 0;
  launch(params: LaunchParams, launched: (config: WorkerConfig) => void): Promise<void> {
    return this.inner.launch({ ...params, env: { ...params.env, RECORDED: "yes" } }, (config) => {
      this.launched++;
      launched({ ...config, hostLabel: "recorded-host" });
    });
  }
  manage(pid: number, config: WorkerConfig, op: ManageOp): void {
    this.ops.push([pid, op]);
    this.inner.manage(pid, config, op);
  }
  kill(pid: number, config: WorkerConfig): Promise<void> {
    this.killed.push(pid);
    return this.inner.kill(pid, config);
  }
}

t.test("a custom manager launches, is told about register/interrupt/deregister, and can kill", async (t) => {
  const manager = new RecordingManager();
  const pids = await addprocs(manager);
  t.equal(pids.length, 2, "LocalManager's own count is used");
  t.equal(manager.launched, 2);
  t.same(workers(), pids);
  t.equal(
    await remotecallFetch(() => (globalThis as { process?: { env: Record<string, string> } }).process!.env.RECORDED, pids[0]!),
    "yes",
    "the manager's env reached the worker",
  );
  t.same(manager.ops.filter(([, op]) => op === "register").map(([p]) => p).sort(), pids);
  interrupt(pids[1]!);
  t.ok(manager.ops.some(([p, op]) => p === pids[1] && op === "interrupt"), "interrupt goes through the manager");
  await rmprocs(pids);
  t.same(manager.ops.filter(([, op]) => op === "deregister").map(([p]) => p).sort(), pids, "deregister for every removed worker");
  t.same(workers(), [1]);
});

t.test("addprocs rejects something that is not a manager", async (t) => {
  await t.rejects(addprocs({ launch: 5 } as never), { name: "TypeError", message: /ClusterManager/ });
  await t.rejects(addprocs([42] as never), { name: "TypeError", message: /Machine at index 0/ });
});

t.test("LocalManager validates its count", async (t) => {
  t.throws(() => new LocalManager({ count: 0 }), RangeError);
});
