// Seed 004 under node, bun and deno: a master adds 100 local workers and runs a pmap of 100
// five-second sleeps, one per worker. A file of its own: three hundred worker processes take
// most of a file's time budget on a busy machine.
import t from "tap";
import { lastJson, runMaster } from "../helpers/processes.ts";

for (const runtime of ["node", "bun", "deno"] as const) {
  t.test(`${runtime} master: seed 004, addprocs(100) and a pmap of 100 five-second sleeps`, async (t) => {
    const run = await runMaster(runtime, "seed004", [], {}, 180_000);
    t.equal(run.code, 0, run.stderr);
    const r = lastJson(run.stdout) as { startSeconds: number; pmapSeconds: number; results: number; distinct: number };
    t.equal(r.results, 100);
    t.equal(r.distinct, 100, "each sleep ran on its own worker");
    t.ok(r.pmapSeconds >= 4.9 && r.pmapSeconds < 8, `pmap took ${r.pmapSeconds.toFixed(2)} s (about 5)`);
    t.comment(`${runtime}: 100 workers started in ${r.startSeconds.toFixed(1)} s; pmap ${r.pmapSeconds.toFixed(2)} s`);
  });
}
