// The SSH test hosts themselves (scripts/test-hosts/ssh.sh): every name a user may type reaches
// the right sshd with the generated key and known_hosts, dh1 and dh2 are distinct machines on a
// bridge, sessions see the caller's node, bun and deno, and carry the markers that let the leak
// check and `ssh.sh stop` find what a test leaves behind; a stop or start for another state
// directory leaves them up.
import t from "tap";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { alive, ROOT, waitUntil } from "../helpers/processes.ts";
import { sshHosts } from "../helpers/ssh-hosts.ts";

const run = promisify(execFile);

const hosts = sshHosts(t);
if (hosts !== undefined) {
  const [dh0, dh1, dh2] = hosts.hosts as [(typeof hosts.hosts)[0], (typeof hosts.hosts)[0], (typeof hosts.hosts)[0]];
  const stateDir = path.dirname(hosts.sshConfig);

  /** Runs `ssh -F <config> ...args` and returns its stdout, trimmed. */
  async function ssh(...args: string[]): Promise<string> {
    const { stdout } = await run("ssh", ["-F", hosts!.sshConfig, ...args], { timeout: 120_000 }); // generous: 20 logins at once take long on a loaded machine
    return stdout.trim();
  }

  t.test("hosts.json describes three hosts", async (t) => {
    t.same(
      hosts.hosts.map((h) => h.alias),
      ["dh0", "dh1", "dh2"],
    );
    t.equal(dh0.address, "127.0.0.1");
    t.equal(dh0.port, hosts.loopbackPort);
    t.same([dh1.address, dh1.port, dh2.address, dh2.port], ["10.200.2.11", 22, "10.200.2.12", 22]);
    t.equal(dh0.hostname, os.hostname(), "dh0 is this machine");
    t.match(readFileSync(hosts.knownHosts, "utf8"), /ssh-ed25519 /);
    t.match(readFileSync(hosts.key, "utf8"), /BEGIN OPENSSH PRIVATE KEY/);
  });

  t.test("each alias reaches its own host; dh1, dh2 and this machine are distinct", async (t) => {
    const names = await Promise.all(hosts.hosts.map((h) => ssh(h.alias, "hostname")));
    t.same(names, [os.hostname(), "dh1", "dh2"]);
    t.equal(new Set(names).size, 3, "three distinct hostnames");
  });

  t.test("addresses, user@ and -p reach the same hosts, host keys checked", async (t) => {
    const port = String(hosts.loopbackPort);
    const cases: [string[], string][] = [
      [["root@10.200.2.11"], "dh1"],
      [["10.200.2.12"], "dh2"],
      [["root@dh2"], "dh2"],
      [["-p", port, "127.0.0.1"], os.hostname()],
      [["-p", port, "root@localhost"], os.hostname()],
      [[`ssh://root@127.0.0.1:${port}`], os.hostname()],
      [["-o", "HostKeyAlias=dh1", "10.200.2.11"], "dh1"],
    ];
    const got = await Promise.all(cases.map(([args]) => ssh(...args, "hostname")));
    cases.forEach(([args, want], i) => t.equal(got[i], want, `ssh ${args.join(" ")} hostname`));
  });

  t.test("a wrong host key is refused (StrictHostKeyChecking is on)", async (t) => {
    const err = await run("ssh", ["-F", hosts.sshConfig, "-o", "UserKnownHostsFile=/dev/null", "dh1", "true"], { timeout: 120_000 }).catch((
      e: unknown,
    ) => e);
    t.ok(err instanceof Error, "ssh failed without a known host key");
    t.match((err as { stderr?: string }).stderr ?? "", /Host key verification failed/);
  });

  t.test("dh1 reaches dh2 and this machine's bridge address, not this machine's 127.0.0.1", async (t) => {
    const [toDh2, toDh1] = await Promise.all([
      ssh("dh1", "bash -c 'cat </dev/null >/dev/tcp/10.200.2.12/22 && echo reached'"),
      ssh("dh2", "bash -c 'cat </dev/null >/dev/tcp/10.200.2.11/22 && echo reached'"),
    ]);
    t.equal(toDh2, "reached", "dh1 -> dh2:22");
    t.equal(toDh1, "reached", "dh2 -> dh1:22");

    // A listener on the bridge address, as a master whose workers run on dh1/dh2 would have.
    const got: string[] = [];
    const server = createServer((socket) => socket.on("data", (d: Buffer) => got.push(d.toString())));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, hosts.bridgeAddress, resolve);
    });
    t.teardown(() => server.close());
    const port = (server.address() as { port: number }).port;
    await ssh("dh1", `bash -c 'echo hello-from-$(hostname) >/dev/tcp/${hosts.bridgeAddress}/${port}'`);
    await waitUntil(() => got.join("").includes("\n"), 30_000, "the line from dh1");
    t.equal(got.join(""), "hello-from-dh1\n", "dh1 -> this machine's bridge address");

    const out = await ssh(
      "dh1",
      `bash -c 'cat </dev/null >/dev/tcp/127.0.0.1/${hosts.loopbackPort} && echo reached || echo refused' 2>/dev/null`,
    );
    t.equal(out, "refused", "127.0.0.1 inside dh1 is dh1's own loopback");
  });

  t.test("sessions find node, bun and deno where the caller does (PATH carried)", async (t) => {
    const probe = 'for r in node bun deno; do printf \'%s %s\\n\' "$(command -v $r)" "$($r --version | head -n 1)"; done';
    const local = (await run("sh", ["-c", probe])).stdout.trim();
    t.match(local, /^\/\S+ v\d+\.\d+\.\d+\n\/\S+ \d+\.\d+\.\d+\n\/\S+ deno \d+\.\d+\.\d+/, "all three runtimes are on this process's PATH");
    for (const h of [dh1, dh2, dh0]) t.equal(await ssh(h.alias, probe), local, `same executables and versions on ${h.alias}`);
  });

  t.test("session environment: DISTRIBUTED_SSH_INSTANCE and the test marker", async (t) => {
    const env = new Map(
      (await ssh("dh1", "env"))
        .split("\n")
        .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)] as const),
    );
    t.equal(env.get("DISTRIBUTED_SSH_INSTANCE"), stateDir);
    t.equal(env.get("DISTRIBUTED_TEST_MARKER"), process.env.DISTRIBUTED_TEST_MARKER, "the marker of the run that started the hosts");
  });

  t.test("a process left behind on dh1 is visible here and carries the markers", async (t) => {
    // The namespaces share this machine's pid namespace: the leak check sees remote workers.
    // No setsid: it forks when it is a process-group leader, and $! would then name a parent
    // that exits at once. A plain background job outlives a session without a terminal.
    const pid = Number(await ssh("dh1", "sleep 300 </dev/null >/dev/null 2>&1 & echo $!"));
    t.ok(pid > 1, `pid ${pid}`);
    t.teardown(() => {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    });
    t.ok(alive(pid), "the detached process is alive after its session ended");
    const environ = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
    t.ok(environ.includes(`DISTRIBUTED_SSH_INSTANCE=${stateDir}`));
    if (process.env.DISTRIBUTED_TEST_MARKER) t.ok(environ.includes(`DISTRIBUTED_TEST_MARKER=${process.env.DISTRIBUTED_TEST_MARKER}`));
    process.kill(pid, "SIGKILL");
    await waitUntil(() => !alive(pid), 30_000, `pid ${pid} to die`);
  });

  t.test("stop and start for another state directory leave these hosts up", async (t) => {
    // The bridge and namespaces have machine-wide names: only their owner may take them down.
    const owner = readFileSync("/sys/class/net/dtssh0/ifalias", "utf8").trim();
    t.equal(owner, stateDir, "the bridge names the state directory that made it");
    const other = mkdtempSync(path.join(os.tmpdir(), "distributed-ssh-other-"));
    t.teardown(() => rmSync(other, { recursive: true, force: true }));
    writeFileSync(path.join(other, "hosts.json"), "{}"); // something to stop: stop does not return early
    const script = path.join(ROOT, "scripts", "test-hosts", "ssh.sh");
    const env = { ...process.env, DISTRIBUTED_SSH_DIR: other };
    await run("bash", [script, "stop"], { env, timeout: 60_000 });
    t.notOk(existsSync(other), "stop removed its own state directory");
    t.ok(
      existsSync("/sys/class/net/dtssh0") && existsSync("/run/netns/dtssh-dh1") && existsSync("/run/netns/dtssh-dh2"),
      "the bridge and namespaces are still there",
    );
    if (owner === stateDir) {
      const err = (await run("bash", [script, "start"], { env, timeout: 60_000 }).catch((e: unknown) => e)) as {
        code?: number;
        stderr?: string;
      };
      t.equal(err.code, 1, "start refuses");
      t.match(err.stderr ?? "", `the SSH test hosts of ${stateDir} hold the bridge dtssh0`, "and names whose hosts are in the way");
      t.notOk(existsSync(other), "and makes nothing");
    }
    const names = await Promise.all(hosts.hosts.map((h) => ssh(h.alias, "hostname")));
    t.same(names, [os.hostname(), "dh1", "dh2"], "every host still answers");
    t.same(
      await run("bash", [script, "status"], { env: { ...process.env, DISTRIBUTED_SSH_DIR: stateDir }, timeout: 60_000 }).then((r) =>
        r.stdout.trim()
      ),
      path.join(stateDir, "hosts.json"),
      "status of the running hosts is ok",
    );
  });

  t.test("20 connections to one host at once (sshd's default MaxStartups 10 would drop some)", async (t) => {
    const names = await Promise.all(Array.from({ length: 20 }, () => ssh("dh1", "hostname")));
    t.same(names, Array(20).fill("dh1"));
  });
}
