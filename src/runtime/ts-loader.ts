/**
 * TypeScript on Node: which tsx this process loads .ts modules through, and how a thread it
 * starts gets the same. Bun and Deno load .ts themselves, in every thread; Node loads it through
 * tsx's hooks, which Node 20 keeps per thread, and which tsx's own `--import` registers on the
 * main thread only. So a thread that is to load what this process can must register tsx itself,
 * and must find it where this process found it: in the user's project (`tsx script.ts`,
 * `node --import tsx`), not next to this package, which may not have it.
 *
 * @example
 * ```ts
 * const script = threadBootstrap(new URL("./thread-main.js", import.meta.url));
 * // undefined: start the thread on the URL itself; else: start it on this eval script
 * ```
 * @module
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { DistributedError } from "../errors.ts";
import { currentRuntime } from "./detect.ts";

/** tsx's ESM API module this process registered itself (importScript), if any. */
let registered: string | undefined;
let fromFlags: string | null | undefined;

/**
 * Registers tsx in this thread (for `distributed run script.ts` on Node), found from this
 * package, and remembers it for the threads started later.
 */
export async function registerTsx(script: string): Promise<void> {
  let api: string;
  try {
    api = import.meta.resolve("tsx/esm/api");
  } catch {
    throw new DistributedError(
      "ERR_TSX_NOT_INSTALLED",
      `Node runs a TypeScript script (${script}) only through tsx, which is not installed: npm install tsx, or run the CLI with bun or deno`,
    );
  }
  const tsx = (await import(api)) as { register: () => unknown };
  tsx.register();
  registered = api;
}

/**
 * The URL of tsx's ESM API that this process loads TypeScript through: the one it registered
 * itself, else the one its Node flags load (`--import tsx`, tsx's CLI, NODE_OPTIONS).
 */
export function processTsxApi(): string | undefined {
  if (registered !== undefined) return registered;
  if (fromFlags === undefined) {
    const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/).filter((f) => f !== "")];
    fromFlags = null;
    for (const value of loaderValues(flags)) {
      const api = tsxApiOf(value);
      if (api !== undefined) {
        fromFlags = api;
        break;
      }
    }
  }
  return fromFlags ?? undefined;
}

/**
 * How to start a Node thread on `url` so that it loads what this process can: undefined when
 * the URL itself will do, else an eval script that registers tsx first. A .ts entry (this
 * package run from source) needs tsx even when no flag names it: it is then found from here.
 */
export function threadBootstrap(url: URL): string | undefined {
  if (currentRuntime() !== "node") return undefined;
  let api = processTsxApi();
  if (api === undefined && url.pathname.endsWith(".ts")) {
    try {
      api = import.meta.resolve("tsx/esm/api");
    } catch {
      throw new DistributedError(
        "ERR_TSX_NOT_INSTALLED",
        `Cannot start a thread on ${url.pathname}: Node runs .ts files only through tsx, which is not installed here (npm install tsx), or use the built package (dist/)`,
      );
    }
  }
  if (api === undefined) return undefined;
  return `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); });`;
}

/** The values of the flags that load modules before the script (--import, --loader, --require). */
function loaderValues(flags: readonly string[]): string[] {
  const out: string[] = [];
  const named = /^(--import|--loader|--experimental-loader|--require|-r)(?:=(.*))?$/;
  for (let i = 0; i < flags.length; i++) {
    const m = named.exec(flags[i]!);
    if (m === null) continue;
    if (m[2] !== undefined) out.push(m[2]);
    else if (i + 1 < flags.length) out.push(flags[++i]!);
  }
  return out;
}

/** tsx's ESM API, if `value` (a flag's module: "tsx", "tsx/esm", a file in a tsx package) is tsx's. */
function tsxApiOf(value: string): string | undefined {
  let root: string;
  try {
    if (value === "tsx" || value.startsWith("tsx/")) {
      // Node resolves a bare --import from the working directory.
      root = path.dirname(createRequire(path.join(process.cwd(), "noop.js")).resolve("tsx/package.json"));
    } else {
      const file = value.startsWith("file:") ? fileURLToPath(value) : path.resolve(value);
      const at = file.lastIndexOf(`${path.sep}node_modules${path.sep}tsx${path.sep}`);
      if (at < 0) return undefined;
      root = file.slice(0, at + `${path.sep}node_modules${path.sep}tsx`.length);
    }
    const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { name?: string; exports?: Record<string, unknown> };
    if (pkg.name !== "tsx") return undefined;
    const target = importTarget(pkg.exports?.["./esm/api"]);
    return target === undefined ? undefined : pathToFileURL(path.join(root, target)).href;
  } catch {
    // Not resolvable from here (a flag naming another package, a moved install): no tsx to pass on.
    return undefined;
  }
}

/** The file an export map entry gives an `import`. */
function importTarget(entry: unknown): string | undefined {
  if (typeof entry === "string") return entry;
  if (entry === null || typeof entry !== "object") return undefined;
  const e = entry as Record<string, unknown>;
  return importTarget(e.import ?? e.default);
}
