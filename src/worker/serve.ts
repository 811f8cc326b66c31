/**
 * Turns this process into a worker: listen, authenticate whoever connects, take the first
 * process that proves to be the master as the master (JOIN first, then served like any other
 * connection), accept other workers' links, and leave when the master is gone. Also how a
 * worker handles interrupts: SIGINT, an INTERRUPT message or a control line all interrupt the
 * running calls. The `--worker` process's command line and stdin are in worker-process.ts.
 *
 * @example
 * ```ts
 * const { host, port } = await serve({ cookie, timeout: 60, bind: "127.0.0.1", port: 0, leave: flushAndExit });
 * ```
 * @module
 */
import { attachDispatch, dispatchHooks } from "../cluster/dispatch.ts";
import { interruptRunningCalls } from "../remote/call-server.ts";
import { state } from "../cluster/state.ts";
import { ProtocolError, setLocalLabel, toWireError } from "../errors.ts";
import { decode } from "../protocol/codec.ts";
import { type JoinReply, type JoinRequest, messageName, MSG } from "../protocol/messages.ts";
import { currentRuntime, runtimeVersion } from "../runtime/detect.ts";
import { cpuCount, hostname, onSignal, onUncaughtError, osPid, primaryAddress, raiseSignal, writeStderr } from "../runtime/host.ts";
import { type ByteStream, listen } from "../runtime/net.ts";
import { memoryNamespace, sharedMemoryProblem } from "../runtime/shm.ts";
import { authenticate } from "../transport/authenticate.ts";
import { Connection } from "../transport/connection.ts";
import { rememberMasterHost } from "../cluster/memory-reach.ts";
import { peers } from "../cluster/peers.ts";
import { acceptPeer, enableWorkerLinks } from "../cluster/links.ts";
import { PACKAGE_VERSION } from "../version.ts";

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
 * gone. Resolves, once listening, with the address the master should connect to (and `close`,
 * which stops listening: an SPMD rank after finalize lets its process end). Used by the
 * worker entry and by SPMD start-up (init), where every task of a job runs the same script.
 *
 * @example
 * ```ts
 * const { host, port } = await serve({ cookie, timeout: 60, bind: "0.0.0.0", port: 0, leave: flushAndExit });
 * ```
 */
export async function serve(options: ServeOptions): Promise<{ host: string; port: number; close: () => void }> {
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
    if (join.host !== undefined) rememberMasterHost(join.host);
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
      memoryNamespace: memoryNamespace(),
    };
    conn.respond(frame.id, reply);
  };
  dispatchHooks.onExit = () => leave(0);

  const timer = setTimeout(() => {
    writeStderr(`No master connected within ${options.timeout} s (--timeout); exiting\n`);
    leave(1);
  }, options.timeout * 1000);

  const onSocket = (socket: ByteStream & { remoteAddress?: string; remotePort?: number }): void => {
    const label = socket === options.masterStream
      ? "the master (this process)"
      : `${socket.remoteAddress ?? "?"}:${socket.remotePort ?? "?"}`;
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
            peers.add({
              pid: 1,
              conn,
              state: "running",
              gone: new Promise(() => {}),
              ...(socket === options.masterStream ? { sharesMemory: true } : {}),
            });
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
  return { host, port: listener.port, close: () => listener.close() };
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
 * @internal An interrupt that arrived as a control line (Slurm) or an INTERRUPT message (SPMD tasks,
 * threads) behaves as one that arrived as SIGINT (local and SSH workers): raised as SIGINT on
 * this process, so the user's listeners run, as after a Ctrl-C, and ours interrupts the
 * running calls. A thread shares its process with others: it interrupts its calls directly.
 */
export function interruptThisWorker(): void {
  handleInterrupts();
  if (!raiseSignal("SIGINT")) interruptRunningCalls();
}
