/**
 * Seed 003, "MPI.jl": every rank takes its rank, and rank 0 prints the ranks' sum. The same
 * file, unchanged, under every launcher:
 *
 *     npx distributed spmd -n 4 examples/seed003/rank-sum.ts     # this machine, like mpiexec
 *     mpirun -np 4 bun examples/seed003/rank-sum.ts              # Open MPI
 *     srun -n 4 deno run -A examples/seed003/rank-sum.ts         # a Slurm allocation
 *
 * Julia:
 *
 *     MPI.Init()
 *     comm = MPI.COMM_WORLD
 *     MPI.Barrier(comm)
 *     root = 0
 *     r = MPI.Comm_rank(comm)
 *     sr = MPI.Reduce(r, MPI.SUM, root, comm)
 *     if (MPI.Comm_rank(comm) == root) @printf("sum of ranks: %s\n", sr) end
 *     MPI.Finalize()
 *
 * Run alone (no launcher) it is one rank: "sum of ranks: 0".
 */
import { spmdInit } from "distributed";

const comm = await spmdInit();
await comm.barrier();
const root = 0;
const r = comm.rank;
const sr = await comm.reduce(r, "+", root);
if (comm.rank === root) console.log(`sum of ranks: ${sr}`);
await comm.finalize();
