/**
 * The worker process: read the cookie, listen, print the address line, serve the master
 * (started by main.ts for `--worker`; the serving itself is serve.ts).
 *
 * Start-up as in Julia, made robust: read the cookie from stdin (never argv or env), listen
 * (loopback unless --bind), print one address line, and wait for the master. Exit when the
 * master has not connected within the timeout, when stdin closes before it connected, and as
 * soon as the connection to the master drops (so a killed master leaves no orphans). With
 * --lifeline, also whenever stdin closes: the launcher that started it is gone.
 *
 * With --control=VAR (srun --input=all, where one stdin feeds every task of a step), the lines
 * after the cookie are control lines (`interrupt <k>`, `stop <k>`; see
 * src/protocol/launcher-lines.ts) and this worker obeys those whose k is the value of the
 * environment variable VAR (e.g. SLURM_PROCID); on its way out it prints
 * `distributed_worker_exit <code>`, because srun reports only the tasks that fail.
 *
 * @example
 * ```sh
 * echo "$COOKIE" | bun dist/src/worker/main.js --worker --timeout=60
 * # distributed_worker:41234#127.0.0.1
 * ```
 * @module
 */
import { DistributedError, toWireError } from "../errors.ts";
import { parseControl } from "../protocol/launcher-lines.ts";
import { env, flushAndExit, scriptArgs, writeStderr, writeStdout } from "../runtime/host.ts";
import { readStdinLine, readStdinLines } from "../runtime/stdin.ts";
import { interruptThisWorker, serve } from "./serve.ts";

interface WorkerArgs {
  timeout: number;
  bind: string;
  port: number;
  lifeline: boolean;
  /** The environment variable holding this worker's index for control lines. */
  control: string | undefined;
}

function parseArgs(argv: string[]): WorkerArgs {
  const args: WorkerArgs = { timeout: 60, bind: "127.0.0.1", port: 0, lifeline: false, control: undefined };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i]!;
    if (arg === "--worker") continue;
    if (arg === "--lifeline") {
      args.lifeline = true;
      continue;
    }
    // `--timeout 60` as well as `--timeout=60` (by hand, people type both).
    if (/^--(timeout|bind|port|control)$/.test(arg) && i + 1 < argv.length) arg = `${arg}=${argv[++i]!}`;
    const m = /^--(timeout|bind|port|control)=(.+)$/.exec(arg);
    if (m === null) {
      throw new TypeError(
        `Unknown worker argument ${
          JSON.stringify(arg)
        }; expected --worker, --timeout=SECONDS, --bind=HOST, --port=PORT, --lifeline, --control=ENV_VAR`,
      );
    }
    if (m[1] === "timeout") args.timeout = Number(m[2]);
    else if (m[1] === "control") args.control = m[2];
    else if (m[1] === "port") args.port = Number(m[2]);
    else args.bind = m[2]!;
  }
  if (!(args.timeout > 0)) throw new RangeError("--timeout must be a positive number of seconds");
  if (!(Number.isInteger(args.port) && args.port >= 0 && args.port <= 65535)) throw new RangeError("--port must be a port number (0: any)");
  return args;
}

async function main(): Promise<void> {
  const args = parseArgs(scriptArgs());
  let connected = false;
  const controlIndex = args.control === undefined ? undefined : Number(env(args.control));
  const leave = (code: number): void => {
    if (controlIndex !== undefined) writeStdout(`distributed_worker_exit ${code}\n`);
    flushAndExit(code);
  };
  const onStdinEnd = (): void => {
    if (!connected) {
      writeStderr("The master went away before connecting (stdin closed); exiting\n");
      leave(1);
    } else if (args.lifeline) {
      leave(0);
    }
  };
  const cookie = controlIndex === undefined ? await readStdinLine(onStdinEnd) : await readControlledStdin(controlIndex, onStdinEnd, leave);
  const address = await serve({
    cookie,
    timeout: args.timeout,
    bind: args.bind,
    port: args.port,
    leave,
    onMaster: () => (connected = true),
  });
  writeStdout(`distributed_worker:${address.port}#${address.host}\n`);
}

/**
 * Reads the cookie, then control lines addressed to `index`: `interrupt` interrupts the
 * running calls, `stop` exits. Lines for other indexes are someone else's.
 */
function readControlledStdin(index: number, onEnd: () => void, leave: (code: number) => void): Promise<string> {
  if (!Number.isInteger(index) || index < 0) {
    throw new TypeError("--control names an environment variable that does not hold this worker's index (a non-negative integer)");
  }
  return new Promise((resolve, reject) => {
    let cookie: string | undefined;
    readStdinLines(
      (line) => {
        if (cookie === undefined) {
          cookie = line;
          resolve(line);
          return;
        }
        const control = parseControl(line);
        if (control === null || control.index !== index) return;
        if (control.op === "interrupt") interruptThisWorker();
        else leave(0);
      },
      () => {
        if (cookie === undefined) reject(new DistributedError("ERR_NO_COOKIE", "stdin closed before the cookie line arrived"));
        onEnd();
      },
    );
  });
}

/** Runs the worker until its master is gone. */
export function serveWorker(): void {
  main().catch((err: unknown) => {
    const wire = toWireError(err);
    writeStderr(`Worker failed to start: ${wire.message}\n`);
    flushAndExit(1);
  });
}
