/**
 * The soak's accounting: every item a workload submits gets an id, and the workload records
 * each time an item's result comes back. An item is done once its result has been recorded;
 * at the end an item never recorded is lost and an item recorded twice is a duplicate. A
 * workload that sees an item's attempt fail (its worker was killed) puts it back with
 * `resubmit`, so it is attempted again, never dropped.
 *
 * Channels add their own books (see soak-channels.ts): `vanished` counts items acknowledged as
 * put into a channel whose owner stayed alive, yet neither taken by a consumer nor left in the
 * channel, beyond what the consumers that died may have been holding.
 *
 * @example
 * ```ts
 * const ledger = new Ledger("futures");
 * const id = ledger.submit();
 * ledger.done(id);
 * ledger.summary(); // { submitted: 1, done: 1, lost: 0, duplicates: 0, ... }
 * ```
 * @module
 */

/** The figures of one workload. */
export interface LedgerSummary {
  submitted: number;
  done: number;
  /** Submitted but never done. */
  lost: number;
  /** Done more than once. */
  duplicates: number;
  /** Attempts that failed because a worker died, and were run again. */
  resubmitted: number;
  /** Results that came back wrong (a value other than the one the item must give). */
  wrong: number;
  /** Errors that were neither an item's expected failure nor a dead worker. */
  unexpected: number;
  /** Channel items acknowledged and gone while their owner lived (see the module comment). */
  vanished: number;
  /** Free-form counters of the workload (retries, kinds of calls, ...). */
  notes: Record<string, number>;
  /** The first few unexpected errors, for the report. */
  errors: string[];
}

/** Books of one workload. */
export class Ledger {
  readonly name: string;
  #next = 0;
  readonly #counts: number[] = [];
  #resubmitted = 0;
  #wrong = 0;
  #unexpected = 0;
  #vanished = 0;
  readonly #notes: Record<string, number> = {};
  readonly #errors: string[] = [];
  /** Ids waiting to be attempted again. */
  readonly pending: number[] = [];

  constructor(name: string) {
    this.name = name;
  }

  /** A new item's id. */
  submit(): number {
    this.#counts.push(0);
    return this.#next++;
  }

  /** Records an item's result. */
  done(id: number): void {
    this.#counts[id] = (this.#counts[id] ?? 0) + 1;
  }

  /** Whether an item's result has been recorded. */
  isDone(id: number): boolean {
    return (this.#counts[id] ?? 0) > 0;
  }

  /** An attempt of `id` failed with its worker: queue it again. */
  resubmit(id: number): void {
    this.#resubmitted++;
    this.pending.push(id);
  }

  /** Up to `n` ids: the ones to attempt again first, then new ones unless `fresh` is false. */
  next(n: number, fresh: boolean): number[] {
    const ids = this.pending.splice(0, n);
    while (fresh && ids.length < n) ids.push(this.submit());
    return ids;
  }

  wrong(what: string): void {
    this.#wrong++;
    this.#remember(`wrong result: ${what}`);
  }

  unexpected(err: unknown): void {
    this.#unexpected++;
    this.#remember(err instanceof Error ? `${err.name}: ${err.message}` : String(err));
  }

  vanished(n: number, what: string): void {
    if (n <= 0) return;
    this.#vanished += n;
    this.#remember(`${n} channel item(s) vanished: ${what}`);
  }

  note(key: string, n = 1): void {
    this.#notes[key] = (this.#notes[key] ?? 0) + n;
  }

  /** A counter's value. */
  noted(key: string): number {
    return this.#notes[key] ?? 0;
  }

  summary(): LedgerSummary {
    let done = 0;
    let lost = 0;
    let duplicates = 0;
    for (const c of this.#counts) {
      if (c === 0) lost++;
      else done++;
      if (c > 1) duplicates++;
    }
    return {
      submitted: this.#counts.length,
      done,
      lost,
      duplicates,
      resubmitted: this.#resubmitted,
      wrong: this.#wrong,
      unexpected: this.#unexpected,
      vanished: this.#vanished,
      notes: { ...this.#notes },
      errors: [...this.#errors],
    };
  }

  #remember(line: string): void {
    if (this.#errors.length < 5) this.#errors.push(line.replace(/\s*\n\s*/g, " ").slice(0, 400));
  }
}

/** Whether `err` says a worker has exited (here, or on the worker that relayed the call). */
export function isDeath(err: unknown): boolean {
  const e = err as { code?: unknown; remote?: { code?: unknown } } | null;
  return e?.code === "ERR_PROCESS_EXITED" || e?.remote?.code === "ERR_PROCESS_EXITED";
}
