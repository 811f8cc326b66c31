/**
 * everywhere: Julia's `@everywhere`, in three forms.
 *
 * - `everywhere(url)`: imports a module on every process (the master too) and puts its exports
 *   in each Main scope; its functions then travel by reference.
 * - `everywhere({ f, g, N })`: defines functions (from their source) and values in Main on
 *   every process; the functions can use each other and everything already in Main.
 * - `everywhere(() => ...)`: runs a function on every process.
 *
 * Each takes `{ procs }` to choose the processes (default: all, master included).
 *
 * @example
 * ```ts
 * import { everywhere, myid } from "distributed";
 * await everywhere(new URL("./pi.ts", import.meta.url));
 * await everywhere({ slowtask: async () => { await new Promise((r) => setTimeout(r, 5000)); return myid(); } });
 * await everywhere(() => console.log(myid()));
 * ```
 * @module
 */
import { RemoteError, toWireError, UndefinedNameError } from "../errors.ts";
import { assertSendable } from "../protocol/sendable.ts";
import { toFileUrl } from "../runtime/files.ts";
import { procs } from "../cluster/queries.ts";
import { state } from "../cluster/state.ts";
import { remotecallFetch } from "./calls.ts";
import { checkFreeNames, type FnSpec, noteRemoteNames, registerSystemFunction, resolveSpec, toSpec } from "../code/function-spec.ts";
import { isBindableName, Main } from "../code/main-scope.ts";
import { loadModule } from "../code/modules.ts";
import { functionExpression } from "../code/source.ts";

/** Options of everywhere. */
export interface EverywhereOptions {
  /** The processes to run on (default: procs(), the master included). */
  procs?: readonly number[];
}

/** How everywhere() reaches this process's thread pool (src/threads/ sits above this floor and registers it). */
type ThreadFanout = (fn: Function, args: unknown[]) => Promise<void>;
let everywhereInThreads: ThreadFanout = async () => {};

/**
 * @internal Called once by the thread pool's module when it loads: from then on, what
 * everywhere() runs on a process also runs (and is replayed) in that process's pool threads.
 */
export function setEverywhereInThreads(fanout: ThreadFanout): void {
  everywhereInThreads = fanout;
}

// On a worker, what everywhere() does reaches that worker's thread pool too.
const loadModuleEverywhere = async (url: string): Promise<null> => {
  await loadModule(url);
  if (state.myid !== 1) await everywhereInThreads(loadModuleEverywhere, [url]);
  return null;
};
registerSystemFunction("loadModule", loadModuleEverywhere);

const defineMain = async (
  sources: Record<string, string>,
  values: Record<string, unknown>,
  specs: Record<string, FnSpec>,
): Promise<null> => {
  const resolved: Record<string, unknown> = { ...values };
  for (const [name, spec] of Object.entries(specs)) resolved[name] = await resolveSpec(spec);
  Main.defineValues(resolved);
  Main.defineSources(sources);
  Main.exposeGlobals([...Object.keys(resolved), ...Object.keys(sources)]);
  if (state.myid !== 1) await everywhereInThreads(defineMain, [sources, values, specs]);
  return null;
};
registerSystemFunction("defineMain", defineMain);

const runEverywhere = async (fn: () => unknown): Promise<unknown> => {
  const value = await fn();
  if (state.myid !== 1) await everywhereInThreads(fn, []);
  return value;
};
registerSystemFunction("runEverywhere", runEverywhere);

/**
 * Runs on every process (see the module doc for the three forms).
 *
 * @example
 * ```ts
 * import { addprocs, everywhere, myid, remotecallFetch, rmprocs } from "distributed";
 * const pids = await addprocs(2);
 * const greet = (name: string): string => `hello ${name} from ${myid()}`;
 * await everywhere({ greet, greeting: "hello" });        // defined in Main on 1, 2 and 3
 * await remotecallFetch(() => greet("you"), pids[1]);    // "hello you from 3": the worker's own greet
 * await everywhere(() => console.log(myid()), { procs: pids }); // prints on 2 and 3 only
 * await rmprocs(pids);
 * ```
 */
