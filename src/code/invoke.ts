/**
 * The body of a call message and its two ends: the sender turns a function and its arguments
 * into `[spec, args]`, checking everything before sending; the receiver turns that back into
 * a callable. Functions passed as top-level arguments travel as specs too, so
 * `remotecallFetch(map, 2, f, xs)`-style calls work.
 *
 * @example
 * ```ts
 * const body = encodeCall((a, b) => a + b, [1, 2], "remotecall"); // [["s", "(a, b) => a + b"], [1, 2]]
 * const [fn, args] = await resolveCallable(body);                   // on the worker
 * ```
 * @module
 */
import { registerClass } from "../protocol/class-registry.ts";
import type { RefId } from "../protocol/messages.ts";
import { assertSendable } from "../protocol/sendable.ts";
import { type FnSpec, resolveSpec, toSpec } from "./function-spec.ts";

/** What a call message carries. */
export type CallBody = [spec: FnSpec, args: unknown[], ref?: RefId];

/** A function passed as an argument, on the wire. */
export class ShippedFunction {
  readonly spec: FnSpec;
  constructor(spec: FnSpec) {
    this.spec = spec;
  }
}
registerClass(ShippedFunction, {
  name: "distributed.Function",
  encode: (f) => f.spec,
  decode: (spec) => new ShippedFunction(spec as FnSpec),
});

/** Checks and converts a call for sending. Throws at the call site on anything unsendable. */
export function encodeCall(fn: unknown, args: readonly unknown[], where: string): [FnSpec, unknown[]] {
  const spec = toSpec(fn, where);
  let out: unknown[] | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (typeof arg === "function") {
      (out ??= args.slice())[i] = new ShippedFunction(toSpec(arg, `${where}: argument ${i + 1}`));
    } else {
      assertSendable(arg, `${where}: argument ${i + 1}`);
    }
  }
  return [spec, out ?? (args as unknown[])];
}

/** The function and arguments of a received call (a promise only when a module must load first). */
export function resolveCallable(body: CallBody): [Function, unknown[]] | Promise<[Function, unknown[]]> {
  const fn = resolveSpec(body[0]);
  let args = body[1];
  let pending: Array<Promise<void>> | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg instanceof ShippedFunction) {
      if (args === body[1]) args = args.slice();
      const resolved = resolveSpec(arg.spec);
      if (resolved instanceof Promise) {
        const at = i;
        (pending ??= []).push(resolved.then((f) => void (args[at] = f)));
      } else {
        args[i] = resolved;
      }
    }
  }
  if (fn instanceof Promise || pending !== undefined) {
    return Promise.all([fn, ...(pending ?? [])]).then(([f]) => [f as Function, args]);
  }
  return [fn, args];
}
