/**
 * A first-in first-out queue on a growable ring buffer: push, shift and peek are O(1)
 * (push amortised), unlike Array.prototype.shift, which moves every element. Channels keep
 * their items and their waiting putters and takers in these.
 *
 * @example
 * ```ts
 * const q = new Queue<number>();
 * q.push(1); q.push(2);
 * q.shift(); // 1
 * q.length;  // 1
 * ```
 * @module
 */

const MIN_CAPACITY = 8;
const SHRINK_ABOVE = 1024;

/**
 * FIFO queue. `shift` and `peek` on an empty queue return undefined, so check `length` first
 * when `T` itself may be undefined.
 *
 * @example
 * ```ts
 * const q = new Queue<string>();
 * q.push("a");
 * q.peek();  // "a"
 * q.shift(); // "a"
 * q.shift(); // undefined
 * ```
 */
export class Queue<T> {
  #slots: (T | undefined)[] = new Array<T | undefined>(MIN_CAPACITY);
  // Capacity is always a power of two, so wrapping is a mask rather than a modulo.
  #mask = MIN_CAPACITY - 1;
  #head = 0;
  #length = 0;

  /** The number of items in the queue. */
  get length(): number {
    return this.#length;
  }

  /** Appends `item` at the back. */
  push(item: T): void {
    if (this.#length === this.#slots.length) this.#resize(this.#slots.length * 2);
    this.#slots[(this.#head + this.#length) & this.#mask] = item;
    this.#length++;
  }

  /** Removes and returns the front item, or undefined when the queue is empty. */
  shift(): T | undefined {
    if (this.#length === 0) return undefined;
    const item = this.#slots[this.#head];
    // Clear the slot so the queue does not keep a taken item alive.
    this.#slots[this.#head] = undefined;
    this.#head = (this.#head + 1) & this.#mask;
    this.#length--;
    // Give memory back after a burst, with slack so alternating push/shift does not thrash.
    if (this.#slots.length > SHRINK_ABOVE && this.#length <= this.#slots.length >>> 2) this.#resize(this.#slots.length >>> 1);
    return item;
  }

  /** The front item without removing it, or undefined when the queue is empty. */
  peek(): T | undefined {
    return this.#length === 0 ? undefined : this.#slots[this.#head];
  }

  /** The back item (the one pushed last) without removing it, or undefined when the queue is empty. */
  last(): T | undefined {
    return this.#length === 0 ? undefined : this.#slots[(this.#head + this.#length - 1) & this.#mask];
  }

  /**
   * Removes the first occurrence of `item`, closing the gap; returns whether it was there.
   * O(n): for the rare withdrawal of a waiting operation, not for the hot path.
   */
  remove(item: T): boolean {
    const mask = this.#mask;
    const head = this.#head;
    for (let i = 0; i < this.#length; i++) {
      if (this.#slots[(head + i) & mask] !== item) continue;
      for (let j = i; j < this.#length - 1; j++) this.#slots[(head + j) & mask] = this.#slots[(head + j + 1) & mask];
      this.#slots[(head + this.#length - 1) & mask] = undefined;
      this.#length--;
      return true;
    }
    return false;
  }

  #resize(capacity: number): void {
    const old = this.#slots;
    const slots = new Array<T | undefined>(capacity);
    for (let i = 0; i < this.#length; i++) slots[i] = old[(this.#head + i) & this.#mask];
    this.#slots = slots;
    this.#mask = slots.length - 1;
    this.#head = 0;
  }
}
