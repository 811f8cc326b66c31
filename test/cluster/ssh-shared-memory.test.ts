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
//   seen here and Atomic adds from it are exact.
import t from "tap";
import { addprocs, gethostname, remotecallFetch, rmprocs, workers, type RuntimeName } from "../../src/mod.ts";
import { refusesOtherHost, sharesOnThisHost } from "../helpers/shared-memory-hosts.ts";
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
      await refusesOtherHost(t, { remote: remote!, remoteHost: h1.hostname, sameHost: [viaLoop!, local!].sort((x, y) => x - y) });
      t.test(`the worker on ${loop.alias} (ssh to this machine) shares the mapping`, (t) => sharesOnThisHost(t, viaLoop!, local!));
    });
  }
}
