/**
 * `capture({ values }, fn)`: ships values together with a function, visible to it by name.
 * The explicit form of what a Julia closure does when it uses a global, and of Julia's advice
 * to localise globals with `let`.
 *
 * @example
 * ```ts
 * import { capture, remotecallFetch } from "distributed";
 * const scale = 3;
 * await remotecallFetch(capture({ scale }, (x: number) => x * scale), 2, 7); // 21
 * ```
 * @module
 */
import { isBindableName } from "./main-scope.ts";

/** What capture() attached to a function. */
export interface Captured {
  fn: Function;
  names: string[];
  values: unknown[];
}

const captured = new WeakMap<Function, Captured>();

/**
 * Returns a function that behaves like `fn` here and, when shipped, carries `values` with it.
 * Values are copied (handles such as Future and RemoteChannel travel as handles).
 *
 * @example
 * ```ts
 * import { addprocs, capture, pmap, rmprocs } from "distributed";
 * const pids = await addprocs(2);
 * const weights = [0.5, 2];
 * // `weights` is this script's variable, unknown on the workers: capture sends it along
 * // (without capture the call throws, naming `weights`)
 * await pmap(capture({ weights }, (x: number) => x * weights[x % 2]), [1, 2, 3]); // [2, 1, 6]
 * await rmprocs(pids);
 * ```
 */
export function capture<F extends (...args: never[]) => unknown>(values: Record<string, unknown>, fn: F): F {
  if (typeof values !== "object" || values === null || Array.isArray(values)) {
    throw new TypeError("capture(values, fn): values must be an object such as { total, a }");
  }
  if (typeof fn !== "function") throw new TypeError(`capture(values, fn): fn must be a function, got ${typeof fn}`);
  const names = Object.keys(values);
  for (const name of names) {
    if (!isBindableName(name)) {
      throw new TypeError(`capture: "${name}" cannot be captured: it is not a plain identifier (or is a reserved word)`);
    }
  }
  const wrapper = function (this: unknown, ...args: unknown[]): unknown {
    return (fn as unknown as Function).apply(this, args);
  };
  Object.defineProperty(wrapper, "name", { value: fn.name });
  captured.set(wrapper, { fn, names, values: names.map((n) => values[n]) });
  return wrapper as unknown as F;
}

/** What was captured with a function made by capture(), if it was. */
export function capturedOf(fn: Function): Captured | undefined {
  return captured.get(fn);
}
