/**
 * The worker process: read the cookie, listen, print the address line, serve the master
 * (started by main.ts for `--worker`).
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
import { dispatchHooks, attachDispatch } from "../cluster/dispatch.ts";
import { interruptRunningCalls } from "../remote/call-server.ts";
import { state } from "../cluster/state.ts";
import { DistributedError, ProtocolError, setLocalLabel, toWireError } from "../errors.ts";
import { decode } from "../protocol/codec.ts";
import { MSG, messageName, type JoinReply, type JoinRequest } from "../protocol/messages.ts";
import { currentRuntime, runtimeVersion } from "../runtime/detect.ts";
import { parseControl } from "../protocol/launcher-lines.ts";
import { cpuCount, env, flushAndExit, hostname, onSignal, onUncaughtError, osPid, primaryAddress, raiseSignal, scriptArgs, writeStderr, writeStdout } from "../runtime/host.ts";
import { readStdinLine, readStdinLines } from "../runtime/stdin.ts";
import { listen, type ByteStream } from "../runtime/net.ts";
import { sharedMemoryProblem } from "../runtime/shm.ts";
import { authenticate } from "../transport/authenticate.ts";
import { Connection } from "../transport/connection.ts";
import { peers } from "../cluster/peers.ts";
import { acceptPeer, enableWorkerLinks } from "../cluster/links.ts";
import { PACKAGE_VERSION } from "../version.ts";

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
    if (m === null) throw new TypeError(`Unknown worker argument ${JSON.stringify(arg)}; expected --worker, --timeout=SECONDS, --bind=HOST, --port=PORT, --lifeline, --control=ENV_VAR`);
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
  const address = await serve({ cookie, timeout: args.timeout, bind: args.bind, port: args.port, leave, onMaster: () => (connected = true) });
  writeStdout(`distributed_worker:${address.port}#${address.host}\n`);
}

/** How serve() runs a worker in this process. */
export interface ServeOptions {
  cookie: string;
  /** Seconds to wait for the master to connect. */
  timeout: number;
  /** Address to listen on ("0.0.0.0": all interfaces, advertising the primary address). */
  bind: string;
  /** Port to listen on (0: any free one). */
  port: number;
  /** Ends the process (after the master left, or on time-out). */
  leave: (code: number) => void;
  /** Called once the master has connected. */
  onMaster?: () => void;
  /**
   * The master's connection, already open (a thread worker's MessagePort): served like an
   * accepted socket, and sharing this process's memory. The listener then serves only
   * other workers.
   */
  masterStream?: ByteStream;
  /** Called once listening, before the master stream is served. */
  onListening?: (address: { host: string; port: number }) => void;
}

/**
 * Turns this process into a worker: listens, waits for the master and serves it until it is
 * gone. Resolves, once listening, with the address the master should connect to. Used by the
 * worker entry and by SPMD start-up (init), where every task of a job runs the same script.
 *
 * @example
 * ```ts
 * const { host, port } = await serve({ cookie, timeout: 60, bind: "0.0.0.0", port: 0, leave: flushAndExit });
 * ```
 */
