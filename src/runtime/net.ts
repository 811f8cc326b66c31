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

/** The byte stream a Connection runs over. */
export type Socket = net.Socket;

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
      reject(new Error(`Connecting to ${host}:${port} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.off("error", onError);
      socket.setNoDelay(true);
      resolve(socket);
    });
    const onError = (err: Error): void => {
      clearTimeout(timer);
      reject(new Error(`Cannot connect to ${host}:${port}: ${err.message}`, { cause: err }));
    };
    socket.once("error", onError);
  });
}
