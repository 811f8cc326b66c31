/**
 * The main job on every runtime (`npm run pi`): runs examples/pi/main under node, bun and deno
 * in turn (one after another: each one uses every core), shows each run's output, then one
 * line per runtime with the speedup of both parallel runs over its serial run. Exits with code
 * 1 when a runtime failed, or when a parallel run was slower than the serial one on it.
 *
 * Usage: node dist/examples/pi/every-runtime.js [terms] [workers]   (passed on to main)
 *
 * @example
 * ```sh
 * npm run pi             # 2e9 terms on every runtime
 * npm run pi -- 4e8 2    # a quicker run on 2 workers
 * ```
 * @module
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const fromDist = import.meta.url.includes("/dist/examples/");
const root = fileURLToPath(new URL(fromDist ? "../../../" : "../../", import.meta.url));
const args = process.argv.slice(2);

// node runs the build; bun and deno run the source, as a user of those runtimes would. bun and
// deno are found on PATH (`npm run` puts node_modules/.bin there; both come from npm).
const commands: Record<string, string[]> = {
  node: [process.execPath, `${root}dist/examples/pi/main.js`],
  bun: ["bun", `${root}examples/pi/main.ts`],
  deno: ["deno", "run", "-A", `${root}examples/pi/main.ts`],
};

const summary: string[] = [];
let failed = 0;
for (const [runtime, [file, ...rest]] of Object.entries(commands)) {
  const run = spawnSync(file!, [...rest, ...args], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  if (run.error !== undefined) {
    summary.push(`  ${runtime.padEnd(5)} not run: ${run.error.message}`);
    failed++;
    continue;
  }
  process.stdout.write(run.stdout);
  const speedups = [...run.stdout.matchAll(/^ {2}(?:distributed|pmap) .* speedup (\d+\.\d+)x/gm)].map((m) => Number(m[1]));
  if (run.status !== 0 || speedups.length !== 2) {
    summary.push(`  ${runtime.padEnd(5)} FAILED (exit code ${run.status ?? run.signal})`);
    failed++;
    continue;
  }
  const slower = speedups.some((s) => s < 1);
  if (slower) failed++;
  summary.push(
    `  ${runtime.padEnd(5)} distributed ${speedups[0]!.toFixed(2)}x  pmap ${speedups[1]!.toFixed(2)}x  ${
      slower ? "SLOWER than serial" : "ok"
    }`,
  );
}
console.log(`\nspeedup over the serial run, per runtime:\n${summary.join("\n")}`);
if (failed > 0) process.exitCode = 1;
