/**
 * Remote calls, as in Julia: remotecall (a Future), remotecallFetch (the value),
 * remotecallWait (a Future, once done), remoteDo (fire and forget); spawnat, fetchfrom and
 * remote, the shorthands built on them, are in spawn.ts.
 *
 * A call to this process's own pid runs here without serialization. Errors thrown by the
 * called function come back as RemoteError ("On worker N: ..."); a call to, or a Future on, a
 * worker that has exited fails at once with ProcessExitedError. Anything that cannot be sent
 * (a free variable the workers lack, a function inside data, an unregistered class) throws at
 * the call site before anything leaves this process.
 *
 * Why one file: the four verbs share the three ways a call goes (run here without
 * serialization, one frame to a pid, through a pool here or on its owner) and the pool routes
 * call back into the pid routes, so split they would import each other in a loop.
 *
 * @example
 * ```ts
 * import { addprocs, myid, remotecall, remotecallFetch, spawnat } from "distributed";
 * await addprocs(2);
 * await remotecallFetch((a, b) => a + b, 2, 1, 2);       // 3
 * const f = remotecall(() => Math.random(), 3);           // a Future; the value stays on 3
 * await spawnat("any", () => myid()).fetch();             // round robin over the workers
 * ```
 * @module
 */
import { RemoteError, toWireError } from "../errors.ts";
import { encodeCall } from "../code/invoke.ts";
import { MSG } from "../protocol/messages.ts";
import { Connection } from "../transport/connection.ts";
import { writeStderr } from "../runtime/host.ts";
import { peers } from "../cluster/peers.ts";
import { state } from "../cluster/state.ts";
import { Future, newRefId } from "./future.ts";
import { isPool, type WorkerPool } from "./worker-pool.ts";
import { CachingPool, callCached } from "./caching-pool.ts";
import { refKey, refs } from "./refs.ts";
// A process that can call can be called back: loading the remote verbs registers the servers
// of calls and references with the message router, on the master and on every worker.
import "./call-server.ts";
import "./ref-server.ts";

/** @internal Any function (what the verbs accept). */
// deno-lint-ignore no-explicit-any
export type AnyFn = (...args: any[]) => unknown;

/** @internal Returns `pid` if it is a positive integer; throws TypeError naming `where` otherwise. */
export function checkPid(pid: unknown, where: string): number {
  if (typeof pid !== "number" || !Number.isInteger(pid) || pid < 1) {
    throw new TypeError(
      `${where}: the pid must be a positive integer, got ${
        pid === null ? "null" : typeof pid === "string" ? JSON.stringify(pid) : String(pid)
      }`,
    );
  }
  return pid;
}

function runLocally(f: AnyFn, args: unknown[]): Promise<unknown> {
  return runHere(() => f(...args)).catch((err: unknown) => {
    throw new RemoteError(state.myid, toWireError(err, state.myid));
  });
}

/**
 * @internal Runs `fn` on this process in a microtask, after the frames queued so far have been
 * written: calls made to other processes in the same tick then run alongside `fn`, not after it
 * (`Promise.all(pids.map((p) => remotecallFetch(f, p)))` with this pid among them).
 */
export function runHere<T>(fn: () => T): Promise<Awaited<T>> {
  return Promise.resolve().then(() => {
    Connection.flushAll();
    return fn();
  }) as Promise<Awaited<T>>;
}

/**
 * Calls `f(...args)` on process `pid` and returns a Future at once; the result stays on
 * `pid` until fetched.
 *
 * @example
 * ```ts
 * import { addprocs, remotecall, rmprocs } from "distributed";
 * const [p] = await addprocs(1);
 * const f = remotecall((n: number) => n * n, p, 12); // returns at once; the call runs on p
 * // ... other work here meanwhile ...
 * await f.fetch();                                    // 144, brought here from p
 * await rmprocs(p);
 * ```
 */
export function remotecall<F extends AnyFn>(f: F, pid: number | WorkerPool, ...args: Parameters<F>): Future<Awaited<ReturnType<F>>> {
  return remotecallAs("remotecall", f, pid, args);
}

