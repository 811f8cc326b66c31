/**
 * Checks, before anything is encoded, that a value can travel to another process. msgpackr
 * would silently turn a function inside an object into `undefined` and a class instance into
 * a plain object; here both are a SerializationError naming where the value sits.
 *
 * @example
 * ```ts
 * assertSendable({ a: 1, f: () => 1 }, "args[0]"); // throws: args[0].f is a function
 * ```
 * @module
 */
import { SerializationError } from "../errors.ts";
import { registeredClassOf } from "./class-registry.ts";

const BUILTIN_PROTOTYPES = new Set<unknown>([
  Object.prototype,
  null,
  Array.prototype,
  Map.prototype,
  Set.prototype,
  Date.prototype,
  RegExp.prototype,
  ArrayBuffer.prototype,
  DataView.prototype,
]);

const FIX_FUNCTION =
  "Functions can only be passed as the called function or as a top-level argument of remotecall and friends; define helpers with everywhere({ name: fn }) and refer to them by name";

/** Throws SerializationError when `value` (found at `path`) cannot be sent. */
export function assertSendable(value: unknown, path: string): void {
  walk(value, path, new Set());
}

function walk(value: unknown, path: string, seen: Set<object>): void {
  switch (typeof value) {
    case "number":
    case "string":
    case "boolean":
    case "bigint":
    case "undefined":
      return;
    case "function":
      throw new SerializationError(path, `a function (${describeFunction(value as Function)})`, FIX_FUNCTION);
    case "symbol":
      throw new SerializationError(path, `a symbol (${String(value)})`, "Symbols are unique to one process; send a string instead");
  }
  if (value === null) return;
  const obj = value as object;
  if (ArrayBuffer.isView(obj) || obj instanceof Error) return;
  if (seen.has(obj)) {
    throw new SerializationError(path, "part of a circular structure", "Break the cycle, or send the parts separately");
  }
  const proto = Object.getPrototypeOf(obj) as unknown;
  if (!BUILTIN_PROTOTYPES.has(proto)) {
    const registered = registeredClassOf(obj);
    if (registered !== undefined) {
      // Check what will actually be sent: the own fields (default codec) or encode()'s result.
      seen.add(obj);
      walk(registered.encode(obj), path, seen);
      seen.delete(obj);
      return;
    }
    if (typeof SharedArrayBuffer !== "undefined" && obj instanceof SharedArrayBuffer) {
      throw new SerializationError(
        path,
        "a SharedArrayBuffer",
        "Shared memory cannot cross processes by copy; send a typed array copy, or use SharedArray within one host",
      );
    }
    if (obj instanceof Promise) {
      throw new SerializationError(path, "a Promise", "Await it first and send the value");
    }
    const name = (obj as { constructor?: { name?: string } }).constructor?.name;
    throw new SerializationError(
      path,
      name ? `an instance of class ${name}, which is not registered` : "an instance of an anonymous class",
      `Call registerClass(${
        name || "TheClass, { name }"
      }) on every process (e.g. in a module loaded with everywhere(url)), or send a plain object`,
    );
  }
  seen.add(obj);
  if (Array.isArray(obj)) {
    for (let i = 0; i < obj.length; i++) {
      const v = obj[i] as unknown;
      if (typeof v !== "number") walk(v, `${path}[${i}]`, seen);
    }
  } else if (obj instanceof Map) {
    for (const [k, v] of obj) {
      walk(k, `${path}.<key ${keyLabel(k)}>`, seen);
      walk(v, `${path}.get(${keyLabel(k)})`, seen);
    }
  } else if (obj instanceof Set) {
    let i = 0;
    for (const v of obj) walk(v, `${path}.<item ${i++}>`, seen);
  } else if (proto === Object.prototype || proto === null) {
    for (const key in obj) {
      walk(
        (obj as Record<string, unknown>)[key],
        /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`,
        seen,
      );
    }
    for (const sym of Object.getOwnPropertySymbols(obj)) {
      throw new SerializationError(`${path}[${String(sym)}]`, "a symbol-keyed property", "Symbol keys cannot be sent; use a string key");
    }
  }
  seen.delete(obj);
}

function describeFunction(f: Function): string {
  return f.name ? `\`${f.name}\`` : "anonymous";
}

function keyLabel(key: unknown): string {
  if (typeof key === "string") return JSON.stringify(key);
  if (typeof key === "object" && key !== null) return Array.isArray(key) ? "[array]" : "{object}";
  try {
    return String(key);
  } catch {
    return typeof key;
  }
}
