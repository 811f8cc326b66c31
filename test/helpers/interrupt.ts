// What interrupt() promises on every manager and runtime, checked the same way for local, SSH
// and Slurm workers: the worker's SIGINT listeners run (as after a Ctrl-C), the async calls
// running there fail with InterruptError, and the worker survives and answers.
//   await listenForSigint(p);        // before: the worker counts the SIGINTs its listeners see
//   await checkInterrupt(t, p, "deno");
import type tap from "tap";
import { interrupt, remotecallFetch, RemoteError, type RuntimeName } from "../../src/mod.ts";

/** The part of a tap test this helper uses. */
type TestLike = Pick<typeof tap, "type" | "equal" | "same" | "ok">;

/** What the worker's listeners have seen: SIGINTs through process.on and (Deno) Deno.addSignalListener. */
export interface SigintCounts {
  process: number;
  deno: number | null;
}

/**
 * Makes worker `pid` count the SIGINTs its listeners see, the way user code listens: with
 * process.on, and under Deno with Deno.addSignalListener as well.
 */
export function listenForSigint(pid: number): Promise<unknown> {
  return remotecallFetch(() => {
    const counts = { process: 0, deno: null as number | null };
    const waiters: Array<() => void> = [];
    (globalThis as { sigintSeen?: unknown }).sigintSeen = { counts, waiters };
    process.on("SIGINT", () => {
      counts.process++;
      for (const wake of waiters.splice(0)) wake();
    });
    const deno = (globalThis as { Deno?: { addSignalListener(s: string, f: () => void): void } }).Deno;
    if (deno !== undefined) {
      counts.deno = 0;
      deno.addSignalListener("SIGINT", () => void counts.deno!++);
    }
    return null;
  }, pid);
}

/** The counts so far, without waiting. */
export function sigintCounts(pid: number): Promise<SigintCounts> {
  return remotecallFetch(() => (globalThis as { sigintSeen?: { counts: SigintCounts } }).sigintSeen!.counts, pid) as Promise<SigintCounts>;
}

/** The counts once process.on's listener has seen `n` SIGINTs (the worker waits, up to `ms`). */
export function sigintCountsAfter(pid: number, n: number, ms = 20_000): Promise<SigintCounts> {
  return remotecallFetch(
    async (n: number, ms: number) => {
      const seen = (globalThis as { sigintSeen?: { counts: SigintCounts; waiters: Array<() => void> } }).sigintSeen!;
      const deadline = Date.now() + ms;
      while (seen.counts.process < n) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const woken = await Promise.race([
          new Promise<boolean>((r) => seen.waiters.push(() => r(true))),
          new Promise<boolean>((r) => (timer = setTimeout(() => r(false), Math.max(0, deadline - Date.now())))),
        ]);
        clearTimeout(timer);
        if (!woken) throw new Error(`the SIGINT listener saw ${seen.counts.process} SIGINTs within ${ms} ms, not ${n}`);
      }
      // Deno runs its signal listeners one after the other: let the rest of them run too.
      await new Promise((r) => setTimeout(r, 0));
      return seen.counts;
    },
    pid,
    n,
    ms,
  ) as Promise<SigintCounts>;
}

/**
 * Interrupts worker `pid` (which ran listenForSigint) during a slow async call and checks the
 * outcome: InterruptError for the call, within `promptMs`; each listener ran once more; the
 * worker answers afterwards.
 */
export async function checkInterrupt(t: TestLike, pid: number, runtime: RuntimeName, promptMs = 10_000): Promise<void> {
  const before = await sigintCounts(pid);
  const running = remotecallFetch(() => new Promise((r) => setTimeout(() => r("finished"), 60_000)), pid);
  await remotecallFetch(() => 1, pid); // the slow call is running there now
  const started = Date.now();
  interrupt(pid);
  const err = await running.catch((e: unknown) => e);
  const ms = Date.now() - started;
  t.type(err, RemoteError, `the running call fails (${String((err as Error).message ?? err)})`);
  t.equal((err as RemoteError).remote?.name, "InterruptError", "with InterruptError");
  t.ok(ms < promptMs, `promptly (${ms} ms)`);
  const counts = await sigintCountsAfter(pid, before.process + 1);
  t.same(
    counts,
    { process: before.process + 1, deno: runtime === "deno" ? before.deno! + 1 : null },
    "the worker's SIGINT listeners ran, once each",
  );
  t.equal(await remotecallFetch(() => "still serving", pid), "still serving", "the worker survives and answers");
}
