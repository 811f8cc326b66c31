/**
 * Reading this process's stdin line by line: how a worker gets its cookie from whoever started
 * it, and how it learns that its parent went away (stdin closes).
 *
 * @example
 * ```ts
 * const cookie = await readStdinLine(() => exit(0)); // the first line; exit when stdin closes
 * ```
 * @module
 */
import process from "node:process";
import { DistributedError } from "../errors.ts";

/**
 * Reads stdin: resolves the first line, then calls `onEnd` when stdin closes (the parent went
 * away). The stream is not kept referenced, so it never keeps the process alive by itself.
 */
export function readStdinLine(onEnd: () => void): Promise<string> {
  return new Promise((resolve, reject) => {
    let first = true;
    readStdinLines(
      (line) => {
        if (first) resolve(line);
        first = false;
      },
      () => {
        if (first) reject(new DistributedError("ERR_NO_COOKIE", "stdin closed before the cookie line arrived"));
        onEnd();
      },
    );
  });
}

/**
 * Reads stdin line by line until it closes: `onLine` for every line, then `onEnd` once. An
 * open stdin keeps the process alive (a launcher lives as long as its ssh session).
 */
export function readStdinLines(onLine: (line: string) => void, onEnd: () => void): void {
  let buffered = "";
  let ended = false;
  const end = (): void => {
    if (ended) return;
    ended = true;
    onEnd();
  };
  const stdin = process.stdin;
  stdin.setEncoding("utf8");
  stdin.on("data", (chunk: string) => {
    buffered += chunk;
    for (let nl = buffered.indexOf("\n"); nl >= 0; nl = buffered.indexOf("\n")) {
      const line = buffered.slice(0, nl).replace(/\r$/, "");
      buffered = buffered.slice(nl + 1);
      onLine(line);
    }
  });
  stdin.on("end", end);
  stdin.on("error", end);
}

/** Stops reading stdin and lets it no longer keep the process alive (an SPMD rank after finalize). */
export function releaseStdin(): void {
  process.stdin.pause();
  (process.stdin as unknown as { unref?: () => void }).unref?.();
}
