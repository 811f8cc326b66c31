/**
 * Each process's Main scope, as in Julia: the names shipped code can use without importing.
 * It starts with the package's public exports; `everywhere(url)` adds a module's exports and
 * `everywhere({ f })` adds functions compiled from source.
 *
 * Shipped source is compiled with every Main name bound as a parameter of an enclosing
 * function, so lookups inside hot loops cost what a closure variable costs (no `with`, no
 * proxies). Compiled functions are cached per source until Main changes; a change recompiles
 * the source-defined functions together, so they always see each other and the newest values.
 *
 * @example
 * ```ts
 * Main.defineSources({ square: "(x) => x * x", sumSq: "(xs) => xs.reduce((a, x) => a + square(x), 0)" });
 * Main.get("sumSq")([1, 2]); // 5
 * ```
 * @module
 */

const RESERVED = new Set(
  (
    "break case catch class const continue debugger default delete do else enum export extends false finally for function if " +
    "import in instanceof new null return super switch this throw true try typeof var void while with yield let static " +
    "implements interface package private protected public await arguments eval undefined NaN Infinity"
  ).split(" "),
);

/** Whether `name` can be a Main binding (a plain identifier, not a reserved word). */
export function isBindableName(name: string): boolean {
  return /^[A-Za-z_$][\w$]*$/.test(name) && !RESERVED.has(name);
}

/** A compiled shipped function: either ready, or a factory taking the captured values. */
export type Compiled = { fn: Function; factory?: undefined } | { fn?: undefined; factory: (...captured: unknown[]) => Function };

/** A process's Main scope. */
export class MainScope {
  #values = new Map<string, unknown>();
  #sources = new Map<string, string>();
  #nameOf = new WeakMap<object, string>();
  #compiled = new Map<string, Compiled>();
  #params: { names: string[]; values: unknown[] } | null = null;
  #ownGlobals = new Set<string>();

  /** Whether `name` is defined. */
  has(name: string): boolean {
    return this.#values.has(name);
  }

  /** The value bound to `name`. */
  get(name: string): unknown {
    return this.#values.get(name);
  }

  /** All defined names. */
  names(): string[] {
    return [...this.#values.keys()];
  }

  /** The Main name a function is bound to on this process, if any. */
  nameOf(fn: object): string | undefined {
    return this.#nameOf.get(fn);
  }

  /** Binds values (kept as they are: a function keeps its identity and closures). */
  defineValues(values: Record<string, unknown>): void {
    for (const [name, value] of Object.entries(values)) {
      if (!isBindableName(name)) continue;
      this.#values.set(name, value);
      this.#sources.delete(name);
      if ((typeof value === "function" || (typeof value === "object" && value !== null)) && !this.#nameOf.has(value)) {
        this.#nameOf.set(value, name);
      }
    }
    this.#changed();
  }

  /**
   * Defines functions from source expressions. All source-defined functions are compiled
   * together, so they can call each other (and themselves) by name.
   */
  defineSources(sources: Record<string, string>): void {
    for (const name of Object.keys(sources)) {
      if (!isBindableName(name)) {
        throw new TypeError(`Cannot define "${name}" in Main: it is not a plain identifier (or is a reserved word)`);
      }
    }
    const previousSources = new Map(this.#sources);
    const previousValues = new Map(this.#values);
    for (const [name, source] of Object.entries(sources)) this.#sources.set(name, source);
    try {
      this.#changed();
    } catch (err) {
      this.#sources = previousSources;
      this.#values = previousValues;
      this.#changed();
      throw err;
    }
  }

  /**
   * As Julia's `@everywhere f(x) = ...` defines a global in Main, everywhere({ f }) also makes
   * `f` a global, so a script can write `remoteDo(f, p)` after it. A global that Main did not
   * define itself (e.g. `fetch`) is never overwritten: the name then lives in Main only, where
   * shipped code still sees it.
   */
  exposeGlobals(names: Iterable<string>): void {
    const g = globalThis as Record<string, unknown>;
    for (const name of names) {
      if (!this.#values.has(name) || (name in g && !this.#ownGlobals.has(name))) continue;
      g[name] = this.#values.get(name);
      this.#ownGlobals.add(name);
    }
  }

  /** Removes bindings (Julia's clear!), and the globals Main made for them. Returns how many went. */
  undefine(names: readonly string[]): number {
    let removed = 0;
    for (const name of names) {
      const had = this.#values.delete(name);
      if (this.#sources.delete(name) || had) removed++;
      if (this.#ownGlobals.delete(name)) delete (globalThis as Record<string, unknown>)[name];
    }
    if (removed > 0) this.#changed();
    return removed;
  }

  /** Compiles shipped source against Main (cached until Main changes). */
  compile(expression: string, captureNames: readonly string[] = []): Compiled {
    const key = captureNames.length === 0 ? expression : `${captureNames.join(",")}\u0000${expression}`;
    const hit = this.#compiled.get(key);
    if (hit !== undefined) return hit;
    for (const name of captureNames) {
      if (!isBindableName(name)) throw new TypeError(`Cannot capture "${name}": it is not a plain identifier (or is a reserved word)`);
    }
    const { names, values } = this.#scopeParams();
    const captured = new Set(captureNames);
    const params: string[] = [];
    const args: unknown[] = [];
    for (let i = 0; i < names.length; i++) {
      if (!captured.has(names[i]!)) {
        params.push(names[i]!);
        args.push(values[i]);
      }
    }
    let compiled: Compiled;
    if (captureNames.length === 0) {
      compiled = { fn: new Function(...params, `"use strict";\nreturn (${expression}\n);`)(...args) as Function };
    } else {
      const body = `"use strict";\nreturn function (${captureNames.join(", ")}) { return (${expression}\n); };`;
      compiled = { factory: new Function(...params, body)(...args) as (...captured: unknown[]) => Function };
    }
    this.#compiled.set(key, compiled);
    return compiled;
  }

  #scopeParams(): { names: string[]; values: unknown[] } {
    if (this.#params === null) {
      const names: string[] = [];
      const values: unknown[] = [];
      for (const [name, value] of this.#values) {
        names.push(name);
        values.push(value);
      }
      this.#params = { names, values };
    }
    return this.#params;
  }

  #changed(): void {
    this.#compiled.clear();
    this.#params = null;
    if (this.#sources.size === 0) return;
    for (const name of this.#sources.keys()) this.#values.delete(name);
    const { names, values } = this.#scopeParams();
    const defs = [...this.#sources].map(([name, source]) => `const ${name} = (${source}\n);`).join("\n");
    const body = `"use strict";\n${defs}\nreturn { ${[...this.#sources.keys()].join(", ")} };`;
    const result = new Function(...names, body)(...values) as Record<string, unknown>;
    for (const [name, value] of Object.entries(result)) {
      this.#values.set(name, value);
      if (typeof value === "function") this.#nameOf.set(value, name);
      // Recompiled functions replace the globals made for them, so both stay one function.
      if (this.#ownGlobals.has(name)) (globalThis as Record<string, unknown>)[name] = value;
    }
    this.#params = null;
  }
}

/** This process's Main scope. */
export const Main: MainScope = new MainScope();
