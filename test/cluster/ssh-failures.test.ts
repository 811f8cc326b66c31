// SSH launch failures against real sshd hosts: each is a WorkerStartError that names the host,
// says what to do, shows ssh's own message, is bounded by timeout, and leaves no process;
// partial: true keeps the hosts that came up.
import t, { type Test } from "tap";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { addprocs, gethostname, remotecallFetch, rmprocs, workers, WorkerStartError } from "../../src/mod.ts";
import { sshHosts } from "../helpers/ssh-hosts.ts";

const hosts = sshHosts(t);
if (hosts !== undefined) {
  const flags = ["-F", hosts.sshConfig];
  const loop = hosts.hosts[0]!;
  const h1 = hosts.hosts[1]!;

  /** Runs an addprocs that must fail; checks that it added nothing. */
  async function failure(
    t: Test,
    machines: Parameters<typeof addprocs>[0],
    options: Parameters<typeof addprocs>[1],
  ): Promise<{ err: WorkerStartError; ms: number }> {
    const started = Date.now();
    const err = await addprocs(machines, options).catch((e: unknown) => e);
    if (!(err instanceof WorkerStartError)) throw new Error(`expected a WorkerStartError, got ${String(err)}`);
    t.same(workers(), [1], "nothing was left added");
    return { err, ms: Date.now() - started };
  }

  t.test("unknown host", async (t) => {
    const { err } = await failure(t, ["no-such-host.invalid"], { sshflags: flags, timeout: 20 });
    t.match(err.message, /^Cannot start workers on no-such-host\.invalid: the host name could not be resolved/);
    t.equal(err.host, "no-such-host.invalid");
    t.match(err.stderrTail, /Could not resolve hostname no-such-host\.invalid/, "ssh's own message is shown");
    t.match(err.command, /^ssh -o BatchMode=yes /);
  });

  t.test("connection refused", async (t) => {
    const { err } = await failure(t, [`${loop.address}:1`], { sshflags: flags, timeout: 20 });
    t.match(err.message, /^Cannot start workers on 127\.0\.0\.1:1: the connection was refused/);
    t.match(err.stderrTail, /Connection refused/);
  });

  t.test("authentication failure (a key the host does not know)", async (t) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "distributed-ssh-key-"));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path.join(dir, "key")]);
    const strangerFlags = [
      "-i",
      path.join(dir, "key"),
      "-o",
      "IdentitiesOnly=yes",
      "-o",
      `UserKnownHostsFile=${hosts.knownHosts}`,
      "-o",
      "StrictHostKeyChecking=yes",
      "-F",
      "/dev/null",
    ];
    const { err } = await failure(t, [`root@${loop.address}:${loop.port}`], { sshflags: strangerFlags, timeout: 20 });
    t.match(err.message, /authentication failed: ssh runs with BatchMode/);
    t.match(err.stderrTail, /Permission denied/);
  });

  t.test("the runtime is not on the remote PATH", async (t) => {
    const { err } = await failure(t, [h1.alias], { sshflags: flags, exename: "no-such-runtime", timeout: 20 });
    t.match(err.message, /^Cannot start workers on dh1: "no-such-runtime" was not found on the remote PATH/);
    t.match(err.stderrTail, /no-such-runtime/);
  });

  t.test("the working directory does not exist on the host", async (t) => {
    const { err } = await failure(t, [h1.alias], { sshflags: flags, dir: "/no/such/dir", timeout: 20 });
    t.match(err.message, /the working directory given with option dir does not exist there/);
    t.match(err.stderrTail, new RegExp(`the working directory /no/such/dir cannot be used on ${h1.hostname}`));
  });

  t.test("the package is not installed at the entry path on the host", async (t) => {
    const { err } = await failure(t, [h1.alias], { sshflags: flags, entry: "/no/such/distributed/dist/src/worker/main.js", timeout: 20 });
    t.match(err.message, /the package is not installed at \/no\/such\/distributed\/dist\/src\/worker\/main\.js there/);
  });

  t.test("a host that never answers is bounded by timeout", async (t) => {
    // 10.200.2.99 is on the test bridge's subnet but nobody has it: ssh waits for ARP in vain.
    const { err, ms } = await failure(t, ["10.200.2.99"], { sshflags: flags, timeout: 2 });
    t.ok(ms < 15_000, `failed after ${ms} ms (timeout 2 s; the bound leaves room for a loaded machine)`);
    t.match(err.message, /^Cannot start workers on 10\.200\.2\.99: /);
  });

  t.test("several failures are reported together, and no worker of the call is kept", async (t) => {
    const { err } = await failure(t, [h1.alias, "no-such-host.invalid", `${loop.address}:1`], { sshflags: flags, timeout: 20 });
    t.match(err.message, /more failure\(s\) in this addprocs; every worker it started was stopped/);
  });

  t.test("partial: true keeps the hosts that came up and reports the others", async (t) => {
    const reported: Error[] = [];
    const pids = await addprocs([h1.alias, "no-such-host.invalid", hosts.hosts[2]!.alias], {
      sshflags: flags,
      timeout: 20,
      partial: true,
      onFailure: (e) => reported.push(e),
    });
    t.teardown(() => rmprocs(workers()));
    t.equal(pids.length, 2, "the two good hosts");
    t.same(
      (await Promise.all(pids.map((p) => remotecallFetch(() => gethostname(), p)))).sort(),
      [h1.hostname, hosts.hosts[2]!.hostname].sort(),
    );
    t.equal(reported.length, 1);
    t.type(reported[0], WorkerStartError);
    t.match(reported[0]!.message, /no-such-host\.invalid/);
  });

  t.test("partial: true still rejects when no host came up", async (t) => {
    const { err } = await failure(t, ["no-such-host.invalid"], { sshflags: flags, timeout: 20, partial: true });
    t.match(err.message, /no-such-host\.invalid/);
  });

  t.test("bad machines and options are clear errors before anything starts", async (t) => {
    await t.rejects(addprocs(["-oProxyCommand=evil"], { sshflags: flags }), TypeError);
    await t.rejects(addprocs([[h1.alias, 0]], { sshflags: flags }), RangeError);
    await t.rejects(addprocs([h1.alias], { sshflags: flags, maxParallel: 0 }), /maxParallel must be a positive integer/);
    await t.rejects(addprocs([h1.alias], { sshflags: flags, shell: "fish" as "posix" }), /shell must be "posix" or "csh"/);
    await t.rejects(addprocs([], { sshflags: flags }), TypeError);
  });
}
