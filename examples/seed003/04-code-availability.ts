/**
 * Seed 003, "Code Availability and Loading Packages" and "Starting and managing worker
 * processes": code must exist on the process that runs it.
 *
 * 1. `rand2` is defined here only. Julia's `fetch(@spawn rand2(2,2))` fails on the worker with
 *    `UndefVarError`; here the closure `() => rand2(2, 2)` is refused at the call site, before
 *    anything is sent, with an `UndefinedNameError` naming `rand2` and the fixes. Then the
 *    fixes: pass the function itself (it travels as source), or define it everywhere
 *    (`@everywhere function rand2 ... end` is `everywhere({ rand2 })`).
 * 2. `addprocs`, `procs`, `workers`, `nprocs`, `nworkers`.
 * 3. `@everywhere include("DummyModule.jl")` is `everywhere(url)`: dummy-module.ts is imported
 *    on every process, each printing "loaded" (a worker's output arrives as
 *    "From worker N:\tloaded", in whatever order the processes get there). Its exports are
 *    then in every process's Main scope (Julia would still need `using .DummyModule`), its
 *    functions travel by reference, and `MyType` values travel in both directions, including
 *    `put!(RemoteChannel(2), MyType(7))`.
 * 4. `@everywhere procs expr`: code run on some processes only (`{ procs }`).
 *
 * Julia's `julia -p 2 -L file1.jl driver.jl` (preloading a file on every process) is
 * `everywhere(url)` right after `addprocs`, as here.
 *
 * Usage: node dist/examples/seed003/04-code-availability.js
 *        (bun and deno run examples/seed003/04-code-availability.ts directly)
 *
 * @example
 * ```sh
 * node dist/examples/seed003/04-code-availability.js
 * deno run -A examples/seed003/04-code-availability.ts
 * ```
 * @module
 */
import {
  addprocs,
  Channel,
  everywhere,
  fetchfrom,
  myid,
  nprocs,
  nworkers,
  procs,
  remotecallFetch,
  RemoteChannel,
  rmprocs,
  spawnat,
  workers,
} from "distributed";
import type { MyType as MyTypeClass } from "./dummy-module.ts";

// A name that everywhere() defines in Main at run time, declared for the type checker.
declare function rand2(rows: number, cols: number): number[];

// 2. addprocs(2)
const pids = await addprocs(2);
console.log(
  `addprocs(2) = [${pids.join(", ")}]; procs() = [${procs().join(", ")}], workers() = [${
    workers().join(", ")
  }], nprocs() = ${nprocs()}, nworkers() = ${nworkers()}`,
);
const [w2, w3] = pids as [number, number];

// 1. function rand2(dims...) return 2*rand(dims...) end
const localRand2 = (rows: number, cols: number): number[] => Array.from({ length: rows * cols }, () => 2 * Math.random());
console.log(`rand2(2,2) here: ${localRand2(2, 2).length} numbers in [0, 2): ${localRand2(2, 2).every((x) => x >= 0 && x < 2)}`);
try {
  // fetch(@spawn rand2(2,2)): the closure uses a name the workers do not have.
  await spawnat("any", () => rand2(2, 2)).fetch();
} catch (err) {
  console.log(`fetch(@spawn rand2(2,2)): ${(err as Error).name}, names: ${(err as { names: string[] }).names.join(", ")}`);
  console.log(`  ${(err as Error).message}`);
}
// Fix 1: ship the function itself (as source, compiled on the worker).
const shipped = await spawnat("any", localRand2, 2, 2).fetch();
console.log(`@spawn with the function itself: ${shipped.length} numbers in [0, 2): ${shipped.every((x) => x >= 0 && x < 2)}`);
// Fix 2: @everywhere function rand2(dims...) ... end
await everywhere({ rand2: localRand2 });
const defined = await spawnat("any", () => rand2(2, 2)).fetch();
console.log(
  `after everywhere({ rand2 }): fetch(@spawn rand2(2,2)) gives ${defined.length} numbers in [0, 2): ${
    defined.every((x) => x >= 0 && x < 2)
  }`,
);

// 3. @everywhere include("DummyModule.jl")
console.log('@everywhere include("DummyModule.jl"): everywhere(dummy-module)');
// dummy-module.ts when run from source (bun, deno), dummy-module.js when built.
const dummyModule = new URL(`./dummy-module.${import.meta.url.endsWith(".ts") ? "ts" : "js"}`, import.meta.url);
await everywhere(dummyModule);
// The workers printed "loaded" before answering; one more round trip to each lets their
// output (a separate pipe) be forwarded before this process prints on.
await Promise.all(workers().map((p) => remotecallFetch(() => null, p)));
// using .DummyModule: the module is loaded already (no second "loaded"); this brings its
// exports into this script's scope. On the workers they are in Main, where shipped code sees them.
const { MyType, f } = (await import(dummyModule.href)) as typeof import("./dummy-module.ts");
console.log(`MyType(7) here: ${new MyType(7)}`);
const remote = await fetchfrom(w2, () => new MyType(7));
console.log(`fetch(@spawnat ${w2} MyType(7)): ${remote}, a MyType here too: ${remote instanceof MyType}`);
console.log(`remotecall_fetch(f, ${w3}, 3) = ${await remotecallFetch(f, w3, 3)} (f travels as a reference to the module's export)`);
const onTwo = new RemoteChannel<MyTypeClass>(() => new Channel(1), w2);
await onTwo.put(new MyType(7));
console.log(
  `put!(RemoteChannel(${w2}), MyType(7)); a worker reads it there: ${await remotecallFetch(
    async (ch: RemoteChannel<MyTypeClass>) => String(await ch.fetch()),
    w2,
    onTwo,
  )}`,
);

// 4. @everywhere [2] expr: only on the processes named.
await everywhere(() => {
  (globalThis as { onlyHere?: number }).onlyHere = myid();
}, { procs: [w3] });
const seen = await Promise.all(procs().map((p) => remotecallFetch(() => (globalThis as { onlyHere?: number }).onlyHere ?? null, p)));
console.log(
  `everywhere(fn, { procs: [${w3}] }): set on [${procs().filter((_, k) => seen[k] !== null).join(", ")}] of [${procs().join(", ")}]`,
);

await rmprocs(pids);
