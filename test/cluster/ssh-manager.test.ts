// The SSH manager against real sshd hosts (scripts/test-hosts/ssh.sh): the loopback sshd and
// two hosts in network namespaces with their own addresses and hostnames. For each worker
// runtime: distinct hostnames, remote calls, output forwarding, pmap across hosts, a channel
// between workers on different hosts, `auto` counts, bind addresses from a machine file, and
// rmprocs ending the remote processes.
import t from "tap";
import {
  addprocs,
  Channel,
  everywhere,
  gethostname,
  myid,
  pmap,
  remotecallFetch,
  RemoteChannel,
  rmprocs,
  type RuntimeName,
  workers,
} from "../../src/mod.ts";
import { parseMachineFile, SSHManager } from "../../managers/mod.ts";
import { peers } from "../../src/cluster/peers.ts";
import { alive, waitUntil } from "../helpers/processes.ts";
import { sshHosts } from "../helpers/ssh-hosts.ts";

const hosts = sshHosts(t);
if (hosts !== undefined) {
  const flags = ["-F", hosts.sshConfig];
  const [loop, h1, h2] = hosts.hosts as [(typeof hosts.hosts)[0], (typeof hosts.hosts)[0], (typeof hosts.hosts)[0]];
  const ospidOf = (pid: number): number => peers.get(pid)!.info!.ospid;

  for (const runtime of ["node", "bun", "deno"] as RuntimeName[]) {
    t.test(`workers under ${runtime} on three ssh hosts`, async (t) => {
      // The three forms of a host: an alias from ssh_config, user@address:port, and [host, count].
      const pids = await addprocs([h1.alias, `root@${loop.address}:${loop.port}`, [h2.address, 2]], {
        sshflags: flags,
        runtime,
        timeout: 60,
      });
      t.equal(pids.length, 4);
      t.teardown(() => rmprocs(workers()));

      const names = await Promise.all(pids.map((p) => remotecallFetch(() => [gethostname(), myid()] as const, p)));
      t.same(names.map((n) => n[1]), pids, "each worker knows its pid");
      const byHost = new Map<string, number>();
      for (const [name] of names) byHost.set(name, (byHost.get(name) ?? 0) + 1);
      t.equal(byHost.get(h1.hostname), 1, `one worker on ${h1.hostname}`);
      t.equal(byHost.get(h2.hostname), 2, `two workers on ${h2.hostname}`);
      t.equal(byHost.get(loop.hostname), 1, `one worker on the loopback host ${loop.hostname}`);
      t.equal(new Set(names.map((n) => n[0])).size, 3, "three distinct hostnames");
      t.same(
        await remotecallFetch(
          () =>
            (globalThis as { Bun?: unknown }).Bun !== undefined
              ? "bun"
              : (globalThis as { Deno?: unknown }).Deno !== undefined
              ? "deno"
              : "node",
          pids[0]!,
        ),
        runtime,
      );

      const squares = await pmap((x: number) => [x * x, gethostname()] as const, Array.from({ length: 40 }, (_, i) => i), { batchSize: 1 });
      t.same(squares.map((s) => s[0]), Array.from({ length: 40 }, (_, i) => i * i), "pmap results in order");
      t.equal(new Set(squares.map((s) => s[1])).size, 3, "pmap used all three hosts");

      // A channel on the worker on h1, filled by a worker on h2 and drained on h1: worker to worker across hosts.
      const onH1 = pids[names.findIndex((n) => n[0] === h1.hostname)]!;
      const onH2 = pids[names.findIndex((n) => n[0] === h2.hostname)]!;
      const rc = new RemoteChannel<string>(() => new Channel(8), onH1);
      await remotecallFetch(
        async (ch: RemoteChannel<string>) => {
          for (let i = 0; i < 3; i++) await ch.put(`${gethostname()}:${i}`);
        },
        onH2,
        rc,
      );
      const drained = await remotecallFetch(
        async (ch: RemoteChannel<string>) => [gethostname(), await ch.take(), await ch.take(), await ch.take()],
        onH1,
        rc,
      );
      t.same(drained, [h1.hostname, `${h2.hostname}:0`, `${h2.hostname}:1`, `${h2.hostname}:2`]);
      t.equal(
        await remotecallFetch((p: number) => remotecallFetch(() => gethostname(), p), onH1, onH2),
        h2.hostname,
        "a worker on h1 calls a worker on h2",
      );

      await everywhere(() => undefined, { procs: pids });
      const ospids = pids.map(ospidOf);
      await rmprocs(pids);
      t.same(workers(), [1]);
      await waitUntil(() => ospids.every((o) => !alive(o)), 30_000, "the remote workers to exit");
      t.pass("rmprocs ended every remote worker process");
    });
  }

  t.test("auto starts one worker per CPU of the host", async (t) => {
    const pids = await addprocs([[h1.alias, "auto"]], { sshflags: flags });
    t.teardown(() => rmprocs(workers()));
    const cpus = peers.get(pids[0]!)!.info!.cpus;
    t.equal(pids.length, cpus, `${cpus} workers`);
    const names = await Promise.all(pids.map((p) => remotecallFetch(() => gethostname(), p)));
    t.ok(names.every((n) => n === h1.hostname));
  });

  t.test("a machine file with counts and a bind address", async (t) => {
    const text = `# two hosts\n2*${h1.alias}\n${h2.alias} ${h2.address}:${41000 + (process.pid % 1000)}\n`;
    const manager = new SSHManager(parseMachineFile(text, "hosts.txt"), { sshflags: flags });
    const pids = await addprocs(manager);
    t.teardown(() => rmprocs(workers()));
    t.equal(pids.length, 3);
    const addresses = pids.map((p) => peers.get(p)!.address!);
    t.same(addresses.slice(0, 2).map((a) => a.host), [h1.address, h1.address], "without bind_addr: the address ssh reached the host at");
    t.same(addresses[2], { host: h2.address, port: 41000 + (process.pid % 1000) }, "bind_addr:port is where the worker listens");
    t.equal(await remotecallFetch(() => gethostname(), pids[2]!), h2.hostname);
  });

  t.test("multiplex: every session to a host shares one connection", async (t) => {
    const first = await addprocs([h1.alias], { sshflags: flags, multiplex: true });
    const second = await addprocs([h1.alias, h2.alias], { sshflags: flags, multiplex: true, maxParallel: 1 });
    t.teardown(() => rmprocs(workers()));
    t.same(await Promise.all([...first, ...second].map((p) => remotecallFetch(() => gethostname(), p))), [
      h1.hostname,
      h1.hostname,
      h2.hostname,
    ]);
  });

  t.test("worker output is forwarded with the worker's pid", async (t) => {
    const [p] = await addprocs([h2.alias], { sshflags: flags });
    t.teardown(() => rmprocs(workers()));
    const lines: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      lines.push(String(chunk));
      return (write as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stdout.write;
    try {
      await remotecallFetch(() => console.log(`hello from ${gethostname()}`), p!);
      await waitUntil(() => lines.some((l) => l.includes(`From worker ${p}:\thello from ${h2.hostname}`)), 30_000, "the forwarded line");
    } finally {
      process.stdout.write = write;
    }
    t.pass("forwarded");
  });
}
