#!/usr/bin/env node
/**
 * The `distributed` command: `run`, `info`, `slurm submit` and `worker` (see src/cli/main.ts).
 * `worker` starts at once, without loading the command-line parser.
 *
 * @example
 * ```sh
 * npx distributed run -p 4 script.ts
 * echo "$COOKIE" | npx distributed worker --timeout=60
 * ```
 * @module
 */
import process from "node:process";

const [command, ...rest] = process.argv.slice(2);
if (command === "worker" || command === "--worker") {
  process.argv.splice(2, process.argv.length, ...rest.filter((a) => a !== "--worker"));
  await import("../src/worker/main.ts");
} else {
  const { cli } = await import("../src/cli/main.ts");
  await cli();
}
