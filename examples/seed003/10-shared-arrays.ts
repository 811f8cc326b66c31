/**
 * Seed 003, "Shared Arrays": the parts that examples/threads/ do not already show.
 * (examples/threads/shared-loop.ts has the constructor with `init` and `localindices`,
 * `S[3,2] = 7`, the `indexpids` split and `@distributed for` into a SharedArray;
 * examples/threads/advection.ts has the advection kernel with `myrange`, serial, `@distributed`
 * and chunked versions.)
 *
 * 1. Participants: `procs(S)` is `S.pids` (this process and the workers here).
 * 2. The conflict the manual warns about: `@sync for p in procs(S) @async remotecall_wait(fill!,
 *    p, S, p) end` has every participant fill the *whole* array with its pid at the same time;
 *    which pid an element ends with is undefined, only that it is one of them.
 * 3. `sdata(S)`: the plain typed array behind S, for code that insists on an ordinary array.
 *
 * The workers are thread workers (`addprocs(n, { manager: "threads" })`), which share this
 * process's memory, or with the argument `processes` worker processes on this host
 * (`addprocs(2)`, as in the seed), which map it from /dev/shm, on every runtime.
 *
 * Usage: node dist/examples/seed003/10-shared-arrays.js [threads|processes]
 *        (bun and deno run examples/seed003/10-shared-arrays.ts directly)
 *
 * @example
 * ```sh
 * node dist/examples/seed003/10-shared-arrays.js
 * bun examples/seed003/10-shared-arrays.ts processes
 * ```
 * @module
 */
import { addprocs, remotecallWait, rmprocs, sdata, SharedArray } from "distributed";

const kind = process.argv[2] ?? "threads";
if (!["threads", "processes"].includes(kind)) {
  console.error("usage: 10-shared-arrays [threads|processes, default threads]");
  process.exit(2);
}
const pids = await addprocs(2, kind === "threads" ? { manager: "threads" } : {});
// S = SharedArray{Int,2}((3,4))
const S = new SharedArray(Int32Array, [3, 4]);
console.log(`S = SharedArray{Int32}((3,4)); procs(S) = [${S.pids.join(", ")}]`);

// @sync for p in procs(S) @async remotecall_wait(fill!, p, S, p) end
const fill = (S: SharedArray<Int32ArrayConstructor>, v: number): void => {
  for (let k = 0; k < S.length; k++) S.data[k] = v;
};
await Promise.all(S.pids.map((p) => remotecallWait(fill, p, S, p)));
console.log(
  `after every participant ran fill!(S, myid()): each element is one of [${S.pids.join(", ")}]: ${S.data.every((v) => S.pids.includes(v))}`,
);

// sdata(S): the ordinary array underneath, shared: writing through it is writing to S.
const plain = sdata(S);
plain.fill(0);
plain[S.length - 1] = 42;
console.log(
  `sdata(S) is an ${plain.constructor.name} of ${plain.length}; after writing through it, S[3,4] = ${S.get(2, 3)}, sum(S) = ${
    plain.reduce((s, v) => s + v, 0)
  }`,
);

await rmprocs(pids);
