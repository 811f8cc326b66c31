/**
 * The WorkerPool handles of this process: one handle object per remote pool (so a CachingPool's
 * cache here is one, too), found again by the pool's reference while the program keeps it, and
 * the making of a new one (held, that is counted by the pool's owner, unless told otherwise).
 * A handle the program drops leaves the table when it is collected.
 *
 * @example
 * ```ts
 * const pool = knownHandle<WorkerPool>(refKey(1, 7)) ?? attach(WorkerPool, 1, [1, 7]);
 * forgetHandle(refKey(1, 7), pool);   // on release
 * ```
 * @module
 */
import type { RefId } from "../protocol/messages.ts";
import { trackHandle } from "./handles.ts";
import { refKey } from "./refs.ts";

/** A handle's pool: the process that owns it, and its reference there. */
export interface Owner {
  where: number;
  ref: RefId;
}

// Set while a handle is being made (the pool's constructor then builds nothing of its own).
let attaching: Owner | null = null;
const handles = new Map<string, WeakRef<object>>();
const handleGone = new FinalizationRegistry<string>((key) => {
  if (handles.get(key)?.deref() === undefined) handles.delete(key);
});

/** The owner of the handle being made now, for the pool's constructor; null when making a pool of its own. */
export function attachingOwner(): Owner | null {
  return attaching;
}

/** Makes a handle of class `Pool` to pool `ref` on `where`, held (and counted) by this process unless `hold` is false. */
export function attach<P extends object>(Pool: new () => P, where: number, ref: RefId, hold = true): P {
  attaching = { where, ref };
  let pool: P;
  try {
    pool = new Pool();
  } finally {
    attaching = null;
  }
  if (hold) {
    trackHandle(pool, where, ref);
    const key = refKey(ref[0], ref[1]);
    handles.set(key, new WeakRef(pool));
    handleGone.register(pool, key);
  }
  return pool;
}

/** The handle this process holds to the pool of reference key `key`, if it still has one. */
export function knownHandle<P extends object>(key: string): P | undefined {
  return handles.get(key)?.deref() as P | undefined;
}

/** Forgets `pool` as the handle of `key` (it was released). */
export function forgetHandle(key: string, pool: object): void {
  if (handles.get(key)?.deref() === pool) handles.delete(key);
}
