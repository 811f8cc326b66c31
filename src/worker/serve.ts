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
 * @example
 * ```sh
 * echo "$COOKIE" | bun dist/src/worker/main.js --worker --timeout=60
 * # distributed_worker:41234#127.0.0.1
 * ```
 * @module
 */
import "../mod.ts";
import { dispatchHooks, attachDispatch, interruptRunningCalls } from "../cluster/dispatch.ts";
import { state } from "../cluster/state.ts";
import { setLocalLabel, toWireError } from "../errors.ts";
import { decode } from "../protocol/codec.ts";
import { MSG, type JoinReply, type JoinRequest } from "../protocol/messages.ts";
import { currentRuntime, runtimeVersion } from "../runtime/detect.ts";
import { cpuCount, flushAndExit, hostname, onSignal, onUncaughtError, osPid, primaryAddress, readStdinLine, scriptArgs, writeStderr, writeStdout } from "../runtime/host.ts";
import { listen, type Socket } from "../runtime/net.ts";
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
}

function parseArgs(argv: string[]): WorkerArgs {
  const args: WorkerArgs = { timeout: 60, bind: "127.0.0.1", port: 0, lifeline: false };
  for (const arg of argv) {
    if (arg === "--worker") continue;
    if (arg === "--lifeline") {
      args.lifeline = true;
      continue;
    }
    const m = /^--(timeout|bind|port)=(.+)$/.exec(arg);
    if (m === null) throw new TypeError(`Unknown worker argument ${JSON.stringify(arg)}; expected --worker, --timeout=SECONDS, --bind=HOST, --port=PORT, --lifeline`);
    if (m[1] === "timeout") args.timeout = Number(m[2]);
    else if (m[1] === "port") args.port = Number(m[2]);
    else args.bind = m[2]!;
  }
  if (!(args.timeout > 0)) throw new RangeError("--timeout must be a positive number of seconds");
  if (!(Number.isInteger(args.port) && args.port >= 0 && args.port <= 65535)) throw new RangeError("--port must be a port number (0: any)");
  return args;
}

async function main(): Promise<void> {
  const args = parseArgs(scriptArgs());
  state.isWorker = true;
  state.myid = 0;
  enableWorkerLinks();
  setLocalLabel("a worker");
  let master: Connection | null = null;

  const cookie = await readStdinLine(() => {
    if (master === null) {
      writeStderr("The master went away before connecting (stdin closed); exiting\n");
      flushAndExit(1);
    } else if (args.lifeline) {
      flushAndExit(0);
    }
  });

  onSignal("SIGINT", () => {
    interruptRunningCalls();
  });
  onUncaughtError((err, kind) => {
    const wire = toWireError(err);
    writeStderr(`Worker ${state.myid}: ${kind}: ${wire.stack || `${wire.name}: ${wire.message}`}\n`);
  });

  dispatchHooks.onJoin = (conn, frame) => {
    const join = decode(frame.body) as JoinRequest;
    state.myid = join.pid;
    state.topology = join.topology as typeof state.topology;
    state.heartbeat = join.heartbeat;
    state.cookie = cookie;
    // Pings keep the master informed; a silent master is never declared dead from here (it
    // may be running a long serial section): its process exiting closes the socket instead.
    conn.startHeartbeat(join.heartbeat[0], 0);
    setLocalLabel(`worker ${join.pid}`);
    const reply: JoinReply = {
      ospid: osPid(),
      hostname: hostname(),
      cpus: cpuCount(),
      runtime: currentRuntime(),
      runtimeVersion: runtimeVersion(),
      packageVersion: PACKAGE_VERSION,
    };
    conn.respond(frame.id, reply);
  };
  dispatchHooks.onExit = () => flushAndExit(0);

  const timer = setTimeout(() => {
    writeStderr(`No master connected within ${args.timeout} s (--timeout); exiting\n`);
    flushAndExit(1);
  }, args.timeout * 1000);

  const onSocket = (socket: Socket): void => {
    const label = `${socket.remoteAddress ?? "?"}:${socket.remotePort ?? "?"}`;
    const conn = new Connection(socket, { maxFrameBytes: state.maxFrameBytes, label: `the process at ${label}` });
    authenticate(conn, { role: "listener", cookie, myPid: state.myid, timeoutMs: 10_000 }).then(
      (peerPid) => {
        if (peerPid === 1 && master === null) {
          master = conn;
          clearTimeout(timer);
          conn.hold(); // the link to the master keeps this process alive
          conn.onClose = () => flushAndExit(0);
          // JOIN comes first; then the connection is served like any other.
          conn.onFrame = (frame) => {
            if (frame.type !== MSG.JOIN) {
              conn.close(new Error("the master must send JOIN first"));
              return;
            }
            dispatchHooks.onJoin(conn, frame);
            peers.add({ pid: 1, conn, state: "running", gone: new Promise(() => {}) });
            attachDispatch(conn);
          };
          return;
        }
        if (peerPid === 1) {
          conn.close(new Error("a second master connection"));
          return;
        }
        acceptPeer(peerPid, conn);
      },
      (err: Error) => writeStderr(`Refused a connection from ${label}: ${err.message}\n`),
    );
  };

  const listener = await listen(args.bind, args.port, onSocket);
  const advertised = args.bind === "0.0.0.0" || args.bind === "::" ? primaryAddress() : args.bind;
  writeStdout(`distributed_worker:${listener.port}#${advertised}\n`);
}

/** Runs the worker until its master is gone. */
export function serveWorker(): void {
  main().catch((err: unknown) => {
    const wire = toWireError(err);
    writeStderr(`Worker failed to start: ${wire.message}\n`);
    flushAndExit(1);
  });
}
