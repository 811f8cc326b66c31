// SharedArray and Atomic with SSH workers on real hosts (scripts/test-hosts/ssh.sh). For each
// worker runtime, one worker on dh1 (sshd in its own network and UTS namespace: another host,
// hostname "dh1"), one on dh0 (sshd on this machine's 127.0.0.1: this host) and one local
// (test/helpers/shared-memory-hosts.ts holds the checks, shared with the Slurm test):
// - naming the dh1 worker among the participants is refused at the call site
//   (ERR_SHARED_MEMORY_OTHER_HOST, both hosts named, DArray or RemoteChannel suggested), by
//   SharedArray, Atomic and SharedArray.create, before any memory is made or init runs;
// - the default participants are this process and the workers on this host (dh0 and the local
//   one), not the dh1 worker; sending such a value to the dh1 worker is refused before
//   anything is sent, for a SharedArrayBuffer-backed value and for a mapped one, and the worker
//   still answers afterwards;
// - the dh0 worker, reached over ssh but on this machine, shares the mapping: its writes are
//   seen here and Atomic adds from it are exact;
// - a worker on dh0 in a PID namespace of its own (as in a container that keeps the machine's
//   hostname) has this hostname but cannot reach this process's memory (a mapping travels as
//   /proc/<pid>/fd/<fd>): it is not counted as on this host, and naming it is refused.
// The SSH test hosts need root and util-linux, which the last test's `unshare` needs too.
import t from "tap";
import { chmodSync, mkdtempSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  addprocs,
  Atomic,
  gethostname,
  myid,
  remotecallFetch,
  rmprocs,
  type RuntimeName,
  SharedArray,
  SharedMemoryError,
  workers,
} from "../../src/mod.ts";
import { peers } from "../../src/cluster/peers.ts";
import { memoryNamespace } from "../../src/runtime/shm.ts";
import { runtimeExe } from "../helpers/processes.ts";
import { failure, listedSegments, refusesOtherHost, sharesOnThisHost } from "../helpers/shared-memory-hosts.ts";
import { sshHosts } from "../helpers/ssh-hosts.ts";

const hosts = sshHosts(t);
if (hosts !== undefined) {
  const flags = ["-F", hosts.sshConfig];
  const [loop, h1] = hosts.hosts as [(typeof hosts.hosts)[0], (typeof hosts.hosts)[0]];
  const here = gethostname();

  t.test("the hosts: dh0 is this machine, dh1 is not", async (t) => {
    t.equal(loop.hostname, here);
    t.not(h1.hostname, here);
  });

  for (const runtime of ["node", "bun", "deno"] as RuntimeName[]) {
    t.test(`${runtime} workers on ${h1.alias}, on ${loop.alias} and here`, async (t) => {
      const [remote, viaLoop] = await addprocs([h1.alias, loop.alias], { sshflags: flags, runtime, timeout: 60 });
      t.teardown(() => rmprocs(workers()));
      const [local] = await addprocs(1, { runtime });
      const hostOf = (p: number): Promise<string> => remotecallFetch(() => gethostname(), p);
      t.same(await Promise.all([remote!, viaLoop!, local!].map(hostOf)), [h1.hostname, here, here], "where each worker runs");
      const namespaces = [remote!, viaLoop!, local!].map((p) => peers.get(p)!.info!.memoryNamespace);
      t.match(memoryNamespace(), /^[0-9a-f-]{36} pid:\[\d+\]$/, "this process's kernel boot id and PID namespace");
      // The netns hosts share this machine's kernel and PID namespace: only their hostname sets them apart.
      const ours = memoryNamespace();
      t.same(namespaces, [ours, ours, ours], `each ${runtime} worker reports its boot id and PID namespace`);
      await refusesOtherHost(t, { remote: remote!, remoteHost: h1.hostname, sameHost: [viaLoop!, local!].sort((x, y) => x - y) });
      t.test(`the worker on ${loop.alias} (ssh to this machine) shares the mapping`, (t) => sharesOnThisHost(t, viaLoop!, local!));
    });
  }

  for (const runtime of ["node", "bun", "deno"] as RuntimeName[]) {
    t.test(`a ${runtime} worker on ${loop.alias} in a PID namespace of its own: this hostname, not this host's memory`, async (t) => {
      const dir = mkdtempSync(path.join(os.tmpdir(), "distributed-pidns-"));
      t.teardown(() => rmSync(dir, { recursive: true, force: true }));
      const wrapper = path.join(dir, `${runtime}-in-own-pid-namespace`);
      writeFileSync(wrapper, `#!/bin/sh\nexec unshare --pid --fork --kill-child --mount-proc ${runtimeExe(runtime)} "$@"\n`);
      chmodSync(wrapper, 0o755);
      const [apart] = await addprocs([loop.alias], { sshflags: flags, runtime, exename: wrapper, timeout: 60 });
      t.teardown(() => rmprocs(workers()));
      const [local] = await addprocs(1, { runtime });
      const [name, namespace] = await remotecallFetch(
        async () => [gethostname(), (await import("node:fs")).readlinkSync("/proc/self/ns/pid")] as const,
        apart!,
      );
      t.equal(name, here, "this hostname");
      t.not(namespace, readlinkSync("/proc/self/ns/pid"), `a PID namespace of its own (${namespace})`);

      const S = new SharedArray(Float64Array, [4]);
      t.same(S.pids, [1, local!], "a default participant is the local worker, not the one in its own PID namespace");
      const before = listedSegments();
      for (
        const [what, make] of [
          ["SharedArray", () => new SharedArray(Float64Array, [4], { pids: [1, apart!] })],
          ["Atomic", () => new Atomic(Int32Array, 0, { pids: [1, local!, apart!] })],
        ] as const
      ) {
        const err = await failure(t, make);
        t.type(err, SharedMemoryError, `${err.name}: ${err.message}`);
        t.equal((err as SharedMemoryError).code, "ERR_SHARED_MEMORY_OTHER_HOST", what);
        const start = `^${what}: worker ${apart} runs on host ${here}, as this process does by name, but apart from it: `;
        t.match(err.message, new RegExp(`${start}.* another PID namespace \\(a container\\)`));
        t.match(err.message, /use a DArray .* or a RemoteChannel/);
      }
      t.same(listedSegments(), before, "no segment left in /dev/shm");
      const sent = await failure(t, () => remotecallFetch((s: SharedArray<Float64ArrayConstructor>) => s.data[0], apart!, S));
      t.equal((sent as SharedMemoryError).code, "ERR_SHARED_MEMORY_OTHER_HOST", "sending it a mapped array is refused here");
      t.equal(await remotecallFetch((n: number) => n * 2, apart!, 21), 42, "and the worker still answers");
      const [code, message] = await remotecallFetch(() => {
        try {
          return ["", String(new SharedArray(Float64Array, [4], { pids: [myid(), 1] }).pids)];
        } catch (err) {
          return [(err as { code?: string }).code ?? "", (err as Error).message];
        }
      }, apart!);
      t.equal(code, "ERR_SHARED_MEMORY_OTHER_HOST", "the worker refuses the master as a participant too");
      t.match(message, new RegExp(`^SharedArray: the master runs on host ${here}, as this process does by name, but apart from it`));
    });
  }
}
