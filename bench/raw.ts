/**
 * The raw limits: what the runtime itself achieves over loopback TCP with bare child
 * processes (bench/raw-child.ts) of the same runtime, measured in the same run as ours.
 *
 * - `pingPong`: 1-byte round trips, Nagle off on both ends, driven straight from the 'data'
 *   callback (no promises): the floor under one remotecallFetch.
 * - `echoBytes`: a buffer written at once and echoed back by the child; the receiving side
 *   only counts bytes (no reassembly copy), so this is the strict floor for the 128 MiB echo.
 * - `spawnListeners`: start n children that listen on a port and print it; the floor for
 *   addprocs(n).
 * - `RawRpcClient`: a minimal framed msgpack RPC with writes coalesced per microtask; the
 *   floor for many calls in flight.
 *
 * @module
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import net from "node:net";
import { pack, unpack } from "msgpackr";
import { currentRuntime, scriptCommand, sibling } from "./runtimes.ts";
import { now } from "./stats.ts";

/** A started raw child. */
export interface RawChild {
  port: number;
  /** Its OS pid. */
  pid: number;
  /** Closes its stdin (it exits on that), then kills it if needed; resolves once it is gone. */
  stop(): Promise<void>;
}

/** Starts a raw child of this runtime in `mode` and resolves once it listens. */
export function startRawChild(mode: "listen" | "echo" | "rpc"): Promise<RawChild> {
  const { file, args } = scriptCommand(currentRuntime(), sibling(import.meta.url, "raw-child"), [mode]);
  // Same environment as our workers get (workerEnv): without NODE_EXTRA_CA_CERTS, which
  // makes every Node start re-read the certificate file.
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  const child = spawn(file, args, { stdio: ["pipe", "pipe", "pipe"], env });
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const m = /port:(\d+)\n/.exec(out);
      if (m !== null) resolve({ port: Number(m[1]), pid: child.pid!, stop: () => stopChild(child, exited) });
    });
    child.once("error", reject);
    void exited.then(() => reject(new Error(`raw child (${mode}) exited before listening: ${stderr.trim()}`)));
  });
}

async function stopChild(child: ChildProcessWithoutNullStreams, exited: Promise<void>): Promise<void> {
  child.stdin.end();
  const timer = setTimeout(() => child.kill("SIGKILL"), 2000);
  await exited;
  clearTimeout(timer);
}

/** Connects to a raw child with Nagle off. */
export function connectTo(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port, noDelay: true }, () => {
      socket.setNoDelay(true);
      socket.off("error", reject);
      resolve(socket);
    });
    socket.once("error", reject);
  });
}

/** `n` 1-byte round trips to an echo child; resolves with the total milliseconds. */
export function pingPong(socket: net.Socket, n: number): Promise<number> {
  return new Promise((resolve) => {
    const one = new Uint8Array([1]);
    let received = 0;
    const t0 = now();
    const onData = (chunk: Uint8Array): void => {
      received += chunk.byteLength;
      if (received >= n) {
        socket.off("data", onData);
        resolve(now() - t0);
      } else {
        socket.write(one);
      }
    };
    socket.on("data", onData);
    socket.write(one);
  });
}

/** Sends `bytes` to an echo child and resolves with the milliseconds until all came back. */
export function echoBytes(socket: net.Socket, bytes: Uint8Array): Promise<number> {
  return new Promise((resolve) => {
    let received = 0;
    const t0 = now();
    const onData = (chunk: Uint8Array): void => {
      received += chunk.byteLength;
      if (received >= bytes.byteLength) {
        socket.off("data", onData);
        resolve(now() - t0);
      }
    };
    socket.on("data", onData);
    socket.write(bytes);
  });
}

/** Starts `n` listening children; resolves with the milliseconds until all printed their port (then stops them). */
export async function spawnListeners(n: number): Promise<number> {
  const t0 = now();
  const started = await Promise.allSettled(Array.from({ length: n }, () => startRawChild("listen")));
  const ms = now() - t0;
  await Promise.all(started.map((s) => (s.status === "fulfilled" ? s.value.stop() : undefined)));
  const failed = started.find((s) => s.status === "rejected");
  if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
  return ms;
}

/** A minimal framed msgpack RPC client for an `rpc` child. */
export class RawRpcClient {
  #socket: net.Socket;
  #pending = new Map<number, (value: unknown) => void>();
  #nextId = 1;
  #queue: Uint8Array[] = [];
  #queued = 0;
  #buffered: Buffer = Buffer.alloc(0);

  constructor(socket: net.Socket) {
    this.#socket = socket;
    socket.on("data", (chunk: Buffer) => this.#onData(chunk));
  }

  /** Calls `name(...args)` on the child (which answers args[0], or 1). */
  call(name: string, args: unknown[]): Promise<unknown> {
    const id = this.#nextId++;
    const body = pack([name, args]);
    const frame = new Uint8Array(8 + body.length);
    const view = new DataView(frame.buffer);
    view.setUint32(0, body.length + 4);
    view.setUint32(4, id);
    frame.set(body, 8);
    if (this.#queue.length === 0) queueMicrotask(() => this.#flush());
    this.#queue.push(frame);
    this.#queued += frame.byteLength;
    return new Promise((resolve) => this.#pending.set(id, resolve));
  }

  /** Ends the connection. */
  close(): void {
    this.#socket.end();
  }

  #flush(): void {
    const merged = new Uint8Array(this.#queued);
    let at = 0;
    for (const f of this.#queue) {
      merged.set(f, at);
      at += f.byteLength;
    }
    this.#queue = [];
    this.#queued = 0;
    this.#socket.write(merged);
  }

  #onData(chunk: Buffer): void {
    const data = this.#buffered.length === 0 ? chunk : Buffer.concat([this.#buffered, chunk]);
    let at = 0;
    while (data.length - at >= 8) {
      const length = data.readUInt32BE(at);
      if (data.length - at - 4 < length) break;
      const id = data.readUInt32BE(at + 4);
      const value = unpack(data.subarray(at + 8, at + 4 + length));
      at += 4 + length;
      const resolve = this.#pending.get(id);
      this.#pending.delete(id);
      resolve?.(value);
    }
    this.#buffered = data.subarray(at);
  }
}
