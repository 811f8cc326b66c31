/**
 * Kinds of setting values: how a value from an option or the configuration file is checked,
 * and how the text of an environment variable is parsed, with the words each error uses for
 * what is allowed. Pure.
 *
 * @example
 * ```ts
 * SECONDS.check(30);            // true
 * SECONDS.parse("2.5");         // 2.5
 * SECONDS.parse("soon");        // undefined (not allowed)
 * FLAGS.parse("--a --b=1");     // ["--a", "--b=1"]
 * FLAGS.parse('["-o", "ProxyCommand ssh -W %h:%p gw"]'); // ["-o", "ProxyCommand ssh -W %h:%p gw"]
 * BOOL.parse("0");              // false
 * ```
 * @module
 */

/** How values of one kind are checked (option, file) and parsed (environment). */
export interface Kind<T> {
  /** What a value must be, as the configuration file's errors say it. */
  readonly allowed: string;
  /** What a variable's text must be, as the environment's errors say it. */
  readonly envAllowed: string;
  /** Whether a value from an option or the configuration file is allowed. */
  check(value: unknown): value is T;
  /** The value a variable's text stands for, or undefined when the text is not allowed. */
  parse(text: string): T | undefined;
}

/** A decimal number (Number() alone would take "", " " and "0x10"). */
const number = (text: string): number => (/^\s*[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i.test(text) ? Number(text) : Number.NaN);

function kind<T>(allowed: string, check: (v: unknown) => boolean, parse: (text: string) => T | undefined, envAllowed = allowed): Kind<T> {
  return { allowed, envAllowed, check: check as (v: unknown) => v is T, parse };
}

/** A number checked by `ok`, from a variable as a decimal. */
function numeric(allowed: string, ok: (n: number) => boolean): Kind<number> {
  const check = (v: unknown): boolean => typeof v === "number" && Number.isFinite(v) && ok(v);
  return kind(allowed, check, (text) => (check(number(text)) ? number(text) : undefined));
}

/** One of the given strings. */
export function oneOf<const T extends string>(values: readonly T[]): Kind<T> {
  const allowed = `one of ${values.map((x) => JSON.stringify(x)).join(", ")}`;
  return kind<T>(allowed, (v) => values.includes(v as T), (text) => (values.includes(text as T) ? (text as T) : undefined));
}

/** A non-empty string. */
export const STRING: Kind<string> = kind(
  "a non-empty string",
  (v) => typeof v === "string" && v !== "",
  (text) => (text === "" ? undefined : text),
);

/** An array of strings; a variable holds them separated by spaces, or as a JSON array (for one with a space in it). */
export const FLAGS: Kind<string[]> = kind(
  "an array of strings",
  (v) => Array.isArray(v) && v.every((x) => typeof x === "string"),
  (text) => {
    if (!text.trimStart().startsWith("[")) return text.split(/\s+/).filter((w) => w !== "");
    try {
      const list = JSON.parse(text) as unknown;
      return Array.isArray(list) && list.every((x) => typeof x === "string") ? list : undefined;
    } catch {
      return undefined;
    }
  },
  'words separated by spaces, or a JSON array of strings such as ["-o", "a b"]',
);

/** true or false; a variable says true, false, 1 or 0. */
export const BOOL: Kind<boolean> = kind(
  "true or false",
  (v) => typeof v === "boolean",
  (text) => ({ true: true, "1": true, false: false, "0": false })[text.trim().toLowerCase()],
  "true, false, 1 or 0",
);

/** A positive integer. */
export const COUNT: Kind<number> = numeric("a positive integer", (n) => Number.isInteger(n) && n >= 1);

/** A non-negative integer. */
export const COUNT0: Kind<number> = numeric("a non-negative integer", (n) => Number.isInteger(n) && n >= 0);

/** A positive number of seconds. */
export const SECONDS: Kind<number> = numeric("a positive number of seconds", (n) => n > 0);

/** A number of seconds, 0 included (0: never). */
export const SECONDS0: Kind<number> = numeric("a number of seconds >= 0", (n) => n >= 0);

/** A pool size: a positive integer, or in a variable also "auto" (one per CPU of that process). */
export const THREADS: Kind<number | "auto"> = kind(
  "a positive integer",
  (v) => Number.isInteger(v) && (v as number) >= 1,
  (text) => (text.trim() === "auto" ? "auto" : COUNT.parse(text)),
  'a positive integer or "auto"',
);

/** A frame-size limit in bytes. */
export const FRAME_BYTES: Kind<number> = numeric("an integer >= 4096", (n) => Number.isInteger(n) && n >= 4096);
