/**
 * Calls to the owners of a DArray's chunks, and the making of a new DArray by its owners. A call
 * to an owner that has died rejects with ProcessExitedError naming the chunk it held, so a program
 * learns which part of which array is gone; a DArray some of whose chunks could not be made lets
 * go of the others before the error is thrown, so nothing is left behind.
 *
 * @example
 * ```ts
 * const D = await build(layout, "dzeros", (pid, k, key) => callOwner(layout, k, "dzeros", makeChunk, key, myid(), spec));
 * ```
 * @module
 */
import { state } from "../cluster/state.ts";
import { ProcessExitedError } from "../errors.ts";
import { type AnyFn, remotecallFetch } from "../remote/calls.ts";
import { newRefId } from "../remote/future.ts";
import { releaseHandle, trackHandle } from "../remote/handles.ts";
import { refKey } from "../remote/refs.ts";
import { DArray } from "./darray.ts";
import { chunkIndices, describeLayout, type Layout } from "./distribution.ts";
import type { ElementKind } from "./kinds.ts";

/** Chunk k of a layout in words: "chunk 1 (indices [5, 10)) of the DArray with dims [10], ...". */
export function describeChunk(layout: Layout, k: number): string {
  const ranges = chunkIndices(layout, k).map((r) => `[${r.start}, ${r.stop})`).join(" × ");
  return `chunk ${k} (indices ${ranges}) of the DArray with ${describeLayout(layout)}`;
}

/** Runs `fn(...args)` on the owner of chunk k; a dead owner rejects with ProcessExitedError naming the chunk. */
export async function callOwner<F extends AnyFn>(
  layout: Layout,
  k: number,
  fn: F,
  ...args: Parameters<F>
): Promise<Awaited<ReturnType<F>>> {
  const pid = layout.pids[k]!;
  try {
    return await remotecallFetch(fn, pid, ...args);
  } catch (err) {
    if (err instanceof ProcessExitedError) throw new ProcessExitedError(pid, `it held ${describeChunk(layout, k)}`, { cause: err });
    throw err;
  }
}

/**
 * A new DArray whose chunks `make(k, key)` has each owner make and keep for this process. If any
 * fails, the chunks made are let go and the first error is thrown.
 */
export async function build<T>(layout: Layout, where: string, make: (k: number, key: string) => Promise<ElementKind>): Promise<DArray<T>> {
  const whence = state.myid;
  const id = newRefId();
  const settled = await Promise.allSettled(layout.pids.map((_, k) => make(k, refKey(whence, id))));
  let failure: unknown;
  const kinds = new Set<ElementKind>();
  for (const s of settled) s.status === "fulfilled" ? kinds.add(s.value) : (failure ??= s.reason);
  if (failure === undefined && kinds.size > 1) {
    failure = new TypeError(
      `${where}: the chunks came out of different element kinds (${[...kinds].join(", ")}); make every chunk the same kind`,
    );
  }
  if (failure !== undefined) {
    settled.forEach((s, k) => {
      if (s.status !== "fulfilled") return;
      const hold = {};
      trackHandle(hold, layout.pids[k]!, [whence, id]);
      releaseHandle(hold);
    });
    throw failure;
  }
  return DArray.adopt<T>(layout, [...kinds][0]!, whence, id);
}
