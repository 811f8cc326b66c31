#!/usr/bin/env node
/**
 * The `distributed` command. This release has `distributed worker` (start a worker by hand:
 * it reads the cookie from stdin and prints its address, like `julia --worker`) and
 * `--version`; `run`, `info` and `slurm` come with the CLI release.
 *
 * @example
 * ```sh
 * echo "$COOKIE" | npx distributed worker --timeout=60
 * ```
 * @module
 */
import process from "node:process";
import { PACKAGE_VERSION } from "../src/version.ts";

const [command, ...rest] = process.argv.slice(2);
if (command === "worker" || command === "--worker") {
  process.argv.splice(2, process.argv.length, ...rest.filter((a) => a !== "--worker"));
  await import("../src/worker/main.ts");
} else if (command === "--version" || command === "-v") {
  console.log(PACKAGE_VERSION);
} else {
  console.log(`distributed ${PACKAGE_VERSION}

Usage:
  distributed worker [--timeout=SECONDS] [--bind=HOST]   start a worker; reads the cookie from stdin
  distributed --version

Scripts use the library: import { addprocs, remotecallFetch } from "distributed"`);
  process.exitCode = command === undefined || command === "--help" || command === "-h" ? 0 : 2;
}
