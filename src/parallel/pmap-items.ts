/**
 * Where pmap's batches come from: the input, in order (a Range sliced without copying, any other
 * iterable read as far as needed), and before it the items to run again (retried after an error,
 * or requeued from a worker that died). It also learns the input's length once a generator ends.
 *
 * @example
 * ```ts
 * const items = new ItemSource(range(0, 100), (total) => progress.setTotal(total));
 * const batch = items.take(10);          // items 0..9, as a slice of the range
 * items.requeue(batch!);                 // its worker died: the next take hands them out again
 * ```
 * @module
 */
import { Range } from "./range.ts";

/** An item to run again. */
export interface Pending<T> {
  index: number;
  item: T;
  attempt: number;
}

/** The items of one call. */
export interface Batch<T> {
  /** Contiguous from `start` when `indices` is null. */
  start: number;
  indices: number[] | null;
  items: T[] | Range;
  attempts: number[] | null;
}

/** The index in the input of item `i` of `batch`. */
export function indexAt<T>(batch: Batch<T>, i: number): number {
  return batch.indices === null ? batch.start + i : batch.indices[i]!;
}

/** Item `i` of `batch`. */
export function itemAt<T>(batch: Batch<T>, i: number): T {
  return batch.items instanceof Range ? (batch.items.at(i) as T) : (batch.items as T[])[i]!;
}

/** pmap's input, handed out in batches, the items to run again first. */
export class ItemSource<T> {
  readonly #range: Range | null;
  readonly #iterator: Iterator<T> | null;
  readonly #again: Array<Pending<T>> = [];
  readonly #onTotal: (total: number) => void;
  #total: number | undefined;
  #next = 0;
  #exhausted = false;

  /** `onTotal` is told the length of an input whose length was unknown, once it ends. */
  constructor(xs: Iterable<T>, onTotal: (total: number) => void) {
    this.#range = xs instanceof Range ? xs : null;
    this.#iterator = this.#range === null ? xs[Symbol.iterator]() : null;
    this.#total = this.#range?.length ?? (Array.isArray(xs) ? xs.length : sizeOf(xs));
    this.#onTotal = onTotal;
  }

  /** The number of items in the input, if known. */
  get total(): number | undefined {
    return this.#total;
  }

  /** Whether every item of the input has been handed out once. */
  get exhausted(): boolean {
    return this.#exhausted;
  }

  /** Items waiting to run again. */
  get waiting(): number {
    return this.#again.length;
  }

  /** Items still to hand out, those to run again included (undefined while the length is unknown). */
  left(): number | undefined {
    return this.#total === undefined ? undefined : this.#total - this.#next + this.#again.length;
  }

  /** Hands `pending` out again (before fresh items). */
  again(pending: Pending<T>): void {
    this.#again.push(pending);
  }

  /** Hands every item of `batch` out again, at the attempt it was on. */
  requeue(batch: Batch<T>): void {
    const n = batch.items.length;
    for (let i = 0; i < n; i++) this.#again.push({ index: indexAt(batch, i), item: itemAt(batch, i), attempt: batch.attempts?.[i] ?? 0 });
  }

  /** The next batch of up to `size` items: items to run again first, then fresh ones; null if none. */
  take(size: number): Batch<T> | null {
    if (this.#again.length > 0) {
      const picked = this.#again.splice(0, size);
      return { start: 0, indices: picked.map((p) => p.index), items: picked.map((p) => p.item), attempts: picked.map((p) => p.attempt) };
    }
    if (this.#exhausted) return null;
    const start = this.#next;
    if (this.#range !== null) {
      if (start >= this.#range.length) {
        this.#exhausted = true;
        return null;
      }
      const items = this.#range.slice(start, start + size);
      this.#next += items.length;
      if (this.#next >= this.#range.length) this.#exhausted = true;
      return { start, indices: null, items, attempts: null };
    }
    const items: T[] = [];
    while (items.length < size) {
      const step = this.#iterator!.next();
      if (step.done === true) {
        this.#exhausted = true;
        if (this.#total === undefined) {
          this.#total = start + items.length;
          this.#onTotal(this.#total);
        }
        break;
      }
      items.push(step.value);
    }
    this.#next += items.length;
    return items.length > 0 ? { start, indices: null, items, attempts: null } : null;
  }
}

function sizeOf(xs: unknown): number | undefined {
  const s = (xs as { size?: unknown }).size ?? (xs as { length?: unknown }).length;
  return typeof s === "number" && Number.isInteger(s) && s >= 0 ? s : undefined;
}
