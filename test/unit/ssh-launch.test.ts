// Pure parts of an SSH launch: the launcher's line protocol, the local and remote command
// lines, the launcher's arguments, and how failures are explained.
import t from "tap";
import { execFileSync } from "node:child_process";
import {
  formatControl,
  formatLauncherHeader,
  formatWorkerLine,
  parseControl,
  parseLauncherLine,
} from "../../src/protocol/launcher-lines.ts";
import { remoteCommand, type RemoteCommandOptions, sshArgv } from "../../managers/ssh/command.ts";
import { explainFailure } from "../../managers/ssh/failures.ts";
import { bindAddress, parseLauncherArgs } from "../../src/worker/launcher.ts";

t.test("launcher lines round-trip, and stray lines are null", (t) => {
  t.same(parseLauncherLine(formatLauncherHeader(4, 8, "node3")), { kind: "header", count: 4, cpus: 8, hostname: "node3" });
  t.equal(formatLauncherHeader(1, 2, "my host"), "distributed_launcher 1 2 my_host", "whitespace in a hostname cannot break the header");
  for (const kind of ["pid", "out", "err", "exit"] as const) {
    t.same(parseLauncherLine(formatWorkerLine(12, kind, "a b  c")), { kind, index: 12, text: "a b  c" });
  }
  t.same(parseLauncherLine("@0 out "), { kind: "out", index: 0, text: "" }, "an empty output line");
  t.same(parseLauncherLine("@3 out distributed_worker:4100#10.0.0.5"), { kind: "out", index: 3, text: "distributed_worker:4100#10.0.0.5" });
  for (const stray of ["Welcome to node1", "", "@x out y", "@1 say hi", "distributed_launcher two 2 h", " @1 out x"]) {
    t.equal(parseLauncherLine(stray), null, JSON.stringify(stray));
  }
  t.same(parseControl(formatControl({ op: "interrupt", index: 2 })), { op: "interrupt", index: 2 });
  t.same(parseControl("stop 0\r"), { op: "stop", index: 0 });
  t.equal(parseControl("kill 1"), null);
  t.equal(parseControl("stop"), null);
  t.end();
});

const base: RemoteCommandOptions = {
  runtime: "node",
  exeflags: [],
  entry: "/opt/d/dist/src/worker/main.js",
  count: 2,
  timeout: 60,
  bind: "auto",
  port: 0,
  dir: "/home/me/run",
  dirGiven: false,
  env: {},
  shell: "posix",
};

t.test("the remote command per runtime, with options", (t) => {
  t.equal(
    remoteCommand(base),
    "exec env node /opt/d/dist/src/worker/main.js --launcher --count=2 --timeout=60 --bind=auto --dir=/home/me/run",
  );
  t.match(remoteCommand({ ...base, runtime: "deno" }), /^exec env deno run --allow-all \/opt\/d/);
  t.match(remoteCommand({ ...base, runtime: "bun", exename: "/opt/bun/bin/bun" }), /^exec env \/opt\/bun\/bin\/bun \/opt\/d/);
  t.match(
    remoteCommand({ ...base, entry: "/src/d/src/worker/main.ts" }),
    /^exec env node --import tsx \/src\/d\/src\/worker\/main\.ts/,
    "a .ts entry under node needs tsx",
  );
  const full = remoteCommand({
    ...base,
    count: "auto",
    bind: "loopback",
    port: 9000,
    dirGiven: true,
    dir: "/scratch/my run",
    exeflags: ["--max-old-space-size=4096"],
    env: { OMP_NUM_THREADS: "1", NOTE: "it's $HOME" },
  });
  t.equal(
    full,
    `exec env OMP_NUM_THREADS=1 'NOTE=it'\\''s $HOME' node /opt/d/dist/src/worker/main.js --launcher --count=auto --timeout=60 --bind=loopback --port=9000 '--dir=/scratch/my run' --dir-given '--exeflags=["--max-old-space-size=4096"]'`,
  );
  // The shell hands the launcher exactly these arguments.
  const args = execFileSync("/bin/sh", ["-c", full.replace(/^exec env .*? node /, "printf '%s\\n' ")], { encoding: "utf8" }).trim().split(
    "\n",
  );
  t.same(parseLauncherArgs(args.slice(1)), {
    count: "auto",
    timeout: 60,
    bind: "loopback",
    port: 9000,
    dir: "/scratch/my run",
    dirGiven: true,
    exeflags: ["--max-old-space-size=4096"],
  });
  t.match(remoteCommand({ ...base, shell: "csh", env: { X: "a!b" } }), /'X=a\\!b'/, "csh quoting for csh hosts");
  t.end();
});