/** @internal remotecall, naming `where` (the API the user called) in its errors. */
export function remotecallAs<F extends AnyFn>(
  where: string,
  f: F,
  pid: number | WorkerPool,
  args: unknown[],
): Future<Awaited<ReturnType<F>>> {
  if (isPool(pid)) {
    // The worker returns to the pool when the call has finished.
    const pool = pid;
    if (pool.where !== state.myid) return remotecallViaOwner(where, f, pool, args);
    const w = pool.takeNow();
    let future: Future<Awaited<ReturnType<F>>>;
    try {
      future = remotecallAs(where, f, w, args);
    } catch (err) {
      pool.put(w);
      throw err;
    }
    future.wait().then(
      () => pool.put(w),
      () => pool.put(w),
    );
    return future;
  }
  checkPid(pid, where);
  if (pid === state.myid) {
    const future = new Future<Awaited<ReturnType<F>>>();
    const key = refKey(future.whence, future.id);
    runLocally(f, args).then(
      (value) => refs.settle(key, true, value),
      (err: RemoteError) => refs.settle(key, false, err.remote),
    );
    return future;
  }
  const conn = peers.connectionTo(pid);
  const body = encodeCall(f, args, where);
  // Sent before the Future exists: a message refused here (too large for the receiver)
  // leaves no reference behind. The worker cannot answer before this function returns. The
  // frame id names the Future too: a callee that cannot decode the body still fails it.
  const id = newRefId();
  conn.send(MSG.CALL, id, [body[0], body[1], [state.myid, id]]);
  return Future.attach<Awaited<ReturnType<F>>>(pid, state.myid, id, true);
}

/**
 * Calls `f(...args)` on `pid` and resolves with its value (one round trip).
 *
 * @example
 * ```ts
 * import { addprocs, myid, remotecallFetch, rmprocs } from "distributed";
 * const [p] = await addprocs(1);
 * await remotecallFetch((a: number, b: number) => a + b, p, 1, 2); // 3
 * await remotecallFetch(() => myid(), p);                          // p
 * await remotecallFetch(() => JSON.parse("{"), p).catch((e) => e.remote.name); // "SyntaxError", from a RemoteError
 * await rmprocs(p);
 * ```
 */
export function remotecallFetch<F extends AnyFn>(f: F, pid: number | WorkerPool, ...args: Parameters<F>): Promise<Awaited<ReturnType<F>>> {
  return remotecallFetchAs("remotecallFetch", f, pid, args);
}

/** @internal remotecallFetch, naming `where` (the API the user called) in its errors. */
export function remotecallFetchAs<F extends AnyFn>(
  where: string,
  f: F,
  pid: number | WorkerPool,
  args: unknown[],
): Promise<Awaited<ReturnType<F>>> {
  if (isPool(pid)) {
    return onPool(pid, (w, pool) => (pool instanceof CachingPool ? viaCache(pool, f, w, args) : remotecallFetchAs(where, f, w, args)));
  }
  try {
    checkPid(pid, where);
    if (pid === state.myid) return runLocally(f, args) as Promise<Awaited<ReturnType<F>>>;
    const conn = peers.connectionTo(pid);
    return conn.request(MSG.CALL_FETCH, encodeCall(f, args, where)) as Promise<Awaited<ReturnType<F>>>;
  } catch (err) {
    return Promise.reject(err);
  }
}

/**
 * Calls `f(...args)` on `pid`, waits until it has finished, and resolves with a Future of its value.
 *
 * @example
 * ```ts
 * import { addprocs, remotecallWait, rmprocs } from "distributed";
 * const [p] = await addprocs(1);
 * const f = await remotecallWait(async () => { await new Promise((r) => setTimeout(r, 100)); return "done"; }, p);
 * await f.isready(); // true: the call has finished, its value still on p
 * await f.fetch();   // "done"
 * await rmprocs(p);
 * ```
 */
