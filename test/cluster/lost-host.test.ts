// A host that vanishes without closing its sockets: a worker in a network namespace of its own
// (a host of its own, as far as TCP can tell) whose link is taken down. The master must notice
// within hostTimeout from the kernel's TCP state, fail the pending calls with
// ProcessExitedError, and let pmap requeue the items; a worker busy in a long synchronous call
// on a live host must not be mistaken for a lost one. Needs root and iproute2 (as the test
// hosts do).
import t from "tap";
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  addprocs,
  type ClusterManager,
  isDistributedError,
  type LaunchParams,
  type ManageOp,
  pmap,
  ProcessExitedError,
  remotecall,
  remotecallFetch,
  rmprocs,
  type WorkerConfig,
  workers,
} from "../../src/mod.ts";
import { LocalManager } from "../../managers/mod.ts";
import { state } from "../../src/cluster/state.ts";
import { runtimeExe } from "../helpers/processes.ts";

const RUNTIMES = ["node", "bun", "deno"] as const;

function ip(...args: string[]): void {
  execFileSync("ip", args, { stdio: ["ignore", "ignore", "pipe"] });
}

/** A namespace with one veth to this one: 10.201.k.1 here, 10.201.k.2 there. */
function makeHost(k: number): { ns: string; outer: string; inner: string; address: string; remove: () => void } {
  const ns = `dtlost${process.pid}x${k}`;
  const outer = `dtl${k}o${process.pid % 10000}`;
  const inner = `dtl${k}i${process.pid % 10000}`;
  ip("netns", "add", ns);
  const remove = (): void => {
    try {
      ip("link", "del", outer);
    } catch {
      // already gone with its namespace
    }
    try {
      ip("netns", "del", ns);
    } catch {
      // never made
    }
  };
  try {
    ip("link", "add", outer, "type", "veth", "peer", "name", inner);
    ip("link", "set", inner, "netns", ns);
    ip("addr", "add", `10.201.${k}.1/24`, "dev", outer);
    ip("link", "set", outer, "up");
    ip("-n", ns, "addr", "add", `10.201.${k}.2/24`, "dev", inner);
    ip("-n", ns, "link", "set", inner, "up");
    ip("-n", ns, "link", "set", "lo", "up");
  } catch (err) {
    remove();
    throw err;
  }
  return { ns, outer, inner, address: `10.201.${k}.2`, remove };
}

/** Local workers started inside a network namespace (through a wrapper that enters it). */
class NamespaceManager implements ClusterManager {
  readonly name = "namespace";
  readonly #inner = new LocalManager();
  readonly #wrapper: string;
  constructor(wrapper: string) {
    this.#wrapper = wrapper;
  }
  launch(params: LaunchParams, launched: (config: WorkerConfig) => void): Promise<void> {
    return this.#inner.launch(
      { ...params, exename: this.#wrapper, restrict: false },
      (config) => launched({ ...config, hostLabel: "lost-host" }),
    );
  }
  manage(pid: number, config: WorkerConfig, op: ManageOp): void {
    this.#inner.manage(pid, config, op);
  }
  kill(pid: number, config: WorkerConfig): Promise<void> {
    return this.#inner.kill(pid, config);
  }
}

t.test("the host timeout defaults to 30 s, and a bad value is refused at the call site", async (t) => {
  t.equal(state.heartbeat[2], 30_000, "DISTRIBUTED_HOST_TIMEOUT unset: 30 s");
  await t.rejects(addprocs(1, { hostTimeout: -1 }), {
    name: "RangeError",
    message: /hostTimeout must be a number of seconds >= 0, got -1/,
  });
  t.same(workers(), [1], "nothing was started");
});

// One /24 per test, spread by pid so that two runs at once do not collide.
let k = (process.pid % 80) * 3;
for (const runtime of RUNTIMES) {
  t.test(`${runtime}: a worker whose host is lost is declared dead within hostTimeout; pmap requeues its items`, async (t) => {
    const host = makeHost(k++);
    const dir = mkdtempSync(path.join(tmpdir(), "dt-lost-"));
    t.teardown(async () => {
      await rmprocs(workers());
      host.remove();
      rmSync(dir, { recursive: true, force: true });
    });
    const wrapper = path.join(dir, "in-namespace.sh");
    writeFileSync(wrapper, `#!/bin/sh\nexec nsenter --net=/run/netns/${host.ns} ${runtimeExe(runtime)} "$@"\n`);
    chmodSync(wrapper, 0o755);
    const [near] = await addprocs(1, { runtime, hostTimeout: 2, heartbeatInterval: 0.5 });
    const [far] = await addprocs(new NamespaceManager(wrapper), { runtime });
    t.equal(
      await remotecallFetch(() => (globalThis as { process?: { env: Record<string, string> } }).process !== undefined, far!),
      true,
      "the far worker answers",
    );
    const pending = remotecall(() => new Promise<never>(() => {}), far!);
    t.equal(await pending.isready(), false, "a call is pending on the far worker");
    ip("-n", host.ns, "link", "set", host.inner, "down");
    const lostAt = Date.now();
    // Items go to both workers; the far one's never come back until it is declared dead.
    const results = await pmap(async (i: number) => {
      await new Promise((r) => setTimeout(r, 20));
      return i * i;
    }, Array.from({ length: 12 }, (_, i) => i));
    t.same(results, Array.from({ length: 12 }, (_, i) => i * i), "every item done once, the lost worker's requeued");
    const err = await pending.fetch().catch((e: unknown) => e);
    const took = Date.now() - lostAt;
    t.type(err, ProcessExitedError, "the pending call failed with ProcessExitedError");
    t.match((err as Error).message, /stopped acknowledging/, "saying why");
    t.ok(isDistributedError((err as Error).cause, "ERR_HOST_TIMEOUT"), "its cause: a ConnectionLostError, code ERR_HOST_TIMEOUT");
    t.ok(took < 2000 + 15_000, `noticed ${took} ms after the link went down (hostTimeout 2 s, a loaded machine allowed for)`);
    t.notOk(workers().includes(far!), "the master dropped the lost worker");
    t.equal(await remotecallFetch(() => "still here", near!), "still here", "the other worker is unaffected");
  });

  t.test(`${runtime}: a worker busy longer than hostTimeout on a live host is not mistaken for a lost one`, async (t) => {
    t.teardown(() => rmprocs(workers()));
    const [w] = await addprocs(1, { runtime, hostTimeout: 1, heartbeatInterval: 0.2 });
    const spun = await remotecallFetch(() => {
      const until = Date.now() + 4000;
      let n = 0;
      while (Date.now() < until) n++;
      return n > 0;
    }, w!);
    t.equal(spun, true, "a 4 s synchronous call came back");
    t.ok(workers().includes(w!), "and the worker is still in the cluster");
  });
}
