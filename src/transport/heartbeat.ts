/**
 * A connection's liveness: when it last heard from its peer and last wrote to it, a PING when
 * idle, and the verdict that the peer is gone (a hung process, or a host that stopped
 * acknowledging). The connection owns the socket; this only watches it.
 *
 * @example
 * ```ts
 * const heartbeat = new Heartbeat("worker 2", socket, { ping: () => conn.sendEncoded(MSG.PING, 0, EMPTY), lost: (err) => conn.close(err), closed: () => conn.closed });
 * heartbeat.start(5000, 60000, 20000);
 * socket.on("data", () => heartbeat.heard());
 * ```
 * @module
 */
import { ConnectionLostError } from "../errors.ts";
import type { ByteStream } from "../runtime/net.ts";
import { peerHostUnreachable } from "../runtime/tcp-state.ts";

/** What the heartbeat does to its connection. */
export interface HeartbeatActions {
  /** Sends a PING (the connection was idle for the interval). */
  ping: () => void;
  /** Closes the connection: the peer is gone, for the reason given. */
  lost: (reason: ConnectionLostError) => void;
  /** Whether the connection is closed already. */
  closed: () => boolean;
}

/** The clocks and the timer of one connection's heartbeat. */
export class Heartbeat {
  readonly #label: string;
  readonly #socket: ByteStream;
  readonly #actions: HeartbeatActions;
  #lastReceived = Date.now();
  #lastSent = Date.now();
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(label: string, socket: ByteStream, actions: HeartbeatActions) {
    this.#label = label;
    this.#socket = socket;
    this.#actions = actions;
  }

  /** Bytes arrived from the peer now. */
  heard(): void {
    this.#lastReceived = Date.now();
  }

  /** Bytes were written to the peer now. */
  sent(): void {
    this.#lastSent = Date.now();
  }

  /**
   * Sends PING when idle for `intervalMs`, and closes the connection when the peer is gone:
   * - nothing heard for `hostTimeoutMs` and the peer's host no longer acknowledges our bytes
   *   (the kernel's view, see src/runtime/tcp-state.ts): a crashed, unplugged or partitioned
   *   host. A busy peer's kernel still acknowledges, so this never fires on a long call;
   * - nothing heard at all for `timeoutMs`: a hung or stopped process (the peer may also be
   *   busy in a long synchronous call, which cannot answer, so this one is long by default).
   * A timeout of 0 turns its check off. When this process itself was too busy to run the
   * timer, the silence is its own doing and is forgiven. Timers never keep the process alive.
   */
  start(intervalMs: number, timeoutMs: number, hostTimeoutMs = 0): void {
    this.stop();
    if (!(intervalMs > 0)) return;
    const checks = [intervalMs, timeoutMs > 0 ? timeoutMs / 2 : intervalMs, hostTimeoutMs > 0 ? hostTimeoutMs / 4 : intervalMs];
    const tick = Math.max(10, Math.min(...checks));
    let lastTick = Date.now();
    const label = this.#label;
    this.#timer = setInterval(() => {
      const now = Date.now();
      // This process was blocked (a long synchronous section): bytes may be waiting unread.
      if (now - lastTick > tick * 3 + 1000) this.#lastReceived = Math.max(this.#lastReceived, now - tick);
      lastTick = now;
      const silent = now - this.#lastReceived;
      if (hostTimeoutMs > 0 && silent > hostTimeoutMs && peerHostUnreachable(this.#socket) === true) {
        this.#actions.lost(
          new ConnectionLostError(
            `the host of ${label} stopped acknowledging: nothing heard for ${silent} ms and our bytes go unacknowledged (host timeout ${hostTimeoutMs} ms)`,
            {
              peer: label,
              code: "ERR_HOST_TIMEOUT",
            },
          ),
        );
      } else if (timeoutMs > 0 && silent > timeoutMs) {
        this.#actions.lost(
          new ConnectionLostError(`nothing heard from ${label} for ${silent} ms (heartbeat timeout ${timeoutMs} ms)`, {
            peer: label,
            code: "ERR_HEARTBEAT_TIMEOUT",
          }),
        );
      } else if (now - this.#lastSent >= intervalMs && !this.#actions.closed()) {
        this.#actions.ping();
      }
    }, tick);
    (this.#timer as { unref?: () => void }).unref?.();
  }

  /** Stops the timer (the connection closed, or a new interval replaces it). */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
