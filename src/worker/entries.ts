/**
 * Where the package's entry files are: the worker process entry, the thread worker and the
 * thread pool's thread. Each locator resolves a file beside this one, as `.ts` when the package
 * runs from source (Bun, Deno, tsx) and `.js` when it runs from its build.
 *
 * This module sits in src/worker/ because the URLs are relative to the entries' folder, and it
 * imports nothing but src/runtime/: the lower floors that start entries (addprocs, the thread
 * pool) may import it. It is the one documented exception to the layer order
 * (scripts/check.mjs).
 *
 * @example
 * ```ts
 * import { workerEntry } from "./entries.ts";
 * workerEntry(); // "/…/node_modules/distributed/dist/src/worker/main.js"
 * ```
 * @module
 */
import { fromFileUrl } from "../runtime/files.ts";

const ext = import.meta.url.endsWith(".ts") ? "ts" : "js";

/** The worker process entry (`<runtime> main.js --worker`), as a file path for command lines. */
export function workerEntry(): string {
  return fromFileUrl(new URL(`./main.${ext}`, import.meta.url));
}

/** The module a thread worker runs (see thread-worker.ts). */
export function threadWorkerEntry(): URL {
  return new URL(`./thread-worker.${ext}`, import.meta.url);
}

/** The module a thread of the thread pool runs (see pool-thread.ts). */
export function poolThreadEntry(): URL {
  return new URL(`./pool-thread.${ext}`, import.meta.url);
}