t.test("the ssh argv: BatchMode first, the user's flags before our defaults, the destination last", (t) => {
  const argv = sshArgv({
    ssh: "ssh",
    sshflags: ["-i", "/k", "-o", "ConnectTimeout=3"],
    destination: "alice@node2",
    port: 2222,
    connectTimeout: 59.2,
    remote: "exec env node x",
  });
  t.same(argv.slice(0, 7), ["ssh", "-o", "BatchMode=yes", "-i", "/k", "-o", "ConnectTimeout=3"]);
  t.ok(argv.indexOf("ConnectTimeout=60") > argv.indexOf("ConnectTimeout=3"), "ssh takes the first value: the user's wins");
  t.ok(argv.includes("-T"), "no terminal");
  t.same(argv.slice(-4), ["-p", "2222", "alice@node2", "exec env node x"]);
  const tunnel = sshArgv({
    ssh: "/usr/bin/ssh",
    sshflags: [],
    destination: "n",
    connectTimeout: 5,
    socksPort: 40000,
    controlDir: "/tmp/c",
    remote: "r",
  });
  t.same(tunnel.slice(tunnel.indexOf("-D"), tunnel.indexOf("-D") + 4), ["-D", "127.0.0.1:40000", "-o", "ExitOnForwardFailure=yes"]);
  t.ok(tunnel.includes("ControlPath=/tmp/c/%C") && tunnel.includes("ControlMaster=auto"));
  t.notOk(tunnel.includes("-p"), "no port: ssh's default");
  t.end();
});

t.test("launcher arguments and bind addresses", (t) => {
  t.same(parseLauncherArgs(["--launcher"]), {
    count: 1,
    timeout: 60,
    bind: "auto",
    port: 0,
    dir: undefined,
    dirGiven: false,
    exeflags: [],
  });
  t.throws(() => parseLauncherArgs(["--count=0"]), /--count must be a positive integer or auto, got 0/);
  t.throws(() => parseLauncherArgs(["--timeout=-1"]), /--timeout must be a positive number/);
  t.throws(() => parseLauncherArgs(["--frobnicate"]), /Unknown launcher argument "--frobnicate"/);
  t.equal(bindAddress("auto", "10.0.0.9 51234 10.0.0.5 22"), "10.0.0.5", "where ssh reached this host");
  t.equal(bindAddress("auto", undefined), "0.0.0.0", "not under ssh: all interfaces");
  t.equal(bindAddress("loopback", "10.0.0.9 51234 10.0.0.5 22"), "127.0.0.1");
  t.equal(bindAddress("192.168.1.4", "10.0.0.9 51234 10.0.0.5 22"), "192.168.1.4");
  t.end();
});

t.test("failures are explained from ssh's exit status and message", (t) => {
  const ctx = { host: "node9", runtime: "bun", entry: "/opt/d/main.js", ssh: "ssh" };
  const ssh = (stderr: string): string => explainFailure({ code: 255, signal: null }, stderr, ctx);
  t.match(
    ssh("ssh: Could not resolve hostname node9: Name or service not known"),
    /^the host name could not be resolved \(is "node9" spelled right/,
  );
  t.match(ssh("ssh: connect to host 127.0.0.1 port 1: Connection refused"), /^the connection was refused/);
  t.match(ssh("root@10.0.0.1: Permission denied (publickey)."), /^authentication failed: ssh runs with BatchMode/);
  t.match(ssh("Host key verification failed."), /^the host key is not known or has changed/);
  t.match(ssh("ssh: connect to host 10.0.0.1 port 22: Connection timed out"), /^the connection timed out/);
  t.match(ssh("ssh: connect to host 10.0.0.1 port 22: No route to host"), /^the host is unreachable/);
  t.match(ssh("something new"), /^ssh failed \(exit code 255/);
  t.match(
    explainFailure({ code: 127, signal: null }, "env: 'bun': No such file or directory", ctx),
    /^"bun" was not found on the remote PATH .* exename: "\/path\/to\/bun"/,
  );
  t.match(
    explainFailure({ code: 2, signal: null }, "distributed: the working directory /x cannot be used on node9: ENOENT", ctx),
    /^the working directory given with option dir does not exist/,
  );
  t.match(
    explainFailure({ code: 1, signal: null }, "Error: Cannot find module '/opt/d/main.js'", ctx),
    /^the package is not installed at \/opt\/d\/main\.js there/,
  );
  t.match(explainFailure({ code: null, signal: "SIGKILL" }, "", ctx), /^the remote command ended \(killed by SIGKILL\)/);
  t.match(
    explainFailure({ code: null, signal: null, error: new Error("spawn ssh ENOENT") }, "", ctx),
    /^the ssh executable "ssh" could not be run \(spawn ssh ENOENT\)/,
  );
  t.end();
});
