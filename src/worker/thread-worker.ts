/**
 * A thread worker: a worker that is a thread of its master's process (started by
 * managers/threads.ts for `addprocs(n, { manager: "threads" })`). It speaks the same protocol
 * as a worker process, over a MessagePort instead of TCP, so the whole remote-call API works,
 * and values on shared memory (SharedArray, Atomic) travel by reference both ways. It also
 * listens on loopback, for connections from other workers.
 *
 * Its first message on the port says where it listens; the byte stream follows.
 *
 * @module
 */
import "../mod.ts";
import { maxFrameFromEnv, state } from "../cluster/state.ts";
import { registerSharedBuffers } from "../protocol/shared-memory-ids.ts";
import { exitThread, type MessagePort, PortStream, threadContext } from "../runtime/threads.ts";
import { setEnv, writeStderr } from "../runtime/host.ts";
import { serve } from "./serve.ts";

/** What the manager passes to the thread. */
export interface ThreadWorkerData {
  cookie: string;
  port: MessagePort;
  timeout: number;
  /** Environment variables this worker sees in addition to the process's (e.g. DISTRIBUTED_THREADS). */
  env: Record<string, string>;
}

const { cookie, port, timeout, env } = threadContext().data as ThreadWorkerData;
for (const [k, v] of Object.entries(env)) setEnv(k, v);
// Read at import, before the variables above were set: read again for this worker's own.
state.maxFrameBytes = maxFrameFromEnv();
const stream = new PortStream(port, registerSharedBuffers);
const leave = (code: number): void => {
  stream.destroy();
  exitThread(code);
};
serve({
  cookie,
  timeout,
  bind: "127.0.0.1",
  port: 0,
  leave,
  masterStream: stream,
  // Where it listens goes first, before any byte of the stream.
  onListening: (address) => port.postMessage({ t: "hello", host: address.host, port: address.port }),
}).catch(
  (err: Error) => {
    writeStderr(`Thread worker failed to start: ${err.message}\n`);
    leave(1);
  },
);
