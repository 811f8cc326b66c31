// The examples of seeds 003 and 004 (examples/seed003, examples/seed004), the thread examples
// they share (examples/threads; the SharedArray ones with thread workers and with worker
// processes), and seed 000's main job (examples/pi), run as a user runs them: `node dist/examples/D/X.js`,
// `bun examples/D/X.ts`, `deno run -A examples/D/X.ts`, each with small sizes, each exiting by
// itself with code 0, printing what examples/D/X.expected says (literal lines, `re:`
// patterns for timings and random values, `...` for a block of varying length) and nothing on
// stderr.
//
// The three runtimes run at the same time; within a runtime the examples run one after another
// (each starts its own workers, and the machine may have two cores).
import path from "node:path";
import t from "tap";
import { compareOutput, expectedFor } from "../helpers/expected-output.ts";
import { exampleFile, ROOT, runScript, type ScriptRun } from "../helpers/processes.ts";

const RUNTIMES = ["node", "bun", "deno"] as const;

interface Example {
  dir: string;
  name: string;
  /** Small sizes; the .expected file is written for exactly these arguments. */
  args: string[];
}

const EXAMPLES: Example[] = [
  { dir: "pi", name: "main", args: ["2e7", "2"] },
  { dir: "seed003", name: "01-tasks-channels", args: [] },
  { dir: "seed003", name: "02-threads", args: ["2"] },
  { dir: "seed003", name: "03-remote-calls", args: [] },
  { dir: "seed003", name: "04-code-availability", args: [] },
  { dir: "seed003", name: "05-data-movement", args: ["300"] },
  { dir: "seed003", name: "06-globals", args: [] },
  { dir: "seed003", name: "07-parallel-loops", args: ["1e7"] },
  { dir: "seed003", name: "08-remote-channels", args: ["4"] },
  { dir: "seed003", name: "09-gc", args: [] },
  { dir: "seed003", name: "10-shared-arrays", args: [] },
  { dir: "seed003", name: "10-shared-arrays", args: ["processes"] },
  { dir: "seed003", name: "11-cluster-manager", args: [] },
  { dir: "seed003", name: "12-cookie-topology", args: [] },
  { dir: "seed003", name: "13-darrays", args: [] },
  { dir: "seed004", name: "03-many-workers-pmap", args: ["8", "16", "0.5"] },
  { dir: "threads", name: "race", args: ["2000000", "2"] },
  { dir: "threads", name: "shared-loop", args: ["2", "6"] },
  { dir: "threads", name: "shared-loop", args: ["2", "6", "processes"] },
  { dir: "threads", name: "advection", args: ["48", "6", "1"] },
  { dir: "threads", name: "advection", args: ["48", "6", "1", "processes"] },
  { dir: "threads", name: "locks", args: [] },
  { dir: "threads", name: "locks", args: ["processes"] },
];

/** Runs one example under `runtime`; one that does not exit by itself is killed, and says so. */
async function runExample(runtime: string, ex: Example, timeoutMs = 120_000): Promise<ScriptRun> {
  const run = await runScript(runtime, exampleFile(runtime, `${ex.dir}/${ex.name}`), ex.args, { timeoutMs });
  if (run.timedOut) run.stderr += `\n(killed: did not exit within ${timeoutMs} ms)`;
  return run;
}

// Start everything now: one chain per runtime, the chains side by side.
const runs = new Map<string, Promise<ScriptRun>>();
for (const runtime of RUNTIMES) {
  let chain: Promise<unknown> = Promise.resolve();
  for (const ex of EXAMPLES) {
    const run = chain.then(() => runExample(runtime, ex));
    chain = run;
    runs.set(`${runtime} ${ex.dir}/${ex.name} ${ex.args.join(" ")}`, run);
  }
}

for (const runtime of RUNTIMES) {
  for (const ex of EXAMPLES) {
    const source = path.join(ROOT, "examples", ex.dir, `${ex.name}.ts`);
    t.test(`${runtime}: examples/${ex.dir}/${ex.name} ${ex.args.join(" ")}`.trimEnd(), async (t) => {
      const run = await runs.get(`${runtime} ${ex.dir}/${ex.name} ${ex.args.join(" ")}`)!;
      t.equal(run.code, 0, `exit code 0${run.signal !== null ? ` (ended by ${run.signal})` : ""}\nstderr:\n${run.stderr}`);
      const problems = compareOutput(run.stdout, expectedFor(source));
      t.same(
        problems,
        [],
        `the output matches ${path.relative(ROOT, source.replace(/\.ts$/, ".expected"))}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`,
      );
      // Nothing on stderr: no warning, and no error forwarded from a worker ("From worker N:").
      t.equal(run.stderr, "", "nothing on stderr");
      t.comment(`${runtime} ${ex.dir}/${ex.name}: ${run.ms} ms`);
    });
  }
}
