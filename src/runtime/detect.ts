/**
 * Which JavaScript runtime this process is, and its version.
 *
 * @example
 * ```ts
 * import { currentRuntime } from "distributed";
 * currentRuntime(); // "node" | "bun" | "deno"
 * ```
 * @module
 */
import process from "node:process";

/** The runtimes workers can run under. */
export type RuntimeName = "node" | "bun" | "deno";

/** All supported runtimes, for validation messages. */
export const RUNTIMES: readonly RuntimeName[] = ["node", "bun", "deno"];

const g = globalThis as { Bun?: { version: string }; Deno?: { version: { deno: string } } };

/**
 * The runtime running this process.
 *
 * @example
 * ```ts
 * import { addprocs, currentRuntime, remotecallFetch, rmprocs } from "distributed";
 * currentRuntime();                                   // "node" under Node, "bun" under Bun, "deno" under Deno
 * const [p] = await addprocs(1, { runtime: "deno" }); // a Deno worker, whatever runs this script
 * await remotecallFetch(() => currentRuntime(), p);   // "deno"
 * await rmprocs(p);
 * ```
 */
export function currentRuntime(): RuntimeName {
  if (g.Bun !== undefined) return "bun";
  if (g.Deno !== undefined) return "deno";
  return "node";
}

/** This runtime's own version string (not Node's compatibility version under Bun or Deno). */
export function runtimeVersion(): string {
  if (g.Bun !== undefined) return g.Bun.version;
  if (g.Deno !== undefined) return g.Deno.version.deno;
  return process.versions.node;
}

/** Throws a TypeError unless `name` is a supported runtime. */
export function assertRuntime(name: unknown, option = "runtime"): RuntimeName {
  if (typeof name === "string" && (RUNTIMES as readonly string[]).includes(name)) return name as RuntimeName;
  throw new TypeError(`Option ${option} must be one of ${RUNTIMES.map((r) => `"${r}"`).join(", ")}, got ${JSON.stringify(name)}`);
}
