// What happens to SSH workers over time: interrupts (node, bun and deno workers) and rmprocs
// reach them through the ssh session; a dropped session or a SIGKILLed master leaves no
// process on any host; tunnel mode reaches workers that listen only on their host's loopback.
import t from "tap";
import { execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import {
  addprocs,
  Channel,
  gethostname,
  pmap,
  ProcessExitedError,
  remotecall,
  remotecallFetch,
  RemoteChannel,
  RemoteError,
  rmprocs,
  type RuntimeName,
  workers,
} from "../../src/mod.ts";
import { checkInterrupt, listenForSigint } from "../helpers/interrupt.ts";
import { peers } from "../../src/cluster/peers.ts";
import { alive, ROOT, waitUntil } from "../helpers/processes.ts";
import { sshHosts } from "../helpers/ssh-hosts.ts";

const hosts = sshHosts(t);
if (hosts !== undefined) {
  const flags = ["-F", hosts.sshConfig];
  const [loop, h1, h2] = hosts.hosts as [(typeof hosts.hosts)[0], (typeof hosts.hosts)[0], (typeof hosts.hosts)[0]];
  const ospidOf = (pid: number): number => peers.get(pid)!.info!.ospid;

  /** The ssh client processes this test process started. */
  const sshChildren = (): number[] =>
    execFileSync("ps", ["-o", "pid=,args=", "--ppid", String(process.pid)], { encoding: "utf8" })
      .split("\n")
      .filter((l) => /^\s*\d+ ssh /.test(l))
      .map((l) => Number(l.trim().split(/\s+/)[0]));

  // The launcher runs under the workers' runtime and signals them: under Deno it once closed
  // the worker's stdin as well (Deno's child.kill()), and the worker, whose stdin is its
  // lifeline, exited.
  for (const runtime of ["node", "bun", "deno"] as RuntimeName[]) {
    t.test(`interrupt is a Ctrl-C on a remote ${runtime} worker: its SIGINT listeners run, its call fails, it survives`, async (t) => {
      const [p] = await addprocs([h1.alias], { sshflags: flags, runtime });
      t.teardown(() => rmprocs(workers()));
      await listenForSigint(p!);
      await checkInterrupt(t, p!, runtime);
      await checkInterrupt(t, p!, runtime); // a second one is handled the same
      t.equal(await remotecallFetch(() => gethostname(), p!), h1.hostname);
    });
  }

  t.test("a dropped ssh session ends that host's workers and fails their calls", async (t) => {
    const before = new Set(sshChildren());
    const pids = await addprocs([h1.alias, h2.alias], { sshflags: flags });
    t.teardown(() => rmprocs(workers()));
    const sessions = sshChildren().filter((s) => !before.has(s));
    t.equal(sessions.length, 2, "one ssh session per host");
    const onH1 = pids[0]!;
    const ospid = ospidOf(onH1);
    const pending = remotecallFetch(() => new Promise((r) => setTimeout(r, 30_000)), onH1).catch((e: unknown) => e);
    // Find the session of h1: the one whose command line names it.
    const h1Session = sessions.find((s) =>
      execFileSync("ps", ["-o", "args=", "-p", String(s)], { encoding: "utf8" }).includes(` ${h1.alias} `)
    )!;
    process.kill(h1Session, "SIGKILL");
    t.type(await pending, ProcessExitedError, "the pending call fails with ProcessExitedError");
    await waitUntil(() => !alive(ospid), 30_000, "the worker on h1 to exit");
    t.same(workers(), [pids[1]], "the other host's worker stays");
    t.equal(await remotecallFetch(() => gethostname(), pids[1]!), h2.hostname);
  });

  for (const mode of ["direct", "tunnel"]) {
    t.test(`a SIGKILLed master leaves no process on any host (${mode})`, async (t) => {
      const master = spawn(process.execPath, [
        path.join(ROOT, "dist", "test", "fixtures", "ssh-master.js"),
        hosts.sshConfig,
        mode,
        h1.alias,
        `root@${loop.address}:${loop.port}`,
        h2.alias,
      ], { stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      master.stdout.on("data", (d: Buffer) => (out += d.toString()));
      master.stderr.on("data", (d: Buffer) => (out += d.toString()));
      await waitUntil(() => out.includes("READY"), 120_000, `the master to add its workers:\n${out}`);
      const ospids = JSON.parse(/READY (\[.*\])/.exec(out)![1]!) as number[];
      t.equal(ospids.length, 3);
      t.ok(ospids.every(alive));
      // The launchers are the workers' parents (the namespaces share this machine's pid space).
      const launchers = ospids.map((o) => Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${o}/status`, "utf8"))![1]));
      t.ok(launchers.every((l) => readFileSync(`/proc/${l}/cmdline`, "utf8").includes("--launcher")), "each worker's parent is a launcher");
      master.kill("SIGKILL");
      const waited = await waitUntil(() => ospids.every((o) => !alive(o)), 30_000, "every remote worker to exit");
      t.ok(true, `all remote workers gone ${waited} ms after the master died`);
      await waitUntil(() => launchers.every((o) => !alive(o)), 30_000, "the launchers to exit");
      t.pass("the launchers are gone too");
    });
  }

  t.test("tunnel: workers listen on their host's loopback and are reached through ssh", async (t) => {
    const pids = await addprocs([[h1.alias, 2], h2.alias], { sshflags: flags, tunnel: true });
    t.teardown(() => rmprocs(workers()));
    t.same(
      pids.map((p) => peers.get(p)!.address!.host),
      ["127.0.0.1", "127.0.0.1", "127.0.0.1"],
      "each worker listens on its own host's loopback",
    );
    const names = await Promise.all(pids.map((p) => remotecallFetch(() => gethostname(), p)));
    t.same(names, [h1.hostname, h1.hostname, h2.hostname]);
    const big = new Float64Array(1 << 20).fill(1.5);
    t.equal(
      await remotecallFetch((a: Float64Array) => a.reduce((s, x) => s + x, 0), pids[2]!, big),
      1.5 * (1 << 20),
      "8 MiB through the tunnel",
    );
    t.same(await pmap((x: number) => x + 1, [1, 2, 3, 4, 5, 6]), [2, 3, 4, 5, 6, 7]);
    // Same host: the two workers on h1 reach each other over h1's loopback.
    t.equal(await remotecallFetch((p: number) => remotecallFetch(() => gethostname(), p), pids[1]!, pids[0]!), h1.hostname);
    // Across hosts: a clear TopologyError rather than a connection to the wrong loopback.
    const err = await remotecallFetch((p: number) => remotecallFetch(() => 1, p), pids[2]!, pids[0]!).catch((e: unknown) => e);
    t.type(err, RemoteError);
    t.match((err as Error).message, /reached only through an ssh tunnel from the master \(tunnel: true\)/);
    const rc = new RemoteChannel<number>(() => new Channel(2), pids[2]!);
    await rc.put(7);
    t.equal(await rc.take(), 7, "the master uses a tunnelled worker's channel");
    const ospids = pids.map(ospidOf);
    await rmprocs(pids);
    await waitUntil(() => ospids.every((o) => !alive(o)), 30_000, "the tunnelled workers to exit");
    t.throws(() => remotecall(() => 1, pids[0]!), ProcessExitedError);
  });
}