export async function serve(options: ServeOptions): Promise<{ host: string; port: number }> {
  const { cookie, leave } = options;
  state.isWorker = true;
  state.myid = 0;
  enableWorkerLinks();
  setLocalLabel("a worker");
  let master: Connection | null = null;

  handleInterrupts();
  dispatchHooks.onInterrupt = interruptThisWorker;
  onUncaughtError((err, kind) => {
    const wire = toWireError(err);
    writeStderr(`Worker ${state.myid}: ${kind}: ${wire.stack || `${wire.name}: ${wire.message}`}\n`);
  });

  /** Why this worker cannot map memory shared with its master's other processes, for the join reply. */
  const mappingProblem = (): JoinReply["sharedMemory"] => {
    const problem = sharedMemoryProblem();
    return problem === null ? null : { code: problem.code, message: problem.message };
  };
  dispatchHooks.onJoin = (conn, frame) => {
    const join = decode(frame.body) as JoinRequest;
    state.myid = join.pid;
    state.topology = join.topology as typeof state.topology;
    state.heartbeat = [join.heartbeat[0], join.heartbeat[1], join.heartbeat[2] ?? 0];
    state.cookie = cookie;
    // Pings keep the master informed. A silent master is not declared dead from here (it may
    // be running a long serial section: its process exiting closes the socket instead), but a
    // master whose host stopped acknowledging is gone, and this worker leaves with it.
    conn.startHeartbeat(join.heartbeat[0], 0, state.heartbeat[2]);
    setLocalLabel(`worker ${join.pid}`);
    const reply: JoinReply = {
      ospid: osPid(),
      hostname: hostname(),
      cpus: cpuCount(),
      runtime: currentRuntime(),
      runtimeVersion: runtimeVersion(),
      packageVersion: PACKAGE_VERSION,
      sharedMemory: mappingProblem(),
    };
    conn.respond(frame.id, reply);
  };
  dispatchHooks.onExit = () => leave(0);

  const timer = setTimeout(() => {
    writeStderr(`No master connected within ${options.timeout} s (--timeout); exiting\n`);
    leave(1);
  }, options.timeout * 1000);

  const onSocket = (socket: ByteStream & { remoteAddress?: string; remotePort?: number }): void => {
    const label = socket === options.masterStream ? "the master (this process)" : `${socket.remoteAddress ?? "?"}:${socket.remotePort ?? "?"}`;
    const conn = new Connection(socket, { maxFrameBytes: state.maxFrameBytes, label: `the process at ${label}` });
    authenticate(conn, { role: "listener", cookie, myPid: state.myid, timeoutMs: 10_000 }).then(
      (peerPid) => {
        if (peerPid === 1 && master === null) {
          master = conn;
          clearTimeout(timer);
          options.onMaster?.();
          conn.hold(); // the link to the master keeps this process alive
          conn.onClose = () => leave(0);
          // JOIN comes first; then the connection is served like any other.
          conn.onFrame = (frame) => {
            if (frame.type !== MSG.JOIN) {
              conn.close(new ProtocolError(`the master sent ${messageName(frame.type)} before JOIN`));
              return;
            }
            dispatchHooks.onJoin(conn, frame);
            peers.add({ pid: 1, conn, state: "running", gone: new Promise(() => {}), ...(socket === options.masterStream ? { sharesMemory: true } : {}) });
            attachDispatch(conn);
          };
          return;
        }
        if (peerPid === 1) {
          conn.close(new ProtocolError("it claims to be the master (pid 1), and this worker already has one"));
          return;
        }
        acceptPeer(peerPid, conn);
      },
      (err: Error) => writeStderr(`Refused a connection from ${label}: ${err.message}\n`),
    );
  };

  const listener = await listen(options.bind, options.port, onSocket);
  const host = options.bind === "0.0.0.0" || options.bind === "::" ? primaryAddress() : options.bind;
  options.onListening?.({ host, port: listener.port });
  if (options.masterStream !== undefined) onSocket(options.masterStream);
  return { host, port: listener.port };
}

let interruptsHandled = false;

/**
 * SIGINT interrupts the running calls and does not end the worker (a listener of our own
 * keeps the runtime from exiting on it); the user's own SIGINT listeners run beside it.
 */
function handleInterrupts(): void {
  if (interruptsHandled) return;
  interruptsHandled = true;
  onSignal("SIGINT", () => {
    interruptRunningCalls();
  });
}

/**
 * An interrupt that arrived as a control line (Slurm) or an INTERRUPT message (SPMD tasks,
 * threads) behaves as one that arrived as SIGINT (local and SSH workers): raised as SIGINT on
 * this process, so the user's listeners run, as after a Ctrl-C, and ours interrupts the
 * running calls. A thread shares its process with others: it interrupts its calls directly.
 */
function interruptThisWorker(): void {
  handleInterrupts();
  if (!raiseSignal("SIGINT")) interruptRunningCalls();
}

/**
 * Reads the cookie, then control lines addressed to `index`: `interrupt` interrupts the
 * running calls, `stop` exits. Lines for other indexes are someone else's.
 */
function readControlledStdin(index: number, onEnd: () => void, leave: (code: number) => void): Promise<string> {
  if (!Number.isInteger(index) || index < 0) throw new TypeError("--control names an environment variable that does not hold this worker's index (a non-negative integer)");
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
