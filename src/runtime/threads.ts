/**
 * Threads: starting one (node:worker_threads, which Node, Bun and Deno all provide), what a
 * thread knows about itself, and a byte stream over a MessagePort, so that the cluster
 * protocol runs between a process and its thread workers exactly as over TCP, plus the one
 * thing TCP cannot do: hand over shared memory by reference.
 *
 * @example
 * ```ts
 * const { port1, port2 } = newChannel();
 * const thread = startThread(new URL("./thread-main.js", import.meta.url), { port: port2 }, [port2]);
 * const stream = new PortStream(port1, (pairs) => registerSharedBuffers(pairs));
 * ```
 * @module
 */
import { isMainThread, MessageChannel, type MessagePort, threadId, Worker, workerData } from "node:worker_threads";
import type { ByteStream } from "./net.ts";
import { threadBootstrap } from "./ts-loader.ts";

export type { MessagePort };

/** A thread this one started. */
export interface ThreadHandle {
  /** Resolves with a description once the thread has ended ("exit code 0", or its error). */
  readonly exited: Promise<string>;
  /** Posts a message (structured clone; SharedArrayBuffers are shared, `transfer` moved). */
  post(message: unknown, transfer?: readonly Transferable[]): void;
  /** Messages from the thread. */
  onMessage(listener: (message: unknown) => void): void;
  /** Lets this process exit while the thread is idle. */
  unref(): void;
  ref(): void;
  /** Ends the thread at once. */
  terminate(): Promise<void>;
}

type Transferable = MessagePort | ArrayBuffer;

/**
 * Starts a thread running the module at `url` with `data` (see threadContext()). Messages go
 * over a port of their own, read with addEventListener: Deno's `.on("message")` inspects every
 * element of a message (8 ms for 64 KiB, measured), its EventTarget side does not. A Node
 * thread loads .ts modules whenever this process can: it registers the same tsx first (see
 * ts-loader.ts), for its entry and for every module everywhere() loads later.
 */
export function startThread(url: URL, data: unknown, transfer: readonly Transferable[] = []): ThreadHandle {
  const { port1, port2 } = new MessageChannel();
  const options = { workerData: { data, port: port2 }, transferList: [port2, ...transfer] as never };
  const bootstrap = threadBootstrap(url);
  const worker = bootstrap !== undefined ? new Worker(bootstrap, { ...options, eval: true }) : new Worker(url, options);
  let error: Error | undefined;
  worker.on("error", (err: Error) => (error = err));
  const exited = new Promise<string>((resolve) => {
    worker.once("exit", (code: number) => resolve(error !== undefined ? `failed: ${error.stack ?? error.message}` : `exit code ${code}`));
  });
  void exited.then(() => port1.close());
  return {
    exited,
    post: (message, list = []) => port1.postMessage(message, list as never),
    onMessage: (listener) => onPortMessage(port1, listener),
    unref: () => {
      worker.unref();
      port1.unref();
    },
    ref: () => {
      worker.ref();
      port1.ref();
    },
    terminate: async () => {
      await worker.terminate();
    },
  };
}

/** Calls `listener` with every message on `port` (its EventTarget side; see startThread). */
export function onPortMessage(port: MessagePort, listener: (message: never) => void): void {
  port.addEventListener("message", (event) => listener((event as MessageEvent).data as never));
  port.start();
}

/** A new pair of connected ports. */
export function newChannel(): { port1: MessagePort; port2: MessagePort } {
  const { port1, port2 } = new MessageChannel();
  return { port1, port2 };
}

/** What this thread knows about itself. */
export interface ThreadContext {
  isMainThread: boolean;
  threadId: number;
  /** The data its starter passed (undefined on the main thread). */
  data: unknown;
  /** Its starter's port, for messages (null on the main thread); read it with onPortMessage. */
  parent: MessagePort | null;
}

/** This thread's context: the data and the port its starter (startThread) gave it. */
export function threadContext(): ThreadContext {
  const given = workerData as { data: unknown; port: MessagePort } | null | undefined;
  return { isMainThread, threadId, data: given?.data, parent: given?.port ?? null };
}

/** Ends this thread (not the process) with an exit code; on the main thread, ends the process. */
export function exitThread(code: number): void {
  process.exit(code);
}

type StreamMessage = { t: "d"; b: Uint8Array } | { t: "s"; p: Array<[string, SharedArrayBuffer]> } | { t: "e" };

/**
 * A ByteStream over a MessagePort: bytes are copied into a fresh buffer and moved (never the
 * whole pooled buffer a view may sit in), shared memory is handed over by reference, and
 * either side ending closes both.
 */
export class PortStream implements ByteStream {
  readonly #port: MessagePort;
  readonly #onShare: (pairs: Array<[string, SharedArrayBuffer]>) => void;
  readonly #data: Array<(chunk: Uint8Array) => void> = [];
  readonly #close: Array<() => void> = [];
  #destroyed = false;

  /**
   * A stream over `port`. Shared memory that arrives goes to `onShare`; any message that is not
   * part of the stream (e.g. a thread's first word) to `onOther`.
   */
  constructor(port: MessagePort, onShare: (pairs: Array<[string, SharedArrayBuffer]>) => void, onOther?: (message: unknown) => void) {
    this.#port = port;
    this.#onShare = onShare;
    onPortMessage(port, (m: StreamMessage | { t?: undefined }) => {
      if (m.t === "d") { for (const cb of this.#data) cb(m.b); }
      else if (m.t === "s") this.#onShare(m.p);
      else if (m.t === "e") this.destroy();
      else onOther?.(m);
    });
    port.on("close", () => this.destroy());
  }

  /** Its port. */
  get port(): MessagePort {
    return this.#port;
  }

  on(event: "data" | "error" | "close", listener: ((chunk: Uint8Array) => void) | ((err: Error) => void) | (() => void)): this {
    if (event === "data") this.#data.push(listener as (chunk: Uint8Array) => void);
    else if (event === "close") this.#close.push(listener as () => void);
    return this;
  }

  resume(): this {
    return this;
  }

  ref(): this {
    (this.#port as { ref?: () => void }).ref?.();
    return this;
  }

  unref(): this {
    (this.#port as { unref?: () => void }).unref?.();
    return this;
  }

  write(chunk: Uint8Array, callback?: () => void): boolean {
    if (this.#destroyed) return false;
    // A fresh buffer of exactly these bytes: `chunk` may be a view into a large pooled buffer (a
    // Node Buffer's slice() is still a view), which must be neither copied whole nor moved.
    const copy = new Uint8Array(chunk);
    this.#port.postMessage({ t: "d", b: copy } satisfies StreamMessage, [copy.buffer as ArrayBuffer]);
    callback?.();
    return true;
  }

  share(pairs: ReadonlyArray<readonly [string, SharedArrayBuffer]>): void {
    if (!this.#destroyed) this.#port.postMessage({ t: "s", p: pairs.map(([id, b]) => [id, b]) } satisfies StreamMessage);
  }

  end(): this {
    if (!this.#destroyed) this.#port.postMessage({ t: "e" } satisfies StreamMessage);
    this.destroy();
    return this;
  }

  destroy(): this {
    if (this.#destroyed) return this;
    this.#destroyed = true;
    this.#port.close();
    for (const cb of this.#close.splice(0)) cb();
    return this;
  }

  get destroyed(): boolean {
    return this.#destroyed;
  }
}
