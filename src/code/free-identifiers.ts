/**
 * Finds the identifiers a function's source uses without declaring them: the names it expects
 * from its surroundings. Uses acorn to parse and eslint-scope to resolve scopes, so shadowing,
 * destructuring, labels, classes and `typeof x` are handled like a linter would.
 *
 * @example
 * ```ts
 * freeIdentifiers("(a) => a + b + Math.PI"); // ["b", "Math"]
 * ```
 * @module
 */
import { parse, type Node } from "acorn";
import { analyze } from "eslint-scope";

const cache = new Map<string, string[]>();
const CACHE_LIMIT = 2000;

/** Parses `source` as an expression; false if it is not valid JavaScript. */
export function parseExpression(source: string): boolean {
  try {
    parse(source, { ecmaVersion: "latest", sourceType: "script" });
    return true;
  } catch {
    return false;
  }
}

/** The free identifiers of a function expression's source, in order of first use. */
export function freeIdentifiers(expression: string): string[] {
  const hit = cache.get(expression);
  if (hit !== undefined) return hit;
  const ast = parse(`(${expression}\n)`, { ecmaVersion: "latest", sourceType: "script", ranges: true }) as Node;
  const manager = analyze(ast as never, { ecmaVersion: 2022, sourceType: "script" } as never);
  const names: string[] = [];
  const seen = new Set<string>();
  for (const ref of manager.globalScope!.through) {
    const name = ref.identifier.name;
    if (!seen.has(name)) {
      seen.add(name);
      names.push(name);
    }
  }
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(expression, names);
  return names;
}
