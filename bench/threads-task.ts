/**
 * What bench/threads.ts ships to threads: one small module that imports nothing from the
 * package (seed 000's series comes from examples/pi/series.ts), loaded three ways.
 *
 * - With everywhere(url), on every process and in the thread pool: `partialPi` (seed 000's pi
 *   series over a range of terms) and `inc` are then in Main and travel by reference.
 * - As piscina's task file: its default export, `inc`, is the task.
 * - As a bare worker_threads thread (workerData `{ raw: true }`), the raw limits: it answers
 *   every message at once, a number `x` with `x + 1`, `{ map: xs }` (a Float64Array) with the numbers plus one,
 *   `{ pi: [start, stop, chunk] }` with the pi partial sum over terms start..stop-1
 *   (partialPi per chunk, as ours does), anything else echoed back as it came.
 *
 * @example
 * ```ts
 * partialPi({ start: 0, step: 1, length: 1000 }); // 3.140592653839794
 * const raw = new Worker(new URL("./threads-task.js", import.meta.url), { workerData: { raw: true } });
 * raw.postMessage(1);                              // answers 2
 * ```
 * @module
 */
import { parentPort, workerData } from "node:worker_threads";
import { partialPi } from "../examples/pi/series.ts";

// Seed 000's series, the same function the main job uses (its only import is a type).
export { partialPi };

/** The tiny task: x + 1. */
export function inc(x: number): number {
  return x + 1;
}

export default inc;

/** The raw side: the pi terms start..stop-1 in chunks, summed. */
function rawPi(start: number, stop: number, chunk: number): number {
  let sum = 0;
  for (let off = start; off < stop; off += chunk) sum += partialPi({ start: off, step: 1, length: Math.min(chunk, stop - off) });
  return sum;
}

/** A message to the raw thread (anything else is echoed). */
export type RawMessage = number | { map: Float64Array } | { pi: [start: number, stop: number, chunk: number] };

const port = parentPort;
if (port !== null && (workerData as { raw?: unknown } | null)?.raw === true) {
  port.on("message", (m: unknown) => {
    if (typeof m === "number") return port.postMessage(m + 1);
    const tagged = m as { map?: unknown; pi?: unknown } | null;
    if (tagged?.map instanceof Float64Array) return port.postMessage(tagged.map.map(inc));
    if (Array.isArray(tagged?.pi)) return port.postMessage(rawPi(...(tagged.pi as [number, number, number])));
    port.postMessage(m);
  });
}
