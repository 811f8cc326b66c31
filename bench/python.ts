/**
 * Python multiprocessing as a peer, measured on this machine in the same bench run: runs
 * `python3 bench/python/peers.py` (standard library only) and parses the one JSON line it
 * prints. bench/run.ts puts the figures next to ours in the peers table (table.ts).
 *
 * Resolves with null when there is no python3 on PATH, with an error message when the script
 * fails or overruns its timeout. The script runs in its own process group, so a timeout kills
 * its pool workers too.
 *
 * @example
 * ```ts
 * const py = await runPythonPeers("/work/main/", false);
 * if (py !== null && typeof py !== "string") console.log(py.roundTripUs);
 * ```
 * @module
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

const PYTHON_TIMEOUT_MS = 120_000;

/** What bench/python/peers.py prints (medians; see the script for how each is measured). */
export interface PythonPeers {
  python: string;
  /** `pool.apply(nop)` on a 1-worker Pool, µs per call. */
  roundTripUs: number;
  /** `Pool(2).map(inc, range(1_000_000))`, items/s, default chunksize and chunksize=10_000. */
  mapItemsPerSec: number;
  mapItemsPerSecChunk10k: number;
  /** 128 MiB of bytes to a worker and back, GB/s counting both ways. */
  echoGBps: number;
  /** `Pool(2)` until both workers answered, ms, fork and spawn start methods. */
  start2Ms: number;
  start2SpawnMs: number;
}

const FIELDS = ["roundTripUs", "mapItemsPerSec", "mapItemsPerSecChunk10k", "echoGBps", "start2Ms", "start2SpawnMs"] as const;

/** Runs the Python peers script from the package `root`; null if python3 is missing. */
export function runPythonPeers(root: string, quick: boolean): Promise<PythonPeers | null | string> {
  const script = join(root, "bench", "python", "peers.py");
  if (!existsSync(script)) return Promise.resolve(`${script} is missing`);
  const child = spawn("python3", [script, ...(quick ? ["--quick"] : [])], {
    cwd: root,
    stdio: ["ignore", "pipe", "inherit"],
    detached: true,
  });
  const killGroup = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  return new Promise((resolve) => {
    let out = "";
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup("SIGTERM");
      setTimeout(() => killGroup("SIGKILL"), 5000).unref();
    }, PYTHON_TIMEOUT_MS);
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.once("error", (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(err.code === "ENOENT" ? null : `could not start python3: ${err.message}`);
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      if (timedOut) return resolve(`timed out after ${PYTHON_TIMEOUT_MS / 1000} s`);
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (line === undefined) return resolve(`exited (${signal ?? `code ${code}`}) without a result`);
      try {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        const missing = FIELDS.filter((f) => typeof parsed[f] !== "number");
        if (missing.length > 0 || typeof parsed.python !== "string") {
          return resolve(`result lacks ${missing.join(", ") || "python"}: ${line}`);
        }
        resolve(parsed as unknown as PythonPeers);
      } catch (err) {
        resolve(`unparsable result ${JSON.stringify(line)}: ${(err as Error).message}`);
      }
    });
  });
}
