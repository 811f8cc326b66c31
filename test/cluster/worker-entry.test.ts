// The worker entry on its own, under each runtime: it prints one address line, and exits when
// no master connects in time or when stdin closes before one does (no orphans, ever).
import { spawn } from "node:child_process";
import path from "node:path";
import t from "tap";
import { ADDRESS_LINE } from "../../src/cluster/join.ts";
import { ROOT, runtimeArgs, runtimeExe } from "../helpers/processes.ts";

const entry = path.join(ROOT, "dist", "src", "worker", "main.js");

function startWorker(
  runtime: string,
  args: string[],
): { child: ReturnType<typeof spawn>; out: () => string; err: () => string; closed: Promise<{ code: number | null; ms: number }> } {
  const started = Date.now();
  const child = spawn(runtimeExe(runtime), runtimeArgs(runtime, entry, args), { stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const closed = new Promise<{ code: number | null; ms: number }>((resolve) =>
    child.on("close", (code) => resolve({ code, ms: Date.now() - started }))
  );
  return { child, out: () => out, err: () => err, closed };
}

for (const runtime of ["node", "bun", "deno"]) {
  t.test(`${runtime} worker: address line, then exits when no master connects within --timeout`, async (t) => {
    const w = startWorker(runtime, ["--worker", "--timeout=1"]);
    w.child.stdin!.write("some-cookie-value\n");
    const { code, ms } = await w.closed;
    t.match(w.out().trim(), ADDRESS_LINE, "one address line");
    t.equal(w.out().trim().split("\n").length, 1);
    t.match(w.out(), /#127\.0\.0\.1$/m, "loopback by default");
    t.equal(code, 1);
    t.match(w.err(), /No master connected within 1 s/);
    t.ok(ms < 10_000, `exited after ${ms} ms`);
  });

  t.test(`${runtime} worker: exits when stdin closes before a master connects`, async (t) => {
    const w = startWorker(runtime, ["--worker", "--timeout=60"]);
    w.child.stdin!.end("some-cookie-value\n");
    const { code, ms } = await w.closed;
    t.equal(code, 1);
    t.match(w.err(), /stdin closed/);
    t.ok(ms < 10_000, `exited after ${ms} ms, long before its timeout`);
  });
}

t.test("a bad worker argument is refused with the expected form", async (t) => {
  const w = startWorker("node", ["--worker", "--colour=5"]);
  w.child.stdin!.end("cookie-value-1234\n");
  const { code } = await w.closed;
  t.equal(code, 1);
  t.match(w.err(), /Unknown worker argument "--colour=5"; expected --worker, --timeout=SECONDS, --bind=HOST, --port=PORT, --lifeline/);
});

t.test("the distributed bin: --version, worker, and an unknown command", async (t) => {
  const bin = path.join(ROOT, "dist", "bin", "distributed.js");
  const { execFileSync, spawnSync } = await import("node:child_process");
  const { PACKAGE_VERSION } = await import("../../src/version.ts");
  t.equal(execFileSync(process.execPath, [bin, "--version"], { encoding: "utf8" }).trim(), PACKAGE_VERSION);
  const worker = spawnSync(process.execPath, [bin, "worker", "--timeout=1"], {
    input: "cookie-value-1234\n",
    encoding: "utf8",
    timeout: 10_000,
  });
  t.match(worker.stdout.trim(), ADDRESS_LINE, "`distributed worker` starts a worker that prints its address");
  t.equal(worker.status, 1, "and exits when no master comes");
  const spaced = spawnSync(process.execPath, [bin, "worker", "--timeout", "1", "--bind", "127.0.0.1"], {
    input: "cookie-value-1234\n",
    encoding: "utf8",
    timeout: 10_000,
  });
  t.match(spaced.stdout.trim(), ADDRESS_LINE, "options also take their value as the next word (--timeout 1)");
  const unknown = spawnSync(process.execPath, [bin, "bogus"], { encoding: "utf8" });
  t.equal(unknown.status, 2, "an unknown command is a usage error");
  t.match(unknown.stderr, /^distributed: Unknown argument: bogus\nRun "distributed --help"/, "named, with where to find the usage");
});
