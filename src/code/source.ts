/**
 * Turns a function's `toString()` into an expression that evaluates back to the function,
 * whatever the runtime printed: arrows, `function`, `async`, generators, classes, and method
 * shorthand (`doWork(a) { ... }` from `{ doWork(a) { ... } }`), which is not an expression on
 * its own and is wrapped in an object literal from which the method is picked by its key.
 *
 * @example
 * ```ts
 * functionExpression({ f(x) { return x; } }.f); // '((o) => o[Reflect.ownKeys(o)[0]])({ f(x) { return x; } })'
 * ```
 * @module
 */
import { SerializationError } from "../errors.ts";
import { isSingleMethodObject, parseExpression } from "./free-identifiers.ts";

const NATIVE = /\{\s*\[native code\]\s*\}\s*$/;
const byText = new Map<string, string>();
const CACHE_LIMIT = 2000;

/** The source of `fn` as a standalone expression. Throws SerializationError for native or bound functions. */
export function functionExpression(fn: Function, where: string): string {
  const text = Function.prototype.toString.call(fn);
  if (NATIVE.test(text)) {
    throw new SerializationError(
      where,
      `a native or bound function (${fn.name || "anonymous"}), whose source is not available`,
      "Ship a function written in JavaScript; for a bound function ship the original and pass the bound values as arguments",
    );
  }
  const key = `${fn.name}\u0000${text}`;
  const hit = byText.get(key);
  if (hit !== undefined) return hit;
  const expression = toExpression(fn.name, text);
  if (expression !== undefined) {
    if (byText.size >= CACHE_LIMIT) byText.clear();
    byText.set(key, expression);
    return expression;
  }
  throw new SerializationError(
    where,
    `a function whose source cannot be re-evaluated (${fn.name || "anonymous"})`,
    "Use an arrow function or a function expression",
  );
}

function toExpression(name: string, text: string): string | undefined {
  if (parseExpression(`(${text}\n)`)) return text;
  // Method shorthand (any key: name, string, computed, symbol) is wrapped in an object literal
  // and picked by its own key. Accessors are refused: reading them would call them.
  if (!isSingleMethodObject(`({ ${text}\n })`)) return undefined;
  return `((o) => o[Reflect.ownKeys(o)[0]])({ ${text}\n })`;
}
