// The soak, one minute of it: `npm run soak -- --minutes 0.25 --json`, i.e. 15 s under each of
// node, bun and deno masters (with workers of the same runtime) and 15 s of a node master with
// node, bun and deno workers in turn. Four short runs rather than one long one: each master
// runtime has its own child-process, socket and signal plumbing, which is what the kills
// exercise, and the mixed run adds worker-to-worker links between runtimes. For every run:
// no item lost or counted twice, no orphan process, the master's handles, descriptors, RSS and
// references within their bounds, and kills and replacements that actually happened.
import path from "node:path";
import t from "tap";
import { ROOT, runScript } from "../helpers/processes.ts";

interface Summary {
  done: number;
  lost: number;
  duplicates: number;
  vanished: number;
  wrong: number;
  unexpected: number;
  errors: string[];
}

interface Run {
  runtime: string;
  streams: Record<string, Summary>;
  killer: { kills: number; replacements: number; unnoticed: number; unexpectedExits: number; errors: string[] };
  start: Record<string, unknown>;
  end: Record<string, unknown>;
  bounds: Record<string, number>;
  unbounded: string[];
  orphans: number[];
  orphansAfterExit: number[];
  hung: string[];
  unhandledRejections: string[];
  exitMs: number | null;
}

t.setTimeout(900_000);

const run = await runScript("node", path.join(ROOT, "dist", "bench", "soak.js"), ["--minutes", "0.25", "--json"], { timeoutMs: 840_000 });
const report = run.stdout.split("\n");
const json = report.find((l) => l.startsWith("[{"));
t.ok(json !== undefined, "the soak printed its results", { stdout: run.stdout.slice(-4000), stderr: run.stderr.slice(-4000) });
const runs = JSON.parse(json ?? "[]") as Run[];
t.same(
  runs.map((r) => r.runtime),
  ["node", "bun", "deno", "mixed"],
  "one run per runtime, and a mixed one",
);

for (const r of runs) {
  t.test(`soak ${r.runtime}`, async (t) => {
    const streams = Object.entries(r.streams);
    const done = streams.reduce((n, [, s]) => n + s.done, 0);
    t.comment(
      `${r.runtime}: ${done} items done, ${r.killer.kills} kills, ${r.killer.replacements} replacements; start ${
        JSON.stringify(r.start)
      }; end ${JSON.stringify(r.end)}`,
    );
    for (const [name, s] of streams) {
      t.ok(s.done > 0, `${name}: items were done (${s.done})`);
      t.equal(s.lost + s.vanished, 0, `${name}: no item lost`, { errors: s.errors });
      t.equal(s.duplicates, 0, `${name}: no item counted twice`);
      t.equal(s.wrong, 0, `${name}: no wrong result`, { errors: s.errors });
      t.equal(s.unexpected, 0, `${name}: no unexpected error`, { errors: s.errors });
    }
    t.ok(r.killer.kills > 0, `workers were killed (${r.killer.kills})`);
    t.ok(r.killer.replacements > 0, `workers were replaced (${r.killer.replacements})`);
    t.equal(r.killer.unnoticed, 0, "every kill was noticed by the master", { errors: r.killer.errors });
    t.equal(r.killer.unexpectedExits, 0, "no worker died without being killed", { errors: r.killer.errors });
    t.same(r.orphans, [], "no worker process alive after rmprocs");
    t.same(r.orphansAfterExit, [], "no process of the run alive after the master exited");
    t.same(r.unbounded, [], `handles, fds, RSS and references within their bounds ${JSON.stringify(r.bounds)}`);
    t.same(r.hung, [], "every workload finished");
    t.same(r.unhandledRejections, [], "no unhandled rejection on the master");
    t.not(r.exitMs, null, "the master exited by itself");
  });
}
t.equal(run.code, 0, "the soak exits 0", { tail: report.slice(-5).join("\n") });
