/**
 * Seed 001's `UndefVarError: #complicated_calculation not defined`, and what happens here.
 *
 * In Julia, `@fetch complicated_calculation()` fails *on the worker*, with a RemoteException
 * and a long stack trace, because the function (and the `Random` package it uses) exist only
 * on the master. Here a function travels as its source, so the function itself always
 * arrives; what can be missing is a name it uses: `randexp`, imported on the master from
 * ./random.ts (our stand-in for `using Random`). The master checks the names before sending,
 * so the call fails *at the call site*, synchronously, with an `UndefinedNameError` that
 * names `randexp` and the three fixes, and nothing reaches a worker.
 *
 * The fix is the notebook's: `@everywhere begin using Random; function complicated_calculation() ... end end`
 * is `everywhere(url of random.ts)` (the module on every process: its exports travel by
 * reference) plus `everywhere({ complicatedCalculation })` (the function defined in Main on
 * every process).
 *
 * The check trusts what the master knows: a name that is a global of the master only
 * (`globalThis.seedValue = 42` here) passes it and fails on the worker, where it arrives as a
 * `RemoteError` ("On worker N:"), the form Julia's RemoteException takes here.
 *
 * Usage: node dist/examples/seed001/03-code-availability.js   (bun and deno run the .ts directly)
 *
 * @example
 * ```sh
 * deno run -A examples/seed001/03-code-availability.ts
 * ```
 * @module
 */
import { addprocs, everywhere, myid, RemoteError, rmprocs, spawnat, UndefinedNameError, workers } from "distributed";
import { randexp } from "./random.ts";

declare global {
  // A global of this process only (see the end).
  var seedValue: number | undefined;
}

const pids = await addprocs(2);

// using Random
// function complicated_calculation()
//     sleep(1) # so complex that it takes a long time :)
//     randexp(5)
// end
async function complicatedCalculation(): Promise<number[]> {
  await new Promise((resolve) => setTimeout(resolve, 100)); // so complex that it takes a long time :)
  return randexp(5);
}
console.log(`here, on the master: complicatedCalculation() gives ${(await complicatedCalculation()).length} numbers`);

// @fetch complicated_calculation()
try {
  await spawnat("any", complicatedCalculation).fetch();
  console.log("no error?");
} catch (err) {
  console.log(
    `@fetch complicated_calculation() throws at the call site: ${err instanceof UndefinedNameError ? "UndefinedNameError" : String(err)}`,
  );
  console.log(`  names: ${(err as UndefinedNameError).names.join(", ")}`);
  console.log(`  message: ${(err as Error).message}`);
}

// @everywhere begin
//     using Random
//     function complicated_calculation() ... end
// end
await everywhere(new URL(`./random.${import.meta.url.endsWith(".ts") ? "ts" : "js"}`, import.meta.url));
await everywhere({ complicatedCalculation });

// @fetch complicated_calculation()
const values = await spawnat("any", complicatedCalculation).fetch();
console.log(
  `after everywhere: @fetch complicated_calculation() = ${values.length} numbers from a worker, all positive: ${
    values.every((x) => x > 0)
  }`,
);
for (const p of workers()) {
  const [n, where] = await spawnat(p, async () => [(await complicatedCalculation()).length, myid()]).fetch();
  console.log(`  on worker ${where}: ${n} numbers`);
}

// A global of the master only passes the check, and fails on the worker: a RemoteError.
globalThis.seedValue = 42;
try {
  await spawnat(pids[0]!, () => seedValue! + 1).fetch();
} catch (err) {
  console.log(
    `a master-only global: ${err instanceof RemoteError ? "RemoteError" : String(err)}: ${JSON.stringify((err as Error).message)}`,
  );
}

await rmprocs(pids);
