/**
 * One rank of the SPMD bench (bench/spmd.ts starts 4 of them with `distributed spmd -n 4`):
 * barrier, allreduce of one Float64 (8 bytes: latency) and of 1 Mi Float64 (8 MiB: bandwidth),
 * each timed over many iterations after a warm-up, the iterations separated by nothing (as
 * the mpi4py peer does). Rank 0 prints one JSON line: microseconds per operation, medians of
 * `rounds` samples.
 *
 * @module
 */
import { spmdInit } from "../src/mod.ts";
import { median, now } from "./stats.ts";

const ROUNDS = Number(process.argv[2] ?? 5);
const comm = await spmdInit();

async function timeIt(iterations: number, op: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < Math.max(3, iterations / 10); i++) await op(); // warm-up: links up, code hot
  const samples: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    await comm.barrier();
    const t0 = now();
    for (let i = 0; i < iterations; i++) await op();
    samples.push(((now() - t0) * 1000) / iterations);
  }
  // Every rank's samples end at a different moment: the slowest rank's figure is the operation's.
  return (await comm.allreduce(median(samples), "max"))!;
}

const small = new Float64Array([comm.rank]);
const large = new Float64Array(1 << 20).fill(comm.rank);
const barrierUs = await timeIt(500, () => comm.barrier());
const smallUs = await timeIt(500, () => comm.allreduce(small, "+"));
const largeUs = await timeIt(10, () => comm.allreduce(large, "+"));
// The result must be right: 0 + 1 + 2 + 3 in every element.
const check = await comm.allreduce(large, "+");
const expected = (comm.size * (comm.size - 1)) / 2;
if (!check.every((x) => x === expected)) throw new Error("allreduce of 8 MiB gave a wrong result");
if (comm.rank === 0) console.log(`SPMD-RESULT ${JSON.stringify({ size: comm.size, barrierUs, smallUs, largeUs })}`);
await comm.finalize();
