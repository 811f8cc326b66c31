/**
 * Soak workload: pmap, over and over, with retries and on_error handling while workers die.
 *
 * Each round maps `work` over a batch of item ids on all workers. `work` fails for every
 * 13th id (a bad item: `onError`, run on the worker, turns it into `-id`) and, at random, 5% of
 * the time (a transient failure: `onError` rethrows it, so pmap retries the item after
 * `retryDelays`, as Julia's pmap does with on_error and retry_delays). A worker killed mid-call
 * has its unfinished items run by the others (pmap's requeue). Every result is checked against
 * the value its id must give. Every other round passes the current workers as `pool`, the
 * others use the default pool. When a whole pmap fails (every worker it started with died, or
 * an item ran out of retries) the round's items are resubmitted in the next round.
 *
 * @example
 * ```ts
 * const ledger = new Ledger("pmap");
 * await pmapRound(ledger, true);
 * ```
 * @module
 */
import { pmap, workers } from "../src/mod.ts";
import { isDeath, type Ledger } from "./soak-ledger.ts";

const ITEMS_PER_ROUND = 400;
/** Ten retries: an item fails for good with probability 0.05^11. */
const RETRY_DELAYS = [0, 1, 2, 5, 10, 20, 50, 100, 200, 400];

/** An item's work on a worker: a little CPU, a bad item now and then, transient failures. */
function work(id: number): number {
  if (id % 13 === 0) throw new Error(`bad item ${id}`);
  if (Math.random() < 0.05) throw new Error(`transient failure on item ${id}`);
  const until = performance.now() + 0.1 + (id % 3) * 0.1;
  while (performance.now() < until);
  return id * 2 + 1;
}

/** on_error: a bad item's result is -id; a transient failure goes back to pmap to retry. */
function onError(err: unknown, id: number): number {
  if (/transient/.test((err as Error).message)) throw err;
  return -id;
}

/** What item `id` must give. */
function expected(id: number): number {
  return id % 13 === 0 ? -id : id * 2 + 1;
}

/** One pmap over the items to resubmit and (when `fresh`) new ones. Resolves when it is over. */
export async function pmapRound(ledger: Ledger, fresh: boolean): Promise<void> {
  const ids = ledger.next(ITEMS_PER_ROUND, fresh);
  if (ids.length === 0) return;
  ledger.note("pmaps");
  // Every other round names its workers (pmap makes a pool of them), the others use the default pool.
  const pool = ledger.noted("pmaps") % 2 === 0 ? { pool: workers() } : {};
  let results: number[];
  try {
    results = await pmap(work, ids, {
      ...pool,
      onError,
      retryDelays: RETRY_DELAYS,
      retryCheck: (_attempt, err) => {
        ledger.note("retries");
        return /transient/.test(err.message);
      },
    });
  } catch (err) {
    // The whole map failed: nothing of it was recorded, so every item is attempted again.
    if (isDeath(err)) ledger.note("pmaps failed: every worker gone");
    else if (/transient/.test((err as Error).message)) ledger.note("pmaps failed: retries exhausted");
    else ledger.unexpected(err);
    for (const id of ids) ledger.resubmit(id);
    return;
  }
  if (results.length !== ids.length) ledger.wrong(`pmap returned ${results.length} results for ${ids.length} items`);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (!(i in results)) {
      // A hole: pmap resolved without this item's result.
      ledger.wrong(`pmap left item ${id} without a result`);
      ledger.resubmit(id);
    } else if (results[i] !== expected(id)) {
      ledger.wrong(`item ${id} gave ${String(results[i])}, expected ${expected(id)}`);
      ledger.resubmit(id);
    } else {
      ledger.done(id);
    }
  }
}
