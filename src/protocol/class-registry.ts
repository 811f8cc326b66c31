/**
 * The class registry: classes whose instances travel between processes with their prototype.
 * Plain objects and arrays, typed arrays, ArrayBuffer, Map, Set, Date, BigInt, RegExp, undefined
 * and Errors travel without registration (codec.ts); an instance of any other class must be
 * registered, on every process, or it is refused before it is sent.
 *
 * A registered class is written as msgpackr extension 0x31 holding its wire name and its plain
 * data; the receiver looks the name up here and rebuilds the instance. Handles (Future,
 * RemoteChannel, WorkerPool, ...) register the same way, with their own encoders.
 *
 * @example
 * ```ts
 * import { registerClass } from "distributed";
 * class Point { x = 0; y = 0; }
 * registerClass(Point); // on every process: in a module loaded with everywhere(url)
 * ```
 * @module
 */
import { addExtension } from "msgpackr";

/** The msgpackr extension type of a registered class's instance (codec.ts uses 0x30 and 0x32). */
const EXT_CLASS = 0x31;

/** How a registered class is turned into plain data and back. */
export interface ClassCodec<T> {
  /** Name used on the wire; must be the same on every process. Default: the class name. */
  name?: string;
  /** To plain data. Default: the instance's own enumerable properties. */
  encode?: (instance: T) => unknown;
  /** From plain data. Default: an object with the class's prototype and those properties. */
  decode?: (data: unknown) => T;
}

interface RegisteredClass {
  name: string;
  Class: abstract new (...args: never[]) => unknown;
  encode: (instance: unknown) => unknown;
  decode: (data: unknown) => unknown;
}

const classesByName = new Map<string, RegisteredClass>();
const classesByCtor = new Map<unknown, RegisteredClass>();

/**
 * Lets instances of a class travel between processes with their prototype. Register the class
 * on every process, e.g. in a module loaded with `everywhere(url)`.
 *
 * @example
 * ```ts
 * // point.ts: a module every process loads
 * import { registerClass } from "distributed";
 * export class Point {
 *   x: number;
 *   y: number;
 *   constructor(x = 0, y = 0) { this.x = x; this.y = y; }
 *   norm(): number { return Math.hypot(this.x, this.y); }
 * }
 * registerClass(Point);
 * ```
 * ```ts
 * // main.ts
 * import { addprocs, everywhere, remotecallFetch, rmprocs } from "distributed";
 * import { Point } from "./point.ts";
 * const [p] = await addprocs(1);
 * await everywhere(new URL("./point.ts", import.meta.url)); // registers Point on every process
 * await remotecallFetch((pt: Point) => pt.norm(), p, new Point(3, 4)); // 5: it arrived as a Point
 * await rmprocs(p);
 * ```
 */
export function registerClass<T extends object>(Class: abstract new (...args: never[]) => T, codec: ClassCodec<T> = {}): void {
  if (typeof Class !== "function") throw new TypeError(`registerClass expects a class, got ${typeof Class}`);
  const name = codec.name ?? Class.name;
  if (!name) throw new TypeError("registerClass: an anonymous class needs { name }");
  const existing = classesByName.get(name);
  if (existing && existing.Class !== Class) {
    throw new TypeError(`registerClass: the name "${name}" is already used by another class; pass { name } to tell them apart`);
  }
  const entry: RegisteredClass = {
    name,
    Class,
    encode: (codec.encode as (i: unknown) => unknown) ?? ((instance) => ({ ...(instance as object) })),
    decode: (codec.decode as (d: unknown) => unknown) ?? ((data) => Object.assign(Object.create(Class.prototype) as object, data)),
  };
  classesByName.set(name, entry);
  if (!classesByCtor.has(Class)) {
    // msgpackr matches extensions by instanceof, newest first, so a registered subclass is
    // found before its registered base class. All share one reader that dispatches by name.
    addExtension({
      Class,
      type: EXT_CLASS,
      write: (instance: object) => {
        const exact = classesByCtor.get(instance.constructor) ?? entry;
        return [exact.name, exact.encode(instance)];
      },
      read: readRegistered,
    } as never);
  }
  classesByCtor.set(Class, entry);
}

// The reader must exist before any class is registered here, so that an instance arriving
// first gets the "not registered" error below rather than msgpackr's unknown-extension one.
// (codec.ts imports this module, so decode always has it.)
addExtension({ type: EXT_CLASS, read: (data: [string, unknown]) => readRegistered(data) } as never);

function readRegistered(data: [string, unknown]): unknown {
  const entry = classesByName.get(data[0]);
  if (entry === undefined) {
    throw new TypeError(
      `Received an instance of class "${data[0]}", which is not registered in this process; call registerClass(${
        data[0]
      }) in a module loaded with everywhere(url)`,
    );
  }
  return entry.decode(data[1]);
}

/** @internal The registration for an object's exact class, if any. */
export function registeredClassOf(value: object): RegisteredClass | undefined {
  return classesByCtor.get(value.constructor);
}
