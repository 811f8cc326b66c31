/**
 * `distributed spmd -n N script`: MPI's `mpiexec -n N` on one machine, for laptops and CI.
 * Starts N processes of the script (under this runtime, or --runtime's), each told its rank,
 * the size and where rank 0 listens (127.0.0.1 and a free port) in its environment, and the
 * cookie on its stdin (never argv, never the environment). The script's `spmdInit()` reads
 * them (managers/spmd/launch-plan.ts).
 *
 * No process is left behind: when a rank exits with an error, the others are stopped and the
 * launcher exits with that rank's code; on SIGINT or SIGTERM it stops every rank; and when the
 * launcher itself is killed (even with SIGKILL) the ranks' stdin closes, and each exits.
 *
 * @example
 * ```sh
 * npx distributed spmd -n 4 examples/seed003/rank-sum.ts
 * npx distributed spmd -n 4 --runtime deno examples/seed003/rank-sum.ts
 * ```
 * @module
 */
import { type ChildHandle, describeExit, spawnProcess, terminate } from "../runtime/spawn.ts";
import { findRuntime } from "../runtime/command.ts";
import { currentRuntime, type RuntimeName } from "../runtime/detect.ts";
import { envAll, onSignal, writeStderr, writeStdout } from "../runtime/host.ts";
import { freePort } from "../runtime/net.ts";
import { newCookie } from "../runtime/crypto.ts";
import { UsageError } from "../errors.ts";

/** What `spmd` was asked for. */
export interface SpmdLaunchRequest {
  script: string;
  args: string[];
  n: number;
  runtime?: RuntimeName | undefined;
  timeout?: number | undefined;
}

/** Starts the ranks and resolves with the exit code: 0 when every rank exited with 0, else the first failure's. */
export async function spmdLaunch(request: SpmdLaunchRequest): Promise<number> {
  const { n, script } = request;
  if (!(Number.isInteger(n) && n >= 1)) throw new UsageError(`-n must be a number of ranks (an integer >= 1), got ${String(n)}`);
  if (request.timeout !== undefined && !(request.timeout > 0)) {
    throw new UsageError(`--timeout must be a positive number of seconds, got ${String(request.timeout)}`);
  }
  const runtime = request.runtime ?? currentRuntime();
  const exe = findRuntime(runtime);
  const args = runtime === "deno"
    ? ["run", "-A", script, ...request.args]
    : runtime === "node" && /\.[mc]?tsx?$/.test(script)
    ? ["--import", "tsx", script, ...request.args]
    : [script, ...request.args];
  const port = await freePort("127.0.0.1");
  const cookie = newCookie();
  const base = envAll();
  const ranks: ChildHandle[] = [];
  for (let r = 0; r < n; r++) {
    const child = spawnProcess(exe, args, {
      env: {
        ...base,
        DISTRIBUTED_SPMD_RANK: String(r),
        DISTRIBUTED_SPMD_SIZE: String(n),
        DISTRIBUTED_SPMD_ROOT: `127.0.0.1:${port}`,
        ...(request.timeout !== undefined ? { DISTRIBUTED_WORKER_TIMEOUT: String(request.timeout) } : {}),
      },
    });
    child.onStdoutLine((line) => writeStdout(`${line}\n`));
    child.onStderrLine((line) => writeStderr(`${line}\n`));
    child.writeStdin(`${cookie}\n`); // stdin stays open: it closes when this launcher is gone
    ranks.push(child);
  }
  let stopping = false;
  const stopAll = (): Promise<unknown> => {
    stopping = true;
    return Promise.all(ranks.map((c) => terminate(c, 2000)));
  };
  const offs = (["SIGINT", "SIGTERM"] as const).map((s) => onSignal(s, () => void stopAll()));
  try {
    let failed: { rank: number; code: number; how: string } | undefined;
    await Promise.all(ranks.map(async (child, rank) => {
      const status = await child.exited;
      const code = status.code ?? 1;
      if (code !== 0 && failed === undefined && !stopping) {
        failed = { rank, code, how: describeExit(status) };
        await stopAll();
      }
    }));
    if (failed !== undefined) {
      writeStderr(`distributed spmd: rank ${failed.rank} ${failed.how}; the other ranks were stopped\n`);
      return failed.code;
    }
    return stopping ? 1 : 0;
  } finally {
    for (const off of offs) off();
  }
}
