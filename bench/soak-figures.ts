/**
 * The master's own figures, taken at the start and the end of a soak: its open handles (what
 * `process.getActiveResourcesInfo()` lists; Bun lists nothing there, so the open file
 * descriptors in /proc/self/fd are counted on every runtime as well), its RSS and heap after a
 * full garbage collection, and the remote references: the values and channels this process owns
 * for holders, the handles it holds, and what the live workers own.
 *
 * The bounds (BOUNDS) compare the end with the start, both taken with the same number of
 * workers and nothing running: the references must be back where they were, handles and
 * descriptors may differ by one worker's worth, RSS and heap may grow by a fixed amount (the
 * runtime warming up), whatever the length of the run.
 *
 * @example
 * ```ts
 * const start = await snapshot();
 * // ... the soak ...
 * const end = await snapshot();
 * checkBounds(start, end); // [] when within bounds
 * ```
 * @module
 */
import { readdirSync } from "node:fs";
import { currentRuntime, localReferenceCounts, remotecallFetch, workers } from "../src/mod.ts";
import { heldHandleCount } from "../src/remote/handles.ts";

/** One snapshot of the master. */
export interface Figures {
  /** process.getActiveResourcesInfo().length (what keeps the event loop alive); null on Bun, which lists nothing. */
  handles: number | null;
  /** The handles by type, e.g. { TCPSocketWrap: 4, Timeout: 2 }. */
  handleTypes: Record<string, number>;
  /** Open file descriptors of this process. */
  fds: number;
  /** Resident set size after a full GC, in MiB. */
  rssMiB: number;
  /** The JavaScript heap in use after a full GC, in MiB: what a leak of objects grows. */
  heapMiB: number;
  /** Futures' values and channels this process owns for holders anywhere. */
  ownedRefs: number;
  /** Handles (Futures, RemoteChannels) this process holds. */
  heldRefs: number;
  /** Futures' values and channels the live workers own, summed. */
  workerRefs: number;
  workers: number;
}

/** The growth allowed from start to end (printed with the results). */
export const BOUNDS = {
  /** Active handles: one worker's worth (its socket, its pipes, a timer). */
  handles: 6,
  /** File descriptors: one worker's worth (a socket and three pipes), plus slack for the runtime. */
  fds: 6,
  /** RSS after GC, in MiB: the heap, code caches and allocator pools warm up over a run. */
  rssMiB: 96,
  /** Heap after GC, in MiB: code and inline caches warm up, the objects of the run are gone. */
  heapMiB: 32,
  /** References: none may be left over. */
  ownedRefs: 0,
  heldRefs: 0,
  workerRefs: 0,
} as const;

/** A full garbage collection, where the runtime offers one (node/deno with --expose-gc, Bun always). */
export function fullGc(): boolean {
  const g = globalThis as { gc?: () => void; Bun?: { gc(force: boolean): void } };
  if (g.Bun !== undefined) {
    g.Bun.gc(true);
    return true;
  }
  if (typeof g.gc === "function") {
    g.gc();
    return true;
  }
  return false;
}

/** The master's figures now (after a GC and a turn of the event loop, so finalizers have run). */
export async function snapshot(): Promise<Figures> {
  fullGc();
  await new Promise((r) => setTimeout(r, 50));
  fullGc();
  const info = (process as { getActiveResourcesInfo?: () => string[] }).getActiveResourcesInfo?.() ?? [];
  const handleTypes: Record<string, number> = {};
  for (const type of info) handleTypes[type] = (handleTypes[type] ?? 0) + 1;
  const memory = process.memoryUsage();
  const own = localReferenceCounts();
  const pids = workers();
  const theirs = await Promise.all(
    pids.map((p) => remotecallFetch(() => localReferenceCounts(), p).catch(() => ({ futures: 0, channels: 0 }))),
  );
  return {
    handles: currentRuntime() === "bun" ? null : info.length,
    handleTypes,
    fds: countFds(),
    rssMiB: mib(memory.rss),
    heapMiB: mib(memory.heapUsed),
    ownedRefs: own.futures + own.channels,
    heldRefs: heldHandleCount(),
    workerRefs: theirs.reduce((n, c) => n + c.futures + c.channels, 0),
    workers: pids.length,
  };
}

/** The bounds the end breaks, one line each (empty: bounded). */
export function checkBounds(start: Figures, end: Figures): string[] {
  const out: string[] = [];
  const check = (key: keyof typeof BOUNDS, a: number | null, b: number | null, unit = ""): void => {
    if (a === null || b === null) return;
    if (b - a > BOUNDS[key]) out.push(`${key} grew from ${a}${unit} to ${b}${unit} (bound: +${BOUNDS[key]}${unit})`);
  };
  check("handles", start.handles, end.handles);
  check("fds", start.fds, end.fds);
  check("rssMiB", start.rssMiB, end.rssMiB, " MiB");
  check("heapMiB", start.heapMiB, end.heapMiB, " MiB");
  check("ownedRefs", start.ownedRefs, end.ownedRefs);
  check("heldRefs", start.heldRefs, end.heldRefs);
  check("workerRefs", start.workerRefs, end.workerRefs);
  if (end.workers !== start.workers) {
    out.push(`the run ended with ${end.workers} workers, not ${start.workers}: handle figures are not comparable`);
  }
  return out;
}

function mib(bytes: number): number {
  return Math.round((bytes / 2 ** 20) * 10) / 10;
}

function countFds(): number {
  try {
    return readdirSync("/proc/self/fd").length;
  } catch {
    return -1;
  }
}
