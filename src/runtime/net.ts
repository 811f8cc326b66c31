/**
 * TCP for the transport: a listening server and outgoing connections, always with Nagle off.
 * node:net behaves the same in Node, Bun and Deno for what we use.
 *
 * @example
 * ```ts
 * const server = await listen("127.0.0.1", 0, (socket) => { ... });
 * const socket = await connect("127.0.0.1", server.port, 5000);
 * ```
 * @module
 */
import net from "node:net";
import { Buffer } from "node:buffer";
import { ConnectError } from "../errors.ts";

/** A TCP socket. */
export type Socket = net.Socket;

/**
 * The byte stream a Connection runs over: a TCP socket, or a MessagePort to a thread
 * (src/runtime/threads.ts), which can also hand over shared memory by reference.
 */
export interface ByteStream {
  on(event: "data", listener: (chunk: Uint8Array) => void): unknown;
  on(event: "error", listener: (err: Error) => void): unknown;
  on(event: "close", listener: () => void): unknown;
  resume(): unknown;
  ref(): unknown;
  unref(): unknown;
  write(chunk: Uint8Array, callback?: () => void): unknown;
  end(): unknown;
  destroy(): unknown;
  readonly destroyed: boolean;
  /** Hands shared memory to the other side before the bytes that follow (MessagePort streams). */
  share?(pairs: ReadonlyArray<readonly [string, SharedArrayBuffer]>): void;
}

/** A listening TCP server. */
export interface Listener {
  host: string;
  port: number;
  close(): void;
}

/** Listens on host:port (port 0: any free port) and hands each accepted socket to `onSocket`. */
export function listen(host: string, port: number, onSocket: (socket: Socket) => void): Promise<Listener> {
  return new Promise((resolve, reject) => {
    const server = net.createServer({ noDelay: true }, (socket) => {
      socket.setNoDelay(true);
      onSocket(socket);
    });
    server.once("error", reject);
    server.listen({ host, port, exclusive: true }, () => {
      server.off("error", reject);
      server.on("error", () => {
        // A failure of accept() after listening is not fatal to the connections we have.
      });
      const address = server.address() as net.AddressInfo;
      resolve({ host, port: address.port, close: () => server.close() });
    });
  });
}

/** Connects to host:port within `timeoutMs`. */
export function connect(host: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, noDelay: true });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new ConnectError(`Connecting to ${host}:${port} timed out after ${timeoutMs} ms`, {
          target: `${host}:${port}`,
          code: "ERR_CONNECT_TIMEOUT",
        }),
      );
    }, timeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.off("error", onError);
      socket.setNoDelay(true);
      resolve(socket);
    });
    const onError = (err: Error): void => {
      clearTimeout(timer);
      reject(new ConnectError(`Cannot connect to ${host}:${port}: ${err.message}`, { target: `${host}:${port}`, cause: err }));
    };
    socket.once("error", onError);
  });
}

/** A port that was free a moment ago on `host` (for tools that need a port number up front, like ssh -D). */
export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const SOCKS_REPLIES: Record<number, string> = {
  1: "general failure",
  2: "not allowed by the proxy's rules",
  3: "network unreachable",
  4: "host unreachable",
  5: "connection refused",
  6: "TTL expired",
  7: "command not supported",
  8: "address type not supported",
};

/**
 * Connects to host:port through a SOCKS5 proxy (no authentication), such as the dynamic port
 * forward of `ssh -D`: the connection is made from the proxy's side, so `127.0.0.1` there is
 * the remote host's loopback. Resolves with a plain socket once the proxy has connected; the
 * socket is paused (call resume() after attaching a 'data' listener; Connection does).
 *
 * @example
 * ```ts
 * // ssh -D 127.0.0.1:1080 node1 ...   (a worker on node1 listens on its 127.0.0.1:41234)
 * const socket = await connectSocks5({ host: "127.0.0.1", port: 1080 }, "127.0.0.1", 41234, 5000);
 * ```
 */
export async function connectSocks5(proxy: { host: string; port: number }, host: string, port: number, timeoutMs: number): Promise<Socket> {
  const socket = await connect(proxy.host, proxy.port, timeoutMs);
  const where = `${host}:${port} through the SOCKS5 proxy (ssh tunnel) at ${proxy.host}:${proxy.port}`;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await new Promise<Socket>((resolve, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new ConnectError(`Connecting to ${where} timed out after ${timeoutMs} ms`, { target: where, code: "ERR_CONNECT_TIMEOUT" }),
          ),
        timeoutMs,
      );
      let buffered = Buffer.alloc(0);
      let stage: "method" | "reply" = "method";
      const fail = (why: string, cause?: Error): void =>
        reject(new ConnectError(`Cannot connect to ${where}: ${why}`, { target: where, cause }));
      const onClose = (): void => fail("the proxy closed the connection (the tunnel could not reach the target)");
      const onError = (err: Error): void => fail(err.message, err);
      const onData = (chunk: Buffer): void => {
        buffered = Buffer.concat([buffered, chunk]);
        if (stage === "method") {
          if (buffered.length < 2) return;
          if (buffered[0] !== 5 || buffered[1] !== 0) {
            return fail(`the proxy refused the no-authentication method (reply ${buffered[0]} ${buffered[1]})`);
          }
          buffered = buffered.subarray(2);
          stage = "reply";
          socket.write(connectRequest(host, port));
        }
        if (buffered.length < 5) return;
        const addressLength = buffered[3] === 1 ? 4 : buffered[3] === 4 ? 16 : buffered[3] === 3 ? 1 + buffered[4]! : -1;
        if (addressLength < 0) return fail(`malformed proxy reply (address type ${buffered[3]})`);
        const total = 4 + addressLength + 2;
        if (buffered.length < total) return;
        if (buffered[1] !== 0) return fail(SOCKS_REPLIES[buffered[1]!] ?? `proxy reply ${buffered[1]}`);
        // Pause before letting go: in flowing mode, bytes that arrive with no listener are lost.
        // The worker may speak first, so its first bytes can follow the reply at once; the
        // Connection that takes the socket resumes it.
        socket.pause();
        socket.off("data", onData);
        socket.off("close", onClose);
        socket.off("error", onError);
        if (buffered.length > total) socket.unshift(buffered.subarray(total));
        resolve(socket);
      };
      socket.on("data", onData);
      socket.once("close", onClose);
      socket.once("error", onError);
      socket.write(Buffer.from([5, 1, 0]));
    });
  } catch (err) {
    socket.destroy();
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

function connectRequest(host: string, port: number): Buffer {
  const ipv4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  const address = ipv4 !== null
    ? Buffer.from([1, ...ipv4.slice(1).map(Number)])
    : Buffer.concat([Buffer.from([3, Buffer.byteLength(host)]), Buffer.from(host)]);
  const portBytes = Buffer.from([port >> 8, port & 0xff]);
  return Buffer.concat([Buffer.from([5, 1, 0]), address, portBytes]);
}
