/**
 * Finds the identifiers a function's source uses without declaring them: the names it expects
 * from its surroundings. Uses acorn to parse and eslint-scope to resolve scopes, so shadowing,
 * destructuring, labels and classes are handled like a linter would. A name used only as the
 * operand of `typeof` is not free: `typeof Bun !== "undefined"` cannot throw on any runtime
 * (ESLint's no-undef makes the same exception).
 *
 * @example
 * ```ts
 * freeIdentifiers("(a) => a + b + Math.PI"); // ["b", "Math"]
 * ```
 * @module
 */
import type { Node, Options } from "acorn";
import type { analyze as Analyze } from "eslint-scope";
import { requirePackage } from "../runtime/lazy-require.ts";

// Loaded on first use: only a process that ships function source needs a parser, and the two
// packages cost ~30 ms of every worker's start-up otherwise.
let parser: { parse: (source: string, options: Options) => Node } | undefined;
let scopes: { analyze: typeof Analyze } | undefined;
function parse(source: string, options: Options): Node {
  parser ??= requirePackage<{ parse: (source: string, options: Options) => Node }>("acorn");
  return parser.parse(source, options);
}
function analyze(...args: Parameters<typeof Analyze>): ReturnType<typeof Analyze> {
  scopes ??= requirePackage<{ analyze: typeof Analyze }>("eslint-scope");
  return scopes.analyze(...args);
}

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

/**
 * Whether `source` is an object literal with exactly one property that is a method (not a
 * getter or setter): the shape method shorthand takes once wrapped in braces.
 */
export function isSingleMethodObject(source: string): boolean {
  try {
    const ast = parse(source, { ecmaVersion: "latest", sourceType: "script" }) as unknown as {
      body: Array<{ expression?: { type: string; properties?: Array<{ kind?: string; method?: boolean }> } }>;
    };
    const expr = ast.body[0]?.expression;
    const props = expr?.type === "ObjectExpression" ? expr.properties ?? [] : [];
    return props.length === 1 && props[0]!.kind === "init" && props[0]!.method === true;
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
  const typeofOperands = new Set<unknown>();
  collectTypeofOperands(ast, typeofOperands);
  const names: string[] = [];
  const seen = new Set<string>();
  for (const ref of manager.globalScope!.through) {
    if (typeofOperands.has(ref.identifier)) continue;
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

/** Adds every Identifier node that is the direct operand of `typeof`. */
function collectTypeofOperands(node: unknown, out: Set<unknown>): void {
  if (node === null || typeof node !== "object") return;
  if (Array.isArray(node)) {
    for (const child of node) collectTypeofOperands(child, out);
    return;
  }
  const n = node as { type?: string; operator?: string; argument?: { type?: string } };
  if (n.type === "UnaryExpression" && n.operator === "typeof" && n.argument?.type === "Identifier") out.add(n.argument);
  for (const key in n) {
    if (key !== "loc" && key !== "range") collectTypeofOperands((n as Record<string, unknown>)[key], out);
  }
}
