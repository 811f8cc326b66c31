/**
 * Errors of what a call ships: a function that uses names the workers will not have, a value
 * that cannot be sent. Both are thrown at the call site, before anything is sent.
 *
 * @example
 * ```ts
 * import { addprocs, remotecall, SerializationError, UndefinedNameError } from "distributed";
 * const [pid] = await addprocs(1);
 * try {
 *   remotecall((o: { f: () => number }) => o.f(), pid!, { f: () => 1 });
 * } catch (err) {
 *   if (err instanceof SerializationError || err instanceof UndefinedNameError) console.error(err.message);
 * }
 * ```
 * @module
 */
import { DistributedError } from "./base.ts";

/**
 * A shipped function uses names that the target process will not have.
 * Thrown at the call site, before anything is sent. (It extends DistributedError; earlier
 * versions made it a ReferenceError.)
 *
 * @example
 * ```ts
 * import { addprocs, capture, remotecall, UndefinedNameError } from "distributed";
 * const [pid] = await addprocs(1);
 * const total = 5;
 * try {
 *   remotecall(() => total + 1, pid!);
 * } catch (err) {
 *   if (err instanceof UndefinedNameError) console.log(err.code, err.names); // "ERR_UNDEFINED_NAME" ["total"]
 * }
 * remotecall(capture({ total }, () => total + 1), pid!); // fine
 * ```
 */
export class UndefinedNameError extends DistributedError {
  /** The names the function uses that are not defined on the workers. */
  readonly names: string[];
  constructor(names: string[], where: string) {
    const list = names.map((n) => `\`${n}\``).join(", ");
    const one = names[0];
    super(
      "ERR_UNDEFINED_NAME",
      `${where}: the shipped function uses ${list}, which ${names.length > 1 ? "are" : "is"} not defined on the workers. ` +
        `For a value: pass it as an argument or capture it with capture({ ${names.join(", ")} }, fn). ` +
        `For a function or class: define it on every process with everywhere({ ${one} }), or load its module with everywhere(moduleUrl)`,
    );
    this.names = names;
  }
}

/**
 * A value cannot be sent to another process (a function inside data, a symbol, an instance of a
 * class that was not registered with registerClass), or its message is larger than the
 * receiver's frame limit (DISTRIBUTED_MAX_FRAME_BYTES there). Names the path to the value.
 * Its `code` is `ERR_UNSERIALIZABLE` for a value that cannot be encoded at all,
 * `ERR_PAYLOAD_TOO_LARGE` for a message larger than its receiver accepts. (It extends
 * DistributedError; earlier versions made it a TypeError.)
 *
 * @example
 * ```ts
 * import { addprocs, remotecall, SerializationError } from "distributed";
 * const [pid] = await addprocs(1);
 * try {
 *   remotecall((o: unknown) => o, pid!, { cb: () => 1 });
 * } catch (err) {
 *   if (err instanceof SerializationError) console.log(err.code, err.path); // "ERR_UNSERIALIZABLE" "remotecall: argument 1.cb"
 * }
 * ```
 */
export class SerializationError extends DistributedError {
  /** Where the value sits, e.g. `args[1].options.callback`. */
  readonly path: string;
  constructor(path: string, what: string, fix: string, code = "ERR_UNSERIALIZABLE") {
    super(code, `Cannot send ${path} to another process: it is ${what}. ${fix}`);
    this.path = path;
  }
}