export async function everywhere(
  what: string | URL | ((...args: never[]) => unknown) | Record<string, unknown>,
  options: EverywhereOptions = {},
): Promise<void> {
  const targets = options.procs ?? procs();
  if (!Array.isArray(targets) || targets.some((p) => !Number.isInteger(p) || p < 1)) {
    throw new TypeError(`everywhere: option procs must be an array of pids, got ${JSON.stringify(options.procs)}`);
  }
  let local: () => unknown;
  let remote: (pid: number) => Promise<unknown>;
  // This process's thread pool gets the same, now if it runs and whenever its threads start.
  let inThreads: () => Promise<void>;
  if (typeof what === "string" || what instanceof URL) {
    const url = toFileUrl(what);
    local = () => loadModule(url);
    remote = (pid) => remotecallFetch(loadModuleEverywhere, pid, url);
    inThreads = () => everywhereInThreads(loadModuleEverywhere, [url]);
  } else if (typeof what === "function") {
    toSpec(what, "everywhere");
    local = () => (what as () => unknown)();
    remote = (pid) => remotecallFetch(runEverywhere, pid, what as () => unknown);
    inThreads = () => everywhereInThreads(what as () => unknown, []);
  } else if (typeof what === "object" && what !== null) {
    const batch = prepareDefinitions(what);
    local = () => {
      Main.defineValues(what);
      Main.exposeGlobals(Object.keys(what));
    };
    remote = (pid) => remotecallFetch(defineMain, pid, batch.sources, batch.values, batch.specs);
    inThreads = () => everywhereInThreads(defineMain, [batch.sources, batch.values, batch.specs]);
    noteRemoteNames(Object.keys(what));
  } else {
    throw new TypeError(
      `everywhere expects a module URL or path, an object of definitions, or a function; got ${what === null ? "null" : typeof what}`,
    );
  }
  const runs = targets.map((pid) =>
    pid === state.myid
      ? Promise.resolve()
        .then(local)
        .then(inThreads)
        .catch((err: unknown) => {
          throw new RemoteError(state.myid, toWireError(err, state.myid));
        })
      : remote(pid)
  );
  const results = await Promise.allSettled(runs);
  const failures = results.flatMap((r) => (r.status === "rejected" ? [r.reason as Error] : []));
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) {
    throw new AggregateError(
      failures,
      `everywhere failed on ${failures.length} of ${targets.length} processes:\n${
        failures.map((f) => `  ${f.message.split("\n").join(" ")}`).join("\n")
      }`,
    );
  }
}

function prepareDefinitions(
  defs: Record<string, unknown>,
): { sources: Record<string, string>; values: Record<string, unknown>; specs: Record<string, FnSpec> } {
  const names = Object.keys(defs);
  const sources: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const specs: Record<string, FnSpec> = {};
  for (const name of names) {
    if (!isBindableName(name)) {
      throw new TypeError(`everywhere: "${name}" cannot be defined in Main: it is not a plain identifier (or is a reserved word)`);
    }
    const value = defs[name];
    if (typeof value === "function") {
      const spec = toSpecOrSource(value, name, names);
      if (typeof spec === "string") sources[name] = spec;
      else specs[name] = spec;
    } else {
      assertSendable(value, `everywhere: ${name}`);
      values[name] = value;
    }
  }
  return { sources, values, specs };
}

function toSpecOrSource(fn: Function, name: string, batchNames: readonly string[]): FnSpec | string {
  const where = `everywhere: ${name}`;
  const mainName = Main.nameOf(fn);
  if (mainName !== undefined && mainName !== name) return toSpec(fn, where);
  try {
    const spec = toSpec(fn, where);
    if (spec[0] !== "s") return spec;
  } catch (err) {
    // It may use names defined by this same call: checked again below, with those allowed.
    if (!(err instanceof UndefinedNameError)) throw err;
  }
  const expression = functionExpression(fn, where);
  checkFreeNames(expression, where, batchNames);
  return expression;
}
