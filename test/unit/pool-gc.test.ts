// WorkerPools the program drops are collected: the cluster's "worker removed" listener holds
// them weakly (pmap makes a pool per call when given an array of pids).
import t from "tap";
import { WorkerPool } from "../../src/remote/worker-pool.ts";

t.test("100,000 dropped pools leave the heap as it was", async (t) => {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error("run the tests with --expose-gc");
  const settle = async (): Promise<number> => {
    // Finalization callbacks run in a task after the collection that found their targets.
    for (let i = 0; i < 3; i++) {
      gc();
      await new Promise((r) => setImmediate(r));
    }
    return process.memoryUsage().heapUsed;
  };
  const before = await settle();
  for (let i = 0; i < 100_000; i++) new WorkerPool([2, 3]);
  const growth = (await settle()) - before;
  t.ok(growth < 8e6, `heap grew by ${(growth / 1e6).toFixed(1)} MB (about 70 MB when every pool was kept)`);
});
