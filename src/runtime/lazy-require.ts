/**
 * Loads a CommonJS-compatible package synchronously on first use. Lets rarely needed, heavy
 * dependencies (the parser behind the free-identifier check, koffi for shared memory under
 * Node) stay out of every worker's start-up while keeping the call site synchronous.
 *
 * @example
 * ```ts
 * const acorn = requirePackage<typeof import("acorn")>("acorn");
 * if (canResolvePackage("koffi")) { ... }
 * ```
 * @module
 */
import { createRequire } from "node:module";

const load = createRequire(import.meta.url);

/** `require(name)` resolved from this package's location. */
export function requirePackage<T>(name: string): T {
  return load(name) as T;
}

/** Whether `require(name)` would find the package, without loading it. */
export function canResolvePackage(name: string): boolean {
  try {
    load.resolve(name);
    return true;
  } catch {
    return false;
  }
}
