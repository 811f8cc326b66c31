/**
 * A pool thread (started by src/threads/pool.ts): Main with the package's exports, the
 * everywhere() calls made so far replayed, then tasks run one after another as they come:
 * decode the call (shared memory by reference), run it, post the result back.
 *
 * @module
 */
import "../mod.ts";
import { type CallBody, resolveCallable } from "../code/invoke.ts";
import { state } from "../cluster/state.ts";
import { setLocalLabel } from "../errors.ts";
import { decode, encode } from "../protocol/codec.ts";
import { registerSharedBuffers } from "../protocol/shared-memory-ids.ts";
import { sharedMappingUnsupported } from "../runtime/shm.ts";
import { onPortMessage, threadContext } from "../runtime/threads.ts";
import { failureReply, type PoolReply, type PoolRequest } from "../threads/pool.ts";

const context = threadContext();
const { threadid, myid, replay } = context.data as { threadid: number; myid: number; replay: Uint8Array[] };
// A pool thread belongs to its process: myid() is the process's pid.
state.myid = myid;
state.threadid = threadid;
setLocalLabel(`thread ${threadid}`);

async function run(call: CallBody): Promise<unknown> {
  const [fn, args] = await resolveCallable(call);
  let value = (fn as (...a: unknown[]) => unknown)(...args);
  if (value instanceof Promise) value = await value;
  return value;
}

// One task at a time, in order, after the replayed definitions.
let queue: Promise<unknown> = (async () => {
  for (const body of replay) await run(decode(body) as CallBody);
})();

onPortMessage(context.parent!, (request: PoolRequest) => {
  queue = queue.then(async () => {
    let reply: PoolReply;
    try {
      registerSharedBuffers(request.share);
      const value = await run(decode(request.body) as CallBody);
      const out = encode(value, {
        sharesMemory: true,
        canMap: sharedMappingUnsupported() === null,
        describe: "the thread that started this one",
      }, true);
      reply = { id: request.id, ok: true, body: new Uint8Array(out.body), share: out.shared };
    } catch (err) {
      reply = failureReply(request.id, err);
    }
    context.parent!.postMessage(reply);
  });
});
