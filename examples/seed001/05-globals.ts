/**
 * Seed 001, "Avoid globals (once more)". In Julia, `@fetchfrom 6 myglobal+2` silently copies
 * the master's global `myglobal` to worker 6, where it stays as a global after the call
 * (`whohas("myglobal")` then finds it there): memory that accumulates unseen.
 *
 * Here nothing travels implicitly. A shipped function that uses a variable of the master is
 * refused at the call site (UndefinedNameError), and the value goes the way you choose:
 *
 * - as an argument, or with `capture({ myglobal }, fn)`: a copy for that call only, gone after
 *   it (nothing stays on the worker);
 * - with `everywhere({ myglobal }, { procs })`: a global in the worker's Main, which stays, as
 *   in Julia, until `clear(["myglobal"], pids)` (Julia's `clear!`) removes it.
 *
 * `whohas(name)` asks every worker whether its Main has the name (names defined with
 * everywhere are also globals of the worker, as in Julia).
 *
 * Usage: node dist/examples/seed001/05-globals.js   (bun and deno run the .ts directly)
 *
 * @example
 * ```sh
 * bun examples/seed001/05-globals.ts
 * ```
 * @module
 */
import { addprocs, capture, clear, everywhere, fetchfrom, rmprocs, UndefinedNameError, workers } from "distributed";

const pids = await addprocs(2);
const w = pids[0]!;

// myglobal = 4
const myglobal = 4;

/** Julia's whohas(s): which workers have `s` in Main. */
async function whohas(s: string): Promise<void> {
  const found = await Promise.all(workers().map((p) => fetchfrom(p, capture({ s }, () => s in globalThis))));
  console.log(`whohas("${s}"): ${workers().map((p, k) => `worker ${p}: ${found[k] ? `${s} exists.` : "Doesn't exist."}`).join("  ")}`);
}

await whohas("myglobal");

// @fetchfrom 2 myglobal+2
try {
  await fetchfrom(w, () => myglobal + 2);
} catch (err) {
  console.log(
    `fetchfrom(${w}, () => myglobal + 2) is refused: ${
      err instanceof UndefinedNameError ? `UndefinedNameError naming ${err.names.join(", ")}` : String(err)
    }`,
  );
}

// The value for one call: an argument, or capture.
console.log(`fetchfrom(${w}, (x) => x + 2, myglobal) = ${await fetchfrom(w, (x: number) => x + 2, myglobal)}`);
console.log(
  `fetchfrom(${w}, capture({ myglobal }, () => myglobal + 2)) = ${await fetchfrom(w, capture({ myglobal }, () => myglobal + 2))}`,
);
await whohas("myglobal");

// Julia's behaviour, asked for: a global on worker w that stays after the call.
await everywhere({ myglobal }, { procs: [w] });
console.log(
  `after everywhere({ myglobal }, { procs: [${w}] }): fetchfrom(${w}, () => myglobal + 2) = ${await fetchfrom(w, () => myglobal + 2)}`,
);
await whohas("myglobal");

// clear!(:myglobal, [w])
await clear(["myglobal"], [w]);
console.log(`after clear(["myglobal"], [${w}]):`);
await whohas("myglobal");

await rmprocs(pids);
