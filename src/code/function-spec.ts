/**
 * How a function travels. The sender picks the cheapest form the receiver can resolve:
 *
 * | spec | when | receiver does |
 * | --- | --- | --- |
 * | `["r", url, name]` | an export of a module loaded with everywhere(url) | imports (once) and takes the export |
 * | `["m", name]` | a function bound in Main (everywhere({ f }), the package's exports) | looks the name up in Main |
 * | `["x", name]` | an internal system function | looks it up in the system table |
 * | `["s", source]` | anything else | compiles the source against Main (cached) |
 * | `["c", source, names, values]` | made by capture() | compiles once, binds the captured values per call |
 *
 * Before sending source, the sender checks that every free identifier of the function exists
 * on the workers and throws UndefinedNameError at the call site otherwise.
 *
 * @example
 * ```ts
 * const spec = toSpec((a, b) => a + b, "remotecall");  // ["s", "(a, b) => a + b"]
 * const fn = await resolveSpec(spec);                  // on the worker
 * ```
 * @module
 */
import { SerializationError, UndefinedNameError } from "../errors.ts";
import { assertSendable } from "../protocol/sendable.ts";
import { capturedOf } from "./capture.ts";
import { freeIdentifiers } from "./free-identifiers.ts";
import { Main } from "./main-scope.ts";
import { loadedModule, loadModule, moduleRefOf } from "./modules.ts";
import { functionExpression } from "./source.ts";

/** A function on the wire. */
export type FnSpec =
  | ["r", string, string]
  | ["m", string]
  | ["x", string]
  | ["s", string]
  | ["c", string, string[], unknown[]];

const system = new Map<string, Function>();
const systemNames = new WeakMap<Function, string>();
const expressions = new WeakMap<Function, string>();
/** Names defined on other processes by everywhere() calls made from this process. */
const remoteNames = new Set<string>();

/** @internal Registers an internal function callable by name on every process. */
export function registerSystemFunction(name: string, fn: Function): void {
  system.set(name, fn);
  systemNames.set(fn, name);
}

/** @internal Records that everywhere() defined these names on other processes. */
export function noteRemoteNames(names: Iterable<string>): void {
  for (const n of names) remoteNames.add(n);
}

/** Names a function may use freely in shipped source without the check complaining. */
const ALWAYS_ALLOWED = new Set(["__name", "arguments"]);

/** Picks the wire form of `fn`. `where` names the API for error messages (e.g. "remotecall"). */
export function toSpec(fn: unknown, where: string): FnSpec {
  if (typeof fn !== "function") {
    throw new TypeError(`${where}: the function to call must be a function, got ${fn === null ? "null" : typeof fn}`);
  }
  const cap = capturedOf(fn);
  if (cap !== undefined) {
    const inner = plainSpec(cap.fn, where, cap.names);
    if (inner[0] !== "s") return inner;
    assertSendable(cap.values, `${where}: a captured value`);
    return ["c", inner[1], cap.names, cap.values];
  }
  return plainSpec(fn, where, []);
}

function plainSpec(fn: Function, where: string, captureNames: readonly string[]): FnSpec {
  const ref = moduleRefOf(fn);
  if (ref !== undefined) return ["r", ref[0], ref[1]];
  const mainName = Main.nameOf(fn);
  if (mainName !== undefined && Main.get(mainName) === fn) return ["m", mainName];
  const sys = systemNames.get(fn);
  if (sys !== undefined) return ["x", sys];
  let expression = expressions.get(fn);
  if (expression === undefined) {
    expression = functionExpression(fn, `${where}: the function`);
    expressions.set(fn, expression);
  }
  checkFreeNames(expression, where, captureNames);
  return ["s", expression];
}

/** Throws UndefinedNameError if the source uses names the workers will not have. */
export function checkFreeNames(expression: string, where: string, allowed: readonly string[] = []): void {
  let missing: string[] | undefined;
  for (const name of freeIdentifiers(expression)) {
    if (ALWAYS_ALLOWED.has(name) || name in globalThis || Main.has(name) || remoteNames.has(name) || allowed.includes(name)) continue;
    (missing ??= []).push(name);
  }
  if (missing !== undefined) throw new UndefinedNameError(missing, where);
}

/** The function a spec names, on the receiving process. */
export function resolveSpec(spec: FnSpec): Function | Promise<Function> {
  switch (spec[0]) {
    case "r": {
      const [, url, name] = spec;
      const mod = loadedModule(url);
      if (mod !== undefined) return exportOf(mod, url, name);
      return loadModule(url).then((m) => exportOf(m, url, name));
    }
    case "m": {
      const value = Main.get(spec[1]);
      if (typeof value !== "function") {
        throw new ReferenceError(
          Main.has(spec[1])
            ? `Main.${spec[1]} is not a function on this process`
            : `${spec[1]} is not defined in Main on this process; define it with everywhere({ ${spec[1]} }) before calling it`,
        );
      }
      return value;
    }
    case "x": {
      const fn = system.get(spec[1]);
      if (fn === undefined) {
        throw new ReferenceError(`Unknown system function ${spec[1]}: the processes run different versions of distributed`);
      }
      return fn;
    }
    case "s":
      return Main.compile(spec[1]).fn!;
    case "c":
      return Main.compile(spec[1], spec[2]).factory!(...spec[3]);
    default:
      throw new SerializationError(
        "the function",
        `an unknown function form ${JSON.stringify((spec as unknown[])[0])}`,
        "Use the same version of distributed everywhere",
      );
  }
}

function exportOf(mod: Record<string, unknown>, url: string, name: string): Function {
  const value = mod[name];
  if (typeof value !== "function") throw new ReferenceError(`Module ${url} has no exported function "${name}"`);
  return value;
}