export async function remotecallWait<F extends AnyFn>(
  f: F,
  pid: number | WorkerPool,
  ...args: Parameters<F>
): Promise<Future<Awaited<ReturnType<F>>>> {
  if (isPool(pid)) return onPool(pid, (w) => remotecallWait(f, w, ...args));
  checkPid(pid, "remotecallWait");
  if (pid === state.myid) {
    const future = remotecall(f, pid, ...args);
    await future.wait();
    return future;
  }
  const conn = peers.connectionTo(pid);
  const body = encodeCall(f, args, "remotecallWait");
  const future = Future.attach<Awaited<ReturnType<F>>>(pid, state.myid, newRefId(), true);
  await conn.request(MSG.CALL_WAIT, [body[0], body[1], [future.whence, future.id]]);
  return future;
}

/**
 * Runs `f(...args)` on `pid` without waiting or returning anything. Errors are printed on
 * that process's stderr (forwarded to the master's as "From worker N:").
 *
 * @example
 * ```ts
 * import { addprocs, RemoteChannel, remoteDo, rmprocs } from "distributed";
 * const [p] = await addprocs(1);
 * const done = new RemoteChannel<string>();               // on this process
 * remoteDo((done: RemoteChannel<string>) => done.put("hello from the worker"), p, done);
 * await done.take();                                      // "hello from the worker"
 * await rmprocs(p);
 * ```
 */
export function remoteDo<F extends AnyFn>(f: F, pid: number | WorkerPool, ...args: Parameters<F>): void {
  if (isPool(pid)) {
    if (pid.where !== state.myid) {
      // The owner hands out the worker: check everything here first, as for a pid.
      encodeCall(f, args, "remoteDo");
      onPool(pid, async (w) => remoteDo(f, w, ...args)).catch((err: unknown) =>
        writeStderr(`Error in remoteDo: ${err instanceof Error ? err.stack || err.message : String(err)}\n`)
      );
      return;
    }
    const w = pid.takeNow();
    try {
      remoteDo(f, w, ...args);
    } finally {
      pid.put(w);
    }
    return;
  }
  checkPid(pid, "remoteDo");
  if (pid === state.myid) {
    runLocally(f, args).catch((err: RemoteError) => writeStderr(`Error in remoteDo: ${err.remote.stack || err.remote.message}\n`));
    return;
  }
  const conn = peers.connectionTo(pid);
  conn.send(MSG.REMOTE_DO, 0, encodeCall(f, args, "remoteDo"));
}

/** Runs `work` on an idle worker of `pool` (waiting for one), then gives the worker back. */
async function onPool<T>(pool: WorkerPool, work: (pid: number, pool: WorkerPool) => Promise<T>): Promise<T> {
  const w = await pool.take();
  try {
    return await work(w, pool);
  } finally {
    pool.put(w);
  }
}

/**
 * remotecall on a pool that lives on another process: its owner hands out the worker, which
 * takes a round trip, so the Future is made here and receives the value once the call is done
 * (the worker is given back then, as for a local pool).
 */
function remotecallViaOwner<F extends AnyFn>(where: string, f: F, pool: WorkerPool, args: unknown[]): Future<Awaited<ReturnType<F>>> {
  encodeCall(f, args, where); // refuse what cannot be sent now, at the call site
  const future = new Future<Awaited<ReturnType<F>>>();
  const key = refKey(future.whence, future.id);
  remotecallFetchAs(where, f, pool, args).then(
    (value) => refs.settle(key, true, value),
    (err: unknown) => refs.settle(key, false, err instanceof RemoteError ? err.remote : toWireError(err, state.myid)),
  );
  return future;
}

/** A call through a CachingPool: the function crosses the wire once per worker. */
async function viaCache<F extends AnyFn>(pool: CachingPool, f: F, pid: number, args: unknown[]): Promise<Awaited<ReturnType<F>>> {
  if (pid === state.myid) return remotecallFetch(f, pid, ...(args as Parameters<F>));
  const id = await pool.cachedId(f, pid, remotecallFetch as never);
  return remotecallFetch(callCached, pid, id, ...args) as Promise<Awaited<ReturnType<F>>>;
}
