/**
 * Modules loaded with `everywhere(url)`: imported once per process, their exports defined in
 * Main, and their functions remembered so they travel by reference (URL + export name).
 *
 * @example
 * ```ts
 * await loadModule("file:///work/pi.ts");
 * moduleRefOf(partialPi); // ["file:///work/pi.ts", "partialPi"]
 * ```
 * @module
 */
import { Main } from "./main-scope.ts";

const modules = new Map<string, Record<string, unknown>>();
const loading = new Map<string, Promise<Record<string, unknown>>>();
const refs = new WeakMap<object, [url: string, name: string]>();

/** Imports a module (once), defines its exports in Main and remembers its functions. */
export function loadModule(url: string): Promise<Record<string, unknown>> {
  const existing = loading.get(url);
  if (existing !== undefined) return existing;
  const promise = (import(url) as Promise<Record<string, unknown>>).then((ns) => {
    const exports: Record<string, unknown> = {};
    for (const name of Object.keys(ns)) {
      const value = ns[name];
      exports[name] = value;
      if ((typeof value === "function" || (typeof value === "object" && value !== null)) && !refs.has(value)) refs.set(value, [url, name]);
    }
    modules.set(url, exports);
    const { default: _default, ...named } = exports;
    Main.defineValues(named);
    return exports;
  });
  loading.set(url, promise);
  promise.catch(() => loading.delete(url));
  return promise;
}

/** The exports of a module already loaded here, or undefined. */
export function loadedModule(url: string): Record<string, unknown> | undefined {
  return modules.get(url);
}

/** Where a function (or object) was exported from, if it came from a loaded module. */
export function moduleRefOf(value: object): [string, string] | undefined {
  return refs.get(value);
}
