// Thread workers and the thread pool of a master that tsx runs, in a project that installed
// the package: they must load the project's .ts modules as the master does (issue 13, item 7:
// they failed with `Unknown file extension ".ts"`, because the installed package runs from
// dist/ and its threads registered no loader).
//
// The package is packed once (npm pack, of the build this test runs from) and laid out as npm
// installs it: the package a real directory in the project's node_modules, its dependencies
// and tsx beside it (links to this repository's copies: tests reach no registry). The master
// then runs three ways: the tsx CLI, `node --import tsx`, and this package's CLI
// (`distributed run`, which registers tsx itself).
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import t from "tap";
import { ROOT, type RunOptions, runScript } from "../helpers/processes.ts";

const RUN_LIMIT_MS = 120_000;

const SHAPES_TS = `// Needs tsx on Node: an interface, annotations, a non-null assertion.
export interface Shape {
  kind: "square" | "circle";
  side?: number;
  r?: number;
}
export function area(s: Shape): number {
  return s.kind === "square" ? s.side! ** 2 : Math.round(Math.PI * s.r! ** 2 * 100) / 100;
}
`;

const MASTER_TS = `import { addprocs, everywhere, remotecallFetch, rmprocs, threads, workers } from "distributed";
import type { Shape } from "./shapes.ts";

const pids = await addprocs(2, { manager: "threads" });
await everywhere(new URL("./shapes.ts", import.meta.url));
const { area } = await import("./shapes.ts");
const square: Shape = { kind: "square", side: 3 };
const onWorkers = await Promise.all(pids.map((p) => remotecallFetch(area, p, square)));
const inPool = await threads.map(area, [square, { kind: "circle", r: 1 }]);
await rmprocs(workers());
console.log(JSON.stringify({ onWorkers, inPool }));
`;

/** Packs the package and installs the tarball into a fresh project; returns the project's directory. */
function installedProject(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "distributed-installed-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  // --ignore-scripts: `prepare` would build again; this test runs from the build already made.
  const tarball = execFileSync("npm", ["pack", "--ignore-scripts", "--silent", "--pack-destination", dir], { cwd: ROOT, encoding: "utf8" })
    .trim().split("\n").pop()!;
  const project = path.join(dir, "project");
  const installed = path.join(project, "node_modules", "distributed");
  mkdirSync(installed, { recursive: true });
  execFileSync("tar", ["xzf", path.join(dir, tarball), "-C", installed, "--strip-components=1"]);
  const pkg = JSON.parse(readFileSync(path.join(installed, "package.json"), "utf8")) as { dependencies: Record<string, string> };
  for (const dep of [...Object.keys(pkg.dependencies), "tsx"]) {
    symlinkSync(path.join(ROOT, "node_modules", dep), path.join(project, "node_modules", dep));
  }
  writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "user-project", private: true, type: "module" }));
  writeFileSync(path.join(project, "shapes.ts"), SHAPES_TS);
  writeFileSync(path.join(project, "master.ts"), MASTER_TS);
  return project;
}

const project = installedProject();

const ways: Array<[string, string, string, readonly string[], RunOptions]> = [
  ["the tsx CLI: tsx master.ts", "tsx", "master.ts", [], {}],
  ["node --import tsx master.ts", "node", "master.ts", [], { flags: ["--import", "tsx"] }],
  [
    "the package's CLI on node: distributed run master.ts",
    "node",
    path.join(project, "node_modules", "distributed", "dist", "bin", "distributed.js"),
    ["run", "master.ts"],
    {},
  ],
];

// The three run at the same time, as three users would.
const runs = ways.map(([, runtime, file, args, options]) =>
  runScript(runtime, file, args, { ...options, cwd: project, timeoutMs: RUN_LIMIT_MS })
);

ways.forEach(([name], i) => {
  t.test(name, async (t) => {
    const run = await runs[i]!;
    const detail = run.code === 0 ? "" : `\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`;
    t.notOk(run.timedOut, `the master ended by itself (${run.ms} ms)`);
    t.equal(run.code, 0, `exit code 0${detail}`);
    t.notMatch(run.stderr, /Unknown file extension/, "no thread failed to load a .ts module");
    const line = run.stdout.split("\n").find((l) => l.startsWith("{"));
    t.same(
      line === undefined ? null : JSON.parse(line),
      { onWorkers: [9, 9], inPool: [9, 3.14] },
      "the thread workers and the pool ran the project's .ts module",
    );
  });
});
