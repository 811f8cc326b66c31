/**
 * SSH start-up bench (`npm run bench:ssh`, i.e. `node dist/bench/ssh.js [node|bun|deno] [--rounds=N]`):
 * time from addprocs(machines) to ready workers for 1, 4 and 16 workers on the SSH test hosts
 * (scripts/test-hosts/ssh.sh; started here if they are not running, and stopped again), next
 * to bare `ssh host true` measured in the same run, alternately, so load on this shared
 * machine lands on both.
 *
 * Two ways of starting several workers on a host are measured: one ssh session per host whose
 * launcher starts the host's workers (what SSHManager does), and one ssh per worker (each
 * worker listed as its own host), the choice the manager's design had to make.
 *
 * @module
 */
import { execFile, execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { addprocs, type Machine, rmprocs, type RuntimeName, workers } from "../src/mod.ts";
import { median, now } from "./stats.ts";

const run = promisify(execFile);
const argv = process.argv.slice(2);
const runtime = (argv.find((a) => ["node", "bun", "deno"].includes(a)) ?? "node") as RuntimeName;
const rounds = Number(argv.find((a) => a.startsWith("--rounds="))?.slice(9) ?? 5);
const root = fileURLToPath(new URL(import.meta.url.includes("/dist/bench/") ? "../../" : "../", import.meta.url));
const script = join(root, "scripts", "test-hosts", "ssh.sh");

interface Hosts {
  sshConfig: string;
  hosts: Array<{ alias: string; hostname: string }>;
}

function ensureHosts(): { hosts: Hosts; startedHere: boolean } {
  const status = (): string | null => {
    try {
      return execFileSync("bash", [script, "status"], { encoding: "utf8" }).trim().split("\n").at(-1) ?? null;
    } catch {
      return null;
    }
  };
  let file = status();
  let startedHere = false;
  if (file === null) {
    file = execFileSync("bash", [script, "start"], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim().split("\n").at(-1)!;
    startedHere = true;
  }
  if (!existsSync(file)) throw new Error(`the SSH test hosts did not give a hosts.json (${file})`);
  return { hosts: JSON.parse(readFileSync(file, "utf8")) as Hosts, startedHere };
}

async function bareSsh(config: string, aliases: readonly string[]): Promise<number> {
  const t0 = now();
  await Promise.all(aliases.map((alias) => run("ssh", ["-F", config, alias, "true"])));
  return now() - t0;
}

async function addAndRemove(machines: readonly Machine[], config: string, maxParallel: number): Promise<number> {
  const t0 = now();
  await addprocs(machines, { sshflags: ["-F", config], runtime, maxParallel });
  const ms = now() - t0;
  await rmprocs(workers());
  return ms;
}

const { hosts, startedHere } = ensureHosts();
try {
  const config = hosts.sshConfig;
  const [h0, h1, h2] = hosts.hosts.map((h) => h.alias) as [string, string, string];
  const cases: Array<{ n: number; perHost: Machine[]; perWorker: Machine[]; bare: string[] }> = [
    { n: 1, perHost: [h1], perWorker: [h1], bare: [h1] },
    { n: 4, perHost: [[h1, 2], [h2, 2]], perWorker: [h1, h1, h2, h2], bare: [h1, h2] },
    {
      n: 16,
      perHost: [[h0, 6], [h1, 5], [h2, 5]],
      perWorker: [...Array(6).fill(h0), ...Array(5).fill(h1), ...Array(5).fill(h2)] as string[],
      bare: [h0, h1, h2],
    },
  ];
  await addAndRemove([h1], config, 10); // warm caches (module files, sshd) before measuring
  const lines: string[] = [];
  for (const c of cases) {
    const samples = { perHost: [] as number[], perWorker: [] as number[], bare: [] as number[], bareEach: [] as number[] };
    for (let i = 0; i < rounds; i++) {
      samples.bare.push(await bareSsh(config, c.bare));
      samples.perHost.push(await addAndRemove(c.perHost, config, 10));
      samples.bareEach.push(await bareSsh(config, c.perWorker as string[]));
      samples.perWorker.push(await addAndRemove(c.perWorker, config, 16));
    }
    const [ph, pw, b, be] = [median(samples.perHost), median(samples.perWorker), median(samples.bare), median(samples.bareEach)];
    lines.push(
      `${String(c.n).padStart(3)} workers on ${c.bare.length} host(s) | session per host ${ph.toFixed(0).padStart(5)} ms = ${
        (ph / b).toFixed(2)
      }x bare ssh to those hosts (${b.toFixed(0)} ms)` +
        ` | ssh per worker ${pw.toFixed(0).padStart(5)} ms = ${(pw / be).toFixed(2)}x ${c.n} bare ssh in parallel (${be.toFixed(0)} ms)`,
    );
  }
  console.log(`SSH start-up, ${runtime} workers, median of ${rounds} (addprocs until every worker is connected and joined):`);
  for (const line of lines) console.log(line);
} finally {
  if (startedHere) execFileSync("bash", [script, "stop"], { stdio: "inherit" });
}
