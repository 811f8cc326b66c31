// The examples in examples/threads (the SharedArray ones with thread workers and with worker
// processes), run as a user runs them: `node dist/examples/threads/X.js`,
// `bun examples/threads/X.ts`, `deno run -A examples/threads/X.ts`, each with small sizes, each
// exiting by itself. Their printed results are checked; their timings are only reported.
import t, { type Test } from "tap";
import { exampleFile, runScriptInTime, type ScriptRun } from "../helpers/processes.ts";

const RUNTIMES = ["node", "bun", "deno"] as const;

/** Runs examples/threads/NAME under `runtime`; one that does not exit by itself fails. */
function runExample(runtime: string, name: string, args: string[], timeoutMs = 90_000): Promise<ScriptRun> {
  return runScriptInTime(runtime, exampleFile(runtime, `threads/${name}`), args, { timeoutMs });
}

/** The captures of `re` in the output, or a failure naming what was missing. */
function grab(t: Test, out: string, re: RegExp): RegExpExecArray {
  const m = re.exec(out);
  if (m === null) {
    t.fail(`no line matching ${re} in:\n${out}`);
    throw new Error(`no match for ${re}`);
  }
  return m;
}

/** The block of lines after the line that starts with `title`: `rows` matrix rows. */
function matrixAfter(out: string, title: string, rows: number): string[] {
  const lines = out.split("\n");
  const at = lines.findIndex((l) => l.startsWith(title));
  if (at < 0) return [];
  return lines.slice(at + 2, at + 2 + rows).map((l) => l.trim().split(/\s+/).join(" "));
}

