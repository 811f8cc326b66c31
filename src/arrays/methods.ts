/**
 * The operations a DArray's methods hand over to, set when the files that do the work load
 * (construct.ts, ops.ts, linalg.ts, collect.ts), so the handle (darray.ts) need not import them:
 * they import the handle to make new ones.
 *
 * @example
 * ```ts
 * import type { Reduction } from "distributed";
 * const largest: Reduction<number> = "max";                // a tight loop on each owner
 * const longest: Reduction<string> = (a, b) => (b.length > a.length ? b : a); // called per element
 * ```
 * @module
 */

/** How elements are combined: a named reducer (a tight loop on the owner) or a function of two. */
export type Reduction<T> = "+" | "*" | "max" | "min" | ((a: T, b: T) => T);

const unset = (name: string) => (): never => {
  throw new Error(`DArray.${name}: the arrays module did not load; import from "distributed"`);
};

/** The implementations behind the DArray methods (handles typed loosely: this file sits below the handle). */
export const methods: {
  create: (init: unknown, dims: number | readonly number[], options: object) => Promise<unknown>;
  map: (fn: ((...xs: unknown[]) => unknown) | null, Ds: unknown[], options: { type?: unknown }) => Promise<unknown>;
  mapreduce: (fn: ((...xs: unknown[]) => unknown) | null, op: Reduction<unknown>, Ds: unknown[]) => Promise<unknown>;
  // deno-lint-ignore no-explicit-any
  mul: (M: any, v: any) => Promise<any>;
  collect: (D: unknown) => Promise<unknown>;
} = { create: unset("create"), map: unset("map"), mapreduce: unset("reduce"), mul: unset("mul"), collect: unset("collect") };
