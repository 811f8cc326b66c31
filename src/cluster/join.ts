/**
 * Brings one launched worker into the cluster: reads its address line, connects,
 * authenticates both ways, sends JOIN with its pid, and registers it. Everything is bounded by
 * the addprocs deadline, and a worker that dies first fails at once with its stderr tail.
 *
 * @example
 * ```ts
 * await joinWorker(2, config, manager, Date.now() + 60_000);
 * ```
 * @module
 */
import { ProcessExitedError, WorkerStartError } from "../errors.ts";
import { type JoinReply, MSG } from "../protocol/messages.ts";
import { type ByteStream, connect, connectSocks5 } from "../runtime/net.ts";
import { authenticate } from "../transport/authenticate.ts";
import { Connection } from "../transport/connection.ts";
import { attachDispatch } from "./dispatch.ts";
import type { ClusterManager, WorkerConfig } from "./manager.ts";
import { thisHostIdentity } from "./memory-reach.ts";
import { forwardOutput } from "./output.ts";
import { peers } from "./peers.ts";
import { state } from "./state.ts";

/** The line a worker prints once it listens: `distributed_worker:<port>#<host>`. */
export const ADDRESS_LINE = /^distributed_worker:(\d+)#(.+)$/;

/** Connects a launched worker and registers it under `pid`. */
export async function joinWorker(
  pid: number,
  config: WorkerConfig,
  manager: ClusterManager,
  limits: { deadline: number; timeoutSeconds: number; cookie: string },
): Promise<void> {
  const { deadline, cookie } = limits;
  const fail = (message: string, cause?: unknown): WorkerStartError =>
    new WorkerStartError(`Worker ${pid} did not start: ${message}`, {
      command: config.command,
      host: config.hostLabel,
      stderrTail: config.stderrTail?.(),
      cause,
    });
  const remaining = (): number => Math.max(1, deadline - Date.now());
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(fail(`not connected within the timeout of ${limits.timeoutSeconds} s (option timeout, env DISTRIBUTED_WORKER_TIMEOUT)`)),
      remaining(),
    );
  });
  const died = (config.exited ?? new Promise<string>(() => {})).then((detail): never => {
    throw fail(`the process exited (${detail}) before it was connected`);
  });
  // Both are raced below, where their rejection is seen; these only keep the one that loses the
  // race (or fires after the join succeeded) from being an unhandled rejection.
  died.catch(() => {});
  timeout.catch(() => {});

  try {
    let address: { host: string; port: number };
    let socket: ByteStream;
    if (config.transport !== undefined) {
      ({ stream: socket, address } = await Promise.race([config.transport(), died, timeout]));
      forwardOutput(pid, config, () => false);
    } else {
      address = await Promise.race([addressOf(pid, config), died, timeout]);
      const dial = config.via !== undefined
        ? connectSocks5(config.via.socks5, address.host, address.port, remaining())
        : connect(address.host, address.port, remaining());
      socket = await Promise.race([dial, died, timeout]).catch((err: unknown) => {
        throw err instanceof WorkerStartError ? err : fail((err as Error).message, err);
      });
    }
    const where = config.transport !== undefined
      ? "a thread of this process"
      : `${address.host}:${address.port}${config.via !== undefined ? ` on ${config.hostLabel}, through an ssh tunnel` : ""}`;
    const conn = new Connection(socket, { maxFrameBytes: state.maxFrameBytes, label: `worker ${pid} (${where})` });
    await Promise.race([authenticate(conn, { role: "connector", cookie, myPid: 1, timeoutMs: remaining() }), died, timeout]).catch(
      (err: unknown) => {
        conn.close();
        throw err instanceof WorkerStartError ? err : fail((err as Error).message, err);
      },
    );
    attachDispatch(conn);
    let exitDetail = "connection lost";
    // Why the connection broke (a lost host, a heartbeat timeout) is the detail, unless the
    // process's exit says more.
    const noteReason = (reason: Error | undefined): string => {
      if (reason !== undefined && exitDetail === "connection lost") exitDetail = `connection lost: ${reason.message}`;
      return exitDetail;
    };
    conn.closeError = (reason) => new ProcessExitedError(pid, noteReason(reason), reason !== undefined ? { cause: reason } : undefined);
    const info = (await Promise.race([
      conn.request(MSG.JOIN, { pid, topology: state.topology, heartbeat: state.heartbeat, host: thisHostIdentity() }),
      died,
      timeout,
    ]).catch((err: unknown) => {
      conn.close();
      throw err instanceof WorkerStartError ? err : fail((err as Error).message, err);
    })) as JoinReply;
    const connClosed = new Promise<void>((resolve) => {
      conn.onClose = (reason) => {
        peers.remove(pid, noteReason(reason), reason);
        manager.manage(pid, config, "deregister");
        resolve();
      };
    });
    void config.exited?.then((detail) => {
      exitDetail = detail;
      conn.close();
    });
    const gone = Promise.all([connClosed, config.exited]).then(() => undefined);
    // The worker learnt its pid only now (its handshake said 0).
    conn.peerPid = pid;
    peers.add({
      pid,
      conn,
      manager,
      config,
      info,
      address,
      state: "running",
      gone,
      ...(config.sharesMemory === true ? { sharesMemory: true } : {}),
    });
    conn.startHeartbeat(state.heartbeat[0], state.heartbeat[1], state.heartbeat[2]);
    manager.manage(pid, config, "register");
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves with the worker's address: from the config, or from its address line on stdout. */
function addressOf(pid: number, config: WorkerConfig): Promise<{ host: string; port: number }> {
  if (config.host !== undefined && config.port !== undefined) {
    forwardOutput(pid, config, () => false);
    return Promise.resolve({ host: config.host, port: config.port });
  }
  return new Promise((resolve) => {
    let found = false;
    forwardOutput(pid, config, (line) => {
      if (found) return false;
      const m = ADDRESS_LINE.exec(line);
      if (m === null) return false;
      found = true;
      resolve({ host: m[2]!, port: Number(m[1]) });
      return true;
    });
  });
}
