/**
 * range(start, stop, step?): an arithmetic sequence, stop exclusive (as in JS and Python;
 * Julia's `a:s:b` includes b). Never materialised: it travels as three numbers, splits into
 * contiguous parts in O(1), and iterates lazily, so seed 000's 0:10_000:10^10 costs nothing.
 *
 * @example
 * ```ts
 * import { range } from "distributed";
 * const r = range(0, 10_000_000_000, 10_000);
 * r.length;              // 1_000_000
 * r.at(2);               // 20_000
 * r.split(4)[1].start;   // 2_500_000_000
 * for (const x of range(0, 3)) console.log(x); // 0 1 2
 * ```
 * @module
 */
import { registerClass } from "../protocol/class-registry.ts";

/**
 * An arithmetic sequence start, start+step, ... up to (not including) stop.
 *
 * @example
 * ```ts
 * import { Range } from "distributed";
 * const r = new Range(0, 10, 3);  // the same as range(0, 10, 3): 0, 3, 6, 9
 * r.length;                       // 4
 * r.toArray();                    // [0, 3, 6, 9]
 * r.slice(1, 3).toArray();        // [3, 6]
 * r.split(2).map(String);         // ["range(0, 6, 3)", "range(6, 12, 3)"]
 * ```
 */
export class Range implements Iterable<number> {
  readonly start: number;
  readonly stop: number;
  readonly step: number;
  /** Number of elements. */
  readonly length: number;

  constructor(start: number, stop: number, step = 1) {
    for (const [name, v] of [["start", start], ["stop", stop], ["step", step]] as const) {
      if (typeof v !== "number" || !Number.isFinite(v)) throw new TypeError(`range: ${name} must be a finite number, got ${String(v)}`);
    }
    if (step === 0) throw new RangeError("range: step must not be 0");
    this.start = start;
    this.stop = stop;
    this.step = step;
    this.length = Math.max(0, Math.ceil((stop - start) / step));
  }

  /** The i-th element (0-based); negative i counts from the end. */
  at(i: number): number | undefined {
    const k = i < 0 ? this.length + i : i;
    return k >= 0 && k < this.length ? this.start + k * this.step : undefined;
  }

  /** Elements [from, to) as a Range (like Array.prototype.slice, without copying). */
  slice(from = 0, to = this.length): Range {
    const f = clamp(from < 0 ? this.length + from : from, this.length);
    const t = clamp(to < 0 ? this.length + to : to, this.length);
    const n = Math.max(0, t - f);
    const start = this.start + f * this.step;
    return new Range(start, start + n * this.step, this.step);
  }

  /** `n` contiguous parts whose lengths differ by at most one (empty parts when n > length). */
  split(n: number): Range[] {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`range.split(n): n must be a positive integer, got ${n}`);
    return evenBounds(this.length, n).map(([from, to]) => this.slice(from, to));
  }

  *[Symbol.iterator](): Iterator<number> {
    const { start, step, length } = this;
    for (let k = 0; k < length; k++) yield start + k * step;
  }

  /** Calls `fn` for each element: faster than `for...of` in hot loops. */
  forEach(fn: (x: number, i: number) => void): void {
    const { start, step, length } = this;
    for (let k = 0; k < length; k++) fn(start + k * step, k);
  }

  /** The elements as an array (materialises: use only for small ranges). */
  toArray(): number[] {
    const out = new Array<number>(this.length);
    for (let k = 0; k < this.length; k++) out[k] = this.start + k * this.step;
    return out;
  }

  /** `range(0, 10, 2)` */
  toString(): string {
    return `range(${this.start}, ${this.stop}${this.step === 1 ? "" : `, ${this.step}`})`;
  }
}

/**
 * `[from, to)` bounds of `n` contiguous parts of `length` items, sizes differing by at most one
 * (the first `length % n` parts are one longer).
 */
export function evenBounds(length: number, n: number): Array<[number, number]> {
  const bounds: Array<[number, number]> = [];
  const base = Math.floor(length / n);
  const extra = length % n;
  let at = 0;
  for (let i = 0; i < n; i++) {
    const size = base + (i < extra ? 1 : 0);
    bounds.push([at, at + size]);
    at += size;
  }
  return bounds;
}

function clamp(i: number, length: number): number {
  return Math.min(Math.max(0, Math.trunc(i)), length);
}

/**
 * `range(stop)`, `range(start, stop)` or `range(start, stop, step)`: stop is exclusive.
 *
 * @example
 * ```ts
 * import { addprocs, pmap, range, rmprocs } from "distributed";
 * [...range(3)];                  // [0, 1, 2]
 * [...range(2, 5)];               // [2, 3, 4]
 * [...range(10, 0, -3)];          // [10, 7, 4, 1]
 * const pids = await addprocs(2);
 * await pmap((i: number) => i * i, range(0, 5)); // [0, 1, 4, 9, 16]: the range travels as three numbers
 * await rmprocs(pids);
 * ```
 */
export function range(start: number, stop?: number, step = 1): Range {
  return stop === undefined ? new Range(0, start, 1) : new Range(start, stop, step);
}

registerClass(Range, {
  name: "distributed.Range",
  encode: (r: Range) => [r.start, r.stop, r.step],
  decode: (data) => {
    const [start, stop, step] = data as [number, number, number];
    return new Range(start, stop, step);
  },
});
