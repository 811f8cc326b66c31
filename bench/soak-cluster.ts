/**
 * The soak's cluster: starts the workers, keeps their count up while the killer SIGKILLs them
 * (a random worker, by the OS pid its join reported, then `addprocs(1)` for a replacement of
 * the next runtime in turn), remembers every OS pid it ever started, and counts the workers
 * that died without being killed. At the end it removes the workers and counts the OS
 * processes still alive (read from /proc: a zombie is not alive).
 *
 * @example
 * ```ts
 * const cluster = new SoakCluster(["node", "bun"], 4);
 * await cluster.start();
 * const killer = cluster.startKiller([500, 1500]);
 * await killer.stop();
 * await cluster.stop(); // { orphans: [] }
 * ```
 * @module
 */
import { readFileSync } from "node:fs";
import { addprocs, rmprocs, type RuntimeName, workers } from "../src/mod.ts";
import { peers } from "../src/cluster/peers.ts";

/** How long the master may take to see a killed worker go. */
const NOTICE_MS = 10_000;

/** Whether an OS process exists and is not a zombie. */
export function osAlive(ospid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${ospid}/stat`, "utf8");
    return !/^\d+ \(.*\) [ZX] /s.test(stat);
  } catch {
    return false;
  }
}

/** What the killer did. */
export interface KillerFigures {
  kills: number;
  replacements: number;
  /** Kills the master had not noticed within NOTICE_MS (a hang: it should see the socket close at once). */
  unnoticed: number;
  /** addprocs calls for a replacement that failed (retried). */
  replaceFailures: number;
  /** Workers that exited without being killed (before the end of the run). */
  unexpectedExits: number;
  errors: string[];
}

/** The running killer: stop() ends it after its current kill and replacement. */
export interface Killer {
  stop(): Promise<void>;
}

export class SoakCluster {
  readonly #runtimes: readonly RuntimeName[];
  readonly #size: number;
  #turn = 0;
  readonly #killed = new Set<number>();
  /** Every worker ever started: pid -> OS pid. */
  readonly started = new Map<number, number>();
  readonly figures: KillerFigures = { kills: 0, unnoticed: 0, replacements: 0, replaceFailures: 0, unexpectedExits: 0, errors: [] };
  #ending = false;

  /** Workers of `runtimes` in turn (a replacement takes the next one), `size` at a time. */
  constructor(runtimes: readonly RuntimeName[], size: number) {
    this.#runtimes = runtimes;
    this.#size = size;
    peers.onRemoved((pid, detail) => {
      if (this.#ending || this.#killed.has(pid) || !this.started.has(pid)) return;
      this.figures.unexpectedExits++;
      this.#remember(`worker ${pid} exited without being killed: ${detail}`);
    });
  }

  /** Starts the first workers (one addprocs per runtime, so mixed clusters start together). */
  async start(): Promise<number[]> {
    const byRuntime = new Map<RuntimeName, number>();
    for (let i = 0; i < this.#size; i++) {
      const r = this.#nextRuntime();
      byRuntime.set(r, (byRuntime.get(r) ?? 0) + 1);
    }
    const pids = (await Promise.all([...byRuntime].map(([runtime, n]) => addprocs(n, { runtime })))).flat();
    for (const p of pids) this.#record(p);
    return pids;
  }

  /**
   * Kills a random worker every `[min, max]` ms while at most one is missing, until stopped;
   * replacements start at once and run one after the other (addprocs is serial), so up to two
   * workers may be missing at a time.
   */
  startKiller([min, max]: [number, number]): Killer {
    let stopping = false;
    let wake: (() => void) | null = null;
    let refilling: Promise<void> = Promise.resolve();
    const loop = (async () => {
      while (!stopping) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, min + Math.random() * (max - min));
          wake = () => (clearTimeout(timer), resolve());
        });
        wake = null;
        if (stopping || workers().length < this.#size - 1) continue;
        await this.#killOne();
        refilling = refilling.then(() => this.refill());
      }
    })();
    return {
      stop: async () => {
        stopping = true;
        (wake as (() => void) | null)?.();
        await loop;
        await refilling;
      },
    };
  }

  /** Adds workers until there are `size` again (retrying a failed addprocs up to 10 times). */
  async refill(): Promise<void> {
    for (let attempt = 0; workers().length < this.#size && attempt < 10; attempt++) {
      const runtime = this.#nextRuntime();
      try {
        const [pid] = await addprocs(1, { runtime });
        this.#record(pid!);
        this.figures.replacements++;
      } catch (err) {
        this.figures.replaceFailures++;
        this.#remember(`addprocs(1, { runtime: "${runtime}" }) failed: ${(err as Error).message}`);
      }
    }
  }

  /** Removes the workers; resolves with the OS pids of every worker ever started that still run. */
  async stop(): Promise<number[]> {
    this.#ending = true;
    await rmprocs(workers());
    return this.stillRunning();
  }

  /** OS pids of the workers ever started that are still running. */
  stillRunning(): number[] {
    return [...this.started.values()].filter(osAlive);
  }

  /** SIGKILLs a random worker; resolves once the master has seen it go (its process reaped). */
  async #killOne(): Promise<void> {
    const live = workers().filter((p) => peers.get(p)?.info?.ospid !== undefined && !this.#killed.has(p));
    if (live.length === 0) return;
    const victim = live[Math.floor(Math.random() * live.length)]!;
    const peer = peers.get(victim)!;
    const ospid = peer.info!.ospid;
    this.#killed.add(victim);
    try {
      process.kill(ospid, "SIGKILL");
      this.figures.kills++;
    } catch (err) {
      this.#remember(`kill -9 ${ospid} (worker ${victim}) failed: ${(err as Error).message}`);
      return;
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const noticed = await Promise.race([
      peer.gone.then(() => true),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(false), NOTICE_MS))),
    ]);
    clearTimeout(timer);
    if (!noticed) {
      this.figures.unnoticed++;
      this.#remember(`worker ${victim} (OS pid ${ospid}) was killed but the master had not seen it go after ${NOTICE_MS} ms`);
    }
  }

  #record(pid: number): void {
    const ospid = peers.get(pid)?.info?.ospid;
    if (ospid !== undefined) this.started.set(pid, ospid);
  }

  #nextRuntime(): RuntimeName {
    return this.#runtimes[this.#turn++ % this.#runtimes.length]!;
  }

  #remember(line: string): void {
    if (this.figures.errors.length < 5) this.figures.errors.push(line.split("\n")[0]!.slice(0, 300));
  }
}
