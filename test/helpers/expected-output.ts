// Checking an example's output against its `.expected` file (examples/<dir>/<name>.expected,
// next to <name>.ts). Line by line: a line is literal, or, when it starts with "re:", a regular
// expression the output line must match in full (for timings, pids order, random values);
// a line "..." matches any number of output lines (a block whose length varies). Trailing
// spaces and a final empty line are ignored.
import { readFileSync } from "node:fs";

/** Differences between `actual` and the expectation, as readable lines; empty when it matches. */
export function compareOutput(actual: string, expected: string): string[] {
  const out = actual.replace(/\s+$/, "").split("\n").map((l) => l.replace(/\s+$/, ""));
  const want = expected.replace(/\s+$/, "").split("\n").map((l) => l.replace(/\s+$/, ""));
  const matches = (
    line: string,
    pattern: string,
  ): boolean => (pattern.startsWith("re:") ? new RegExp(`^(?:${pattern.slice(3)})$`).test(line) : line === pattern);
  // Backtracking over "..." (few in a file; outputs are short).
  const memo = new Map<string, boolean>();
  const walk = (i: number, j: number): boolean => {
    const key = `${i},${j}`;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let ok: boolean;
    if (j === want.length) ok = i === out.length;
    else if (want[j] === "...") ok = walk(i, j + 1) || (i < out.length && walk(i + 1, j));
    else ok = i < out.length && matches(out[i]!, want[j]!) && walk(i + 1, j + 1);
    memo.set(key, ok);
    return ok;
  };
  if (walk(0, 0)) return [];
  // Report the first line that differs, in the simple case without "...".
  const problems: string[] = [];
  for (let k = 0; k < Math.max(out.length, want.length); k++) {
    if (want[k] === "...") {
      problems.push(`output does not match the expectation around line ${k + 1} (after "...")`);
      break;
    }
    if (want[k] === undefined || out[k] === undefined || !matches(out[k]!, want[k]!)) {
      problems.push(
        `line ${k + 1}: expected ${JSON.stringify(want[k] ?? "(end of output)")}, got ${JSON.stringify(out[k] ?? "(end of output)")}`,
      );
      break;
    }
  }
  return problems;
}

/** The expectation file for an example source path (x.ts → x.expected). */
export function expectedFor(source: string): string {
  return readFileSync(source.replace(/\.ts$/, ".expected"), "utf8");
}
