// How a worker process is started: the command line workerCommand builds for each runtime.
// Deno workers start without Maglev inlining (src/runtime/command.ts says why: a hot kernel
// inlined into its caller ran 5-7x slower, and seed 000's pi on 2 Deno workers fell to a
// parallel efficiency of 0.15); a user's own V8 flags come after ours, so theirs win.
import t from "tap";
import { workerCommand } from "../../src/runtime/command.ts";

const entry = "/pkg/dist/src/worker/main.js";

t.test("a Deno worker starts with Maglev inlining off, before the entry", (t) => {
  const cmd = workerCommand({ runtime: "deno", exename: "/bin/deno", entry, args: ["--worker"] });
  t.equal(cmd.file, "/bin/deno");
  t.equal(cmd.args[0], "run");
  const flag = cmd.args.indexOf("--v8-flags=--no-maglev-inlining");
  t.ok(flag > 0 && flag < cmd.args.indexOf(entry), `the flag precedes the entry: ${cmd.display}`);
  t.same(cmd.args.slice(cmd.args.indexOf(entry)), [entry, "--worker"]);
  t.end();
});

t.test("a user's V8 flags come after ours, so they win", (t) => {
  const cmd = workerCommand({ runtime: "deno", exename: "/bin/deno", exeflags: ["--v8-flags=--maglev-inlining"], entry, args: [] });
  t.ok(cmd.args.indexOf("--v8-flags=--no-maglev-inlining") < cmd.args.indexOf("--v8-flags=--maglev-inlining"), cmd.display);
  t.end();
});

t.test("node and bun workers get no V8 flag of ours", (t) => {
  for (const runtime of ["node", "bun"] as const) {
    const cmd = workerCommand({ runtime, exename: `/bin/${runtime}`, entry, args: [] });
    t.notOk(cmd.args.some((a) => a.includes("maglev")), `${runtime}: ${cmd.display}`);
  }
  t.end();
});
