/**
 * The kernel's view of a TCP connection: whether the peer's host still acknowledges what we
 * send. A busy or stopped process on a live host cannot answer a heartbeat, but its kernel
 * still acknowledges our bytes; a host that crashed, lost its link or was partitioned away
 * acknowledges nothing, and our kernel keeps retransmitting. Reading that from
 * `/proc/net/tcp{,6}` tells the two apart without any help from the peer.
 *
 * Linux only: elsewhere (macOS, Windows) the answer is `undefined`, and only the silence
 * timeout (heartbeatTimeout) catches a lost host.
 *
 * @example
 * ```ts
 * const socket = await connect("10.200.0.2", 9000, 5000);
 * peerHostUnreachable(socket); // false while the host answers; true once it stopped acknowledging
 * ```
 * @module
 */
import { readFileSync } from "node:fs";

/** Retransmissions (or unanswered window probes) after which the peer's host counts as gone. */
const UNANSWERED_LIMIT = 3;

interface TcpEnds {
  localPort?: number;
  remotePort?: number;
}

/**
 * Whether the host at the other end of `socket` has stopped acknowledging our bytes: our
 * kernel is retransmitting (or probing a closed window) without answer. `undefined` when the
 * kernel's table cannot be read or the socket is not found in it.
 */
export function peerHostUnreachable(socket: unknown): boolean | undefined {
  const { localPort, remotePort } = (socket ?? {}) as TcpEnds;
  if (typeof localPort !== "number" || typeof remotePort !== "number") return undefined;
  const suffix = `:${hexPort(localPort)}`;
  const remoteSuffix = `:${hexPort(remotePort)}`;
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = readFileSync(table, "latin1");
    } catch {
      continue; // not Linux, or no IPv6: try the other table, else undefined
    }
    for (const line of text.split("\n")) {
      const f = line.trim().split(/\s+/);
      // sl local rem st tx:rx tr:when retrnsmt uid probes inode ...
      if (f.length < 10 || !f[1]!.endsWith(suffix) || !f[2]!.endsWith(remoteSuffix) || f[3] !== "01") continue;
      const txQueue = parseInt(f[4]!.split(":")[0]!, 16);
      const timer = f[5]!.split(":")[0];
      const retransmits = parseInt(f[6]!, 16);
      const probes = parseInt(f[8]!, 16);
      if (timer === "01") return txQueue > 0 && retransmits >= UNANSWERED_LIMIT;
      if (timer === "04") return probes >= UNANSWERED_LIMIT;
      return false;
    }
  }
  return undefined;
}

function hexPort(port: number): string {
  return port.toString(16).toUpperCase().padStart(4, "0");
}
