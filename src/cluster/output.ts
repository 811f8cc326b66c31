/**
 * Forwards a worker's output to the master's, line by line, as `From worker N:\t<line>` (the
 * form Julia users know). stdout goes to stdout and stderr to stderr.
 *
 * @example
 * ```ts
 * forwardOutput(3, config, (line) => line.startsWith("distributed_worker:")); // swallow the address line
 * ```
 * @module
 */
import { writeStderr, writeStdout } from "../runtime/host.ts";
import type { WorkerConfig } from "./manager.ts";

/** Starts forwarding; `consume(line)` returning true keeps a stdout line from being printed. */
export function forwardOutput(pid: number, config: WorkerConfig, consume: (line: string) => boolean): void {
  config.stdout?.onLine((line) => {
    if (!consume(line)) writeStdout(`From worker ${pid}:\t${line}\n`);
  });
  config.stderr?.onLine((line) => writeStderr(`From worker ${pid}:\t${line}\n`));
}