for (const runtime of RUNTIMES) {
  t.test(`${runtime}: examples/threads/race: the static split, a plain counter loses updates, Atomic does not`, async (t) => {
    const iterations = 2_000_000;
    const run = await runExample(runtime, "race", [String(iterations), "2"]);
    t.equal(run.code, 0, run.stderr);
    const out = run.stdout;
    t.match(out, /^nthreads\(\) = 2$/m);
    t.match(out, /^threadid\(\) here = 0 /m, "the process's own thread is 0");
    t.match(out, /^a = threadid\(\) per element, 4 elements: \[1, 1, 2, 2\]$/m, "one contiguous block per thread");
    t.match(out, /^a = threadid\(\) per element, 10 elements: \[1, 1, 1, 1, 1, 2, 2, 2, 2, 2\]$/m);
    // A round in which the threads happened not to overlap is printed and run again: the last counts.
    const rounds = [...out.matchAll(/^plain counter: +total = (\d+) of (\d+)/gm)];
    t.ok(rounds.length >= 1 && rounds.length <= 5, `${rounds.length} round(s) of the race`);
    const plain = Number(rounds.at(-1)?.[1]);
    const atomic = grab(t, out, /^atomic counter: total = (\d+) of (\d+)/m);
    t.equal(Number(atomic[2]), 2 * iterations);
    t.equal(Number(atomic[1]), 2 * iterations, "the Atomic total is exact");
    t.ok(plain > 0 && plain < 2 * iterations, `the plain total falls short: ${plain} of ${2 * iterations}`);
    t.match(out, /^race lost updates: true; atomic exact: true$/m);
    const added = grab(t, out, /^atomic_add!: ids = \[1, 2, 3, 4\], old_is = \[(\d+), (\d+), (\d+), (\d+)\] .*, i = (\d+)$/m);
    t.equal(Number(added[5]), 10, "i = 1 + 2 + 3 + 4");
    const oldIs = added.slice(1, 5).map(Number);
    t.ok(oldIs.includes(0) && oldIs.every((v, k) => v + k + 1 <= 10), `old_is = [${oldIs.join(", ")}]: the values before each add`);
    t.match(out, /^Atomic<Float64>: 10000 adds of 0\.5 = 5000 \(expected 5000\)$/m);
    t.match(out, /^cas: x = 5; cas\(x, 5, 7\) returned 5, cas\(x, 5, 9\) returned 7; x = 7$/m);
    t.match(out, /^cas claim: 1 of 2 threads won \(thread [12]\)$/m, "exactly one thread wins the slot");
    t.match(out, /^cas loop: max = 100002 \(serial: 100002\)$/m);
    t.comment(`${runtime} race: plain ${plain} of ${2 * iterations} after ${rounds.length} round(s); ran in ${run.ms} ms`);
  });

  for (const kind of ["threads", "processes"] as const) {
    const workersAre = kind === "threads" ? "thread workers" : "worker processes";
    t.test(`${runtime}: examples/threads/shared-loop: @distributed for into a SharedArray on ${workersAre}`, async (t) => {
      const run = await runExample(runtime, "shared-loop", ["2", "6", kind]);
      t.equal(run.code, 0, run.stderr);
      const out = run.stdout;
      t.match(out, new RegExp(`${workersAre} \\[2, 3\\]; procs\\(\\) = \\[1, 2, 3\\]$`, "m"));
      t.match(out, /^a = \[1, 2, 3, 4, 5, 6, 7, 8, 9, 10\]$/m, "the workers' writes are in the master's array");
      t.match(out, /^written by workers \[2, 2, 2, 2, 2, 3, 3, 3, 3, 3\]$/m, "one contiguous block per worker");
      t.match(out, /^square_broken: A = \[1, 2, 3, 4, 5, 6, 7, 8, 9, 10\] /m, "a plain array is copied: unchanged here");
      t.match(out, /^squares correct: true$/m);
      const serial = grab(t, out, /^square!\(A\), 6×6, one process: +([\d.]+) ms$/m);
      const shared = grab(t, out, new RegExp(`^square_distributed!\\(S\\), 2 ${workersAre}: +([\\d.]+) ms`, "m"));
      // Participants 1, 2, 3 own linear indices 0-3, 4-7, 8-11: column-major blocks.
      t.same(matrixAfter(out, "init with localindices, participants [1, 2, 3]:", 3), ["1 1 2 3", "1 2 2 3", "1 2 3 3"]);
      t.same(matrixAfter(out, "after S[3,2] = 7", 3), ["1 1 2 3", "1 2 2 3", "1 7 3 3"]);
      // indexpids(S):length(procs(S)):length(S): participant k owns row k.
      t.same(matrixAfter(out, "init with indexpids, participants [1, 2, 3]:", 3), ["1 1 1 1", "2 2 2 2", "3 3 3 3"]);
      t.comment(`${runtime} ${kind}: square! ${serial[1]} ms, square_distributed! ${shared[1]} ms; ran in ${run.ms} ms`);
    });
  }

  for (const kind of ["threads", "processes"] as const) {
    t.test(`${runtime}: examples/threads/advection with ${kind === "threads" ? "a thread worker" : "a worker process"}: serial, parallel, shared and parallelFor agree`, async (t) => {
      const run = await runExample(runtime, "advection", ["48", "6", "1", kind]);
      t.equal(run.code, 0, run.stderr);
      const out = run.stdout;
      t.match(
        out,
        new RegExp(
          `^advection, q and u of 48×48×6, \\w+: participants 1, 2 \\(this process and 1 ${
            kind === "threads" ? "thread worker" : "worker process"
          }\\)`,
          "m",
        ),
      );
      // myrange(q): all rows, the columns split between the two participants, all steps.
      t.match(out, /^ {2}advection_shared on pid 1: \(irange, jrange, trange\) = \(0:47, 0:23, 0:4\) /m);
      t.match(out, /^ {2}advection_shared on pid 2: \(irange, jrange, trange\) = \(0:47, 24:47, 0:4\) /m);
      for (const name of ["advection_serial", "advection_parallel", "advection_shared", "threads.parallelFor"]) {
        t.match(out, new RegExp(`^ {2}${name.replace(".", "\\.")} (?!on pid).* [\\d.]+ ms`, "m"), `${name} was timed`);
      }
      t.notMatch(out, /DIFFERENT RESULT/);
      t.match(out, /^checksum of q\[:, :, end\] = -?[\d.e+-]+$/m);
      t.match(out, /^results identical: true$/m);
      const times = [...out.matchAll(/^ {2}(advection_\w+|threads\.parallelFor) (?!on pid).*?([\d.]+) ms/gm)].map((m) =>
        `${m[1]} ${m[2]} ms`
      );
      t.comment(`${runtime} ${kind} advection 48×48×6: ${times.join(", ")}; ran in ${run.ms} ms`);
    });
  }
}
