// The Slurm test cluster itself (scripts/test-hosts/slurm.sh): four real slurmds under one
// slurmctld, dn1..dn3 distinct machines (network + UTS namespaces) on a bridge and dn0 this
// machine; srun and sbatch place tasks where asked, tasks see the Slurm variables and the
// submitter's environment (node, bun, deno, the test marker), nodes reach each other and this
// machine's bridge address, 32 tasks fit, and a task left behind carries the markers that let
// the leak check and `slurm.sh stop` find it.
import t from "tap";
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { alive, waitUntil } from "../helpers/processes.ts";
import { slurmCluster, slurmEnv } from "../helpers/slurm-cluster.ts";

const run = promisify(execFile);

const cluster = slurmCluster(t);
if (cluster !== undefined) {
  const env = slurmEnv(cluster);
  const stateDir = path.dirname(cluster.slurmConf);
  const node = (name: string) => {
    const n = cluster.nodes.find((n) => n.name === name);
    if (!n) throw new Error(`no node ${name} in cluster.json`);
    return n;
  };

  /** Runs a Slurm command (srun, sbatch, sinfo...) with SLURM_CONF set; returns stdout, trimmed. */
  async function slurm(cmd: string, ...args: string[]): Promise<string> {
    const { stdout } = await run(cmd, args, { env, timeout: 60_000 });
    return stdout.trim();
  }

  /** The lines of `srun -l` output ("N: text"), indexed by task id. */
  function byTask(out: string): string[] {
    const tasks: string[] = [];
    for (const line of out.split("\n")) {
      const m = /^\s*(\d+): (.*)$/.exec(line);
      if (m) tasks[Number(m[1])] = m[2]!;
    }
    return tasks;
  }

  async function listen(host: string): Promise<{ server: Server; port: number; got: string[] }> {
    const got: string[] = [];
    const server = createServer((socket) => socket.on("data", (d: Buffer) => got.push(d.toString())));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, host, resolve);
    });
    return { server, port: (server.address() as { port: number }).port, got };
  }

  /** A `node -e` program that connects to host:port, sends "hello-from-<hostname>", prints reached or refused. */
  const connector = (host: string, port: number) =>
    `const s = require("net").connect(${port}, ${
      JSON.stringify(host)
    }, () => s.end("hello-from-" + require("os").hostname() + "\\n", () => console.log("reached")));` +
    `s.on("error", () => console.log("refused"));`;

  t.test("cluster.json describes four nodes in two partitions; sinfo agrees", async (t) => {
    t.same(cluster.partitions, { debug: ["dn1", "dn2", "dn3"], single: ["dn0"] });
    t.equal(cluster.defaultPartition, "debug");
    t.equal(cluster.cpusPerNode, 16);
    t.equal(cluster.bridgeAddress, "10.200.1.1");
    t.same(
      cluster.nodes.map((n) => [n.name, n.address, n.hostname]),
      [
        ["dn1", "10.200.1.11", "dn1"],
        ["dn2", "10.200.1.12", "dn2"],
        ["dn3", "10.200.1.13", "dn3"],
        ["dn0", "10.200.1.1", os.hostname()],
      ],
    );
    t.ok(existsSync(cluster.slurmConf), "slurm.conf exists");
    const rows = (await slurm("sinfo", "-h", "-N", "-o", "%N %P %c %t")).split("\n").sort();
    t.same(
      rows.map((r) => r.split(" ").slice(0, 3).join(" ")),
      ["dn0 single 16", "dn1 debug* 16", "dn2 debug* 16", "dn3 debug* 16"],
      "sinfo: nodes, partitions (debug the default), CPUs",
    );
    // Other tests may be running jobs: idle, mix or alloc, but responding (no "*" suffix) and up.
    for (const r of rows) t.match(r.split(" ")[3], /^(idle|mix|alloc)$/, `node state: ${r}`);
  });

  t.test("srun -p debug -N3 -l hostname: tasks 0..2 on dn1, dn2, dn3", async (t) => {
    t.same(byTask(await slurm("srun", "-p", "debug", "-N3", "-l", "hostname")), ["dn1", "dn2", "dn3"]);
    t.same(byTask(await slurm("srun", "-N3", "-l", "hostname")), ["dn1", "dn2", "dn3"], "debug is the default partition");
  });

  t.test("srun -p single -n1 hostname: this machine", async (t) => {
    t.equal(await slurm("srun", "-p", "single", "-n1", "hostname"), os.hostname());
    t.equal(node("dn0").hostname, os.hostname());
  });

  t.test("tasks see SLURM_JOB_ID, SLURM_PROCID, SLURM_NTASKS, SLURMD_NODENAME", async (t) => {
    const out = byTask(
      await slurm("srun", "-p", "debug", "-N3", "-l", "sh", "-c", 'echo "$SLURM_JOB_ID $SLURM_PROCID $SLURM_NTASKS $SLURMD_NODENAME"'),
    );
    t.equal(out.length, 3);
    const jobId = out[0]!.split(" ")[0]!;
    t.match(jobId, /^\d+$/, "a job id");
    t.same(out, [`${jobId} 0 3 dn1`, `${jobId} 1 3 dn2`, `${jobId} 2 3 dn3`]);
    t.equal(await slurm("srun", "-p", "single", "-n1", "sh", "-c", 'echo "$SLURM_PROCID $SLURMD_NODENAME"'), "0 dn0");
  });

  t.test("tasks run with the submitter's environment: node, bun and deno, the test marker, the instance marker", async (t) => {
    const probe = 'for r in node bun deno; do printf \'%s %s\\n\' "$(command -v $r)" "$($r --version | head -n 1)"; done';
    const local = (await run("sh", ["-c", probe])).stdout.trim();
    t.match(local, /^\/\S+ v\d+\.\d+\.\d+\n\/\S+ \d+\.\d+\.\d+\n\/\S+ deno \d+\.\d+\.\d+/, "all three runtimes are on this process's PATH");
    for (const n of ["dn1", "dn0"]) {
      t.equal(
        await slurm("srun", "-p", n === "dn0" ? "single" : "debug", "-w", n, "-n1", "sh", "-c", probe),
        local,
        `same executables and versions on ${n}`,
      );
    }
    const taskEnv = new Map(
      (await run("srun", ["-p", "debug", "-w", "dn2", "-n1", "env"], {
        env: { ...env, DISTRIBUTED_SLURM_PROBE: "carried" },
        timeout: 60_000,
      })).stdout
        .split("\n")
        .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)] as const),
    );
    t.equal(taskEnv.get("DISTRIBUTED_SLURM_PROBE"), "carried", "a variable of the submitter (--export=ALL)");
    t.equal(taskEnv.get("DISTRIBUTED_SLURM_INSTANCE"), stateDir, "the instance marker (TaskProlog)");
    t.equal(taskEnv.get("DISTRIBUTED_TEST_MARKER"), process.env.DISTRIBUTED_TEST_MARKER, "the test run's marker, if any");
    t.equal(taskEnv.get("SLURM_CONF"), cluster.slurmConf, "SLURM_CONF, so srun inside a job finds the cluster");
  });

  t.test("dn2 reaches this machine's bridge address; 127.0.0.1 inside dn1 is dn1's own", async (t) => {
    const bridge = await listen(cluster.bridgeAddress);
    t.teardown(() => bridge.server.close());
    t.equal(await slurm("srun", "-p", "debug", "-w", "dn2", "-n1", "node", "-e", connector(cluster.bridgeAddress, bridge.port)), "reached");
    await waitUntil(() => bridge.got.join("").includes("\n"), 30_000, "the line from dn2");
    t.equal(bridge.got.join(""), "hello-from-dn2\n", "dn2 -> this machine's bridge address");

    const loop = await listen("127.0.0.1");
    t.teardown(() => loop.server.close());
    t.equal(
      await slurm("srun", "-p", "debug", "-w", "dn1", "-n1", "node", "-e", connector("127.0.0.1", loop.port)),
      "refused",
      "127.0.0.1 inside dn1",
    );
    t.same(loop.got, [], "nothing arrived on this machine's 127.0.0.1");
    t.equal(
      await slurm("srun", "-p", "single", "-n1", "node", "-e", connector("127.0.0.1", loop.port)),
      "reached",
      "dn0 is this machine: 127.0.0.1 works there",
    );
  });

  t.test("dn1 reaches a listener in dn3", async (t) => {
    const dn3 = node("dn3");
    // A listener in a task on dn3: prints its port, then the first line it receives, and exits.
    const listener =
      `const srv = require("net").createServer((c) => { let b = ""; c.on("data", (d) => { b += d; if (b.includes("\\n")) { console.log("got " + b.trim()); c.destroy(); srv.close(); } }); });` +
      `srv.listen(0, ${JSON.stringify(dn3.address)}, () => console.log("port " + srv.address().port));`;
    const child = spawn("srun", ["-p", "debug", "-w", "dn3", "-n1", "node", "-e", listener], { env, stdio: ["ignore", "pipe", "pipe"] });
    t.teardown(() => {
      if (child.exitCode === null) child.kill("SIGKILL");
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    await waitUntil(() => /port \d+\n/.test(out) || child.exitCode !== null, 30_000, "the listener on dn3 to print its port");
    const port = Number(/port (\d+)/.exec(out)?.[1]);
    t.ok(port > 0, `dn3 listens on ${dn3.address}:${port} (stderr: ${err.trim()})`);
    t.equal(await slurm("srun", "-p", "debug", "-w", "dn1", "-n1", "node", "-e", connector(dn3.address, port)), "reached", "dn1 -> dn3");
    t.equal(await exited, 0, "the listener's srun exits 0");
    t.match(out, /^got hello-from-dn1$/m, "dn3 received dn1's line");
  });

  t.test("an sbatch job on three nodes runs its script, srun inside it, and writes its output file", async (t) => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), "distributed-slurm-test-"));
    t.teardown(() => rmSync(tmp, { recursive: true, force: true }));
    const script = path.join(tmp, "job.sh");
    writeFileSync(
      script,
      [
        "#!/bin/sh",
        'echo "batch $SLURM_JOB_ID on $(hostname) nodes $SLURM_JOB_NODELIST marker ${DISTRIBUTED_TEST_MARKER:-none}"',
        "srun -l hostname | sort",
        "",
      ].join("\n"),
    );
    const start = Date.now();
    const job = (await slurm("sbatch", "--parsable", "-p", "debug", "-N3", "-o", path.join(tmp, "%j.out"), script)).split(";")[0]!;
    t.match(job, /^\d+$/, "sbatch --parsable prints the job id");
    // Poll the job's state (scontrol show job -o: one line of Key=Value), as a manager would.
    let state = "";
    let fields = "";
    const deadline = Date.now() + 90_000; // generous: a loaded machine slows every step
    while (Date.now() < deadline) {
      fields = await slurm("scontrol", "show", "job", "-o", job);
      state = /\bJobState=(\S+)/.exec(fields)?.[1] ?? "";
      if (!["PENDING", "CONFIGURING", "RUNNING", "COMPLETING", ""].includes(state)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    t.equal(state, "COMPLETED", `job ${job} completed in ${Date.now() - start} ms`);
    t.match(fields, /\bExitCode=0:0\b/);
    const out = readFileSync(path.join(tmp, `${job}.out`), "utf8");
    t.equal(
      out,
      `batch ${job} on dn1 nodes dn[1-3] marker ${process.env.DISTRIBUTED_TEST_MARKER ?? "none"}\n0: dn1\n1: dn2\n2: dn3\n`,
      "the script ran on dn1 (the first node) with the submitter's environment, and its srun on all three",
    );
  });

  t.test("srun -n 32 -p debug: 32 tasks on 16-CPU nodes", async (t) => {
    await slurm("srun", "-n", "32", "-p", "debug", "true");
    t.pass("srun -n 32 -p debug true exited 0");
    const tasks = byTask(await slurm("srun", "-n", "32", "-p", "debug", "-l", "printenv", "SLURMD_NODENAME"));
    t.equal(tasks.filter((n) => n !== undefined).length, 32, "32 tasks answered");
    const perNode = new Map<string, number>();
    for (const n of tasks) perNode.set(n, (perNode.get(n) ?? 0) + 1);
    t.ok(perNode.size >= 2, `spread over ${perNode.size} nodes: ${JSON.stringify(Object.fromEntries(perNode))}`);
    t.ok([...perNode.keys()].every((n) => cluster.partitions.debug!.includes(n)), "all in the debug partition");
    t.ok([...perNode.values()].every((c) => c <= cluster.cpusPerNode), "no node runs more tasks than it has CPUs");
  });

  t.test("--resv-ports=N gives steps SLURM_STEP_RESV_PORTS (MpiParams=ports)", async (t) => {
    t.equal(cluster.mpiResvPorts, true, "slurm.sh configured MpiParams=ports and proved it works");
    const tasks = byTask(await slurm("srun", "-p", "debug", "-N2", "--resv-ports=2", "-l", "printenv", "SLURM_STEP_RESV_PORTS"));
    t.equal(tasks.length, 2);
    t.match(tasks[0], /^\d+-\d+$/, "a port range");
    t.equal(tasks[1], tasks[0], "the same range on every node of the step");
    const [lo, hi] = tasks[0]!.split("-").map(Number) as [number, number];
    t.equal(hi - lo, 1, "two ports");
    t.ok(lo >= 12000 && hi <= 12999, "within MpiParams=ports=12000-12999");
  });

  t.test("a process a task leaves behind outlives its step and carries the markers", async (t) => {
    // The tasks share this machine's pid namespace: the leak check sees leftovers on every node.
    const pid = Number(
      await slurm("srun", "-p", "debug", "-w", "dn1", "-n1", "sh", "-c", "sleep 300 </dev/null >/dev/null 2>&1 & echo $!"),
    );
    t.ok(pid > 1, `pid ${pid}`);
    t.teardown(() => {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    });
    t.ok(alive(pid), "the background process is alive after srun returned (proctrack/linuxproc loses it)");
    const environ = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
    t.ok(environ.includes(`DISTRIBUTED_SLURM_INSTANCE=${stateDir}`), "carries DISTRIBUTED_SLURM_INSTANCE");
    if (process.env.DISTRIBUTED_TEST_MARKER) {
      t.ok(environ.includes(`DISTRIBUTED_TEST_MARKER=${process.env.DISTRIBUTED_TEST_MARKER}`), "carries the test marker");
    }
    process.kill(pid, "SIGKILL");
    await waitUntil(() => !alive(pid), 30_000, `pid ${pid} to die`);
  });
}
