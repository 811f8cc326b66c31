// Shared suite: what goes wrong — dead workers, interrupts, and hostile or broken connections —
// against workers of one runtime. Each test adds the workers it breaks.
import net from "node:net";
import type tap from "tap";
import {
  addprocs,
  capture,
  Channel,
  clusterCookie,
  everywhere,
  Future,
  pmap,
  ProcessExitedError,
  registerClass,
  remotecall,
  remotecallFetch,
  RemoteChannel,
  remoteDo,
  RemoteError,
  rmprocs,
  type RuntimeName,
  SerializationError,
  WorkerPool,
  workers,
} from "../../src/mod.ts";
import { peers } from "../../src/cluster/peers.ts";
import { state } from "../../src/cluster/state.ts";
import { decode, encode } from "../../src/protocol/codec.ts";
import { encodeFrame, FrameReader } from "../../src/protocol/frame.ts";
import { MSG } from "../../src/protocol/messages.ts";
import { authenticate } from "../../src/transport/authenticate.ts";
import { Connection } from "../../src/transport/connection.ts";
import { checkInterrupt, listenForSigint } from "../helpers/interrupt.ts";
import { alive } from "../helpers/processes.ts";

type TAP = typeof tap;

function ospidOf(pid: number): number {
  const ospid = peers.get(pid)?.info?.ospid;
  if (ospid === undefined) throw new Error(`no OS pid known for worker ${pid}`);
  return ospid;
}

function addressOf(pid: number): { host: string; port: number } {
  const address = peers.get(pid)?.address;
  if (address === undefined) throw new Error(`no address known for worker ${pid}`);
  return address;
}

/** Opens a raw TCP connection to a worker's port. */
function rawSocket(pid: number): Promise<net.Socket> {
  const { host, port } = addressOf(pid);
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port }, () => resolve(s));
    s.once("error", reject);
  });
}

/** Resolves when the socket is closed by the other side. */
function closedByPeer(s: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    s.on("data", () => {});
    s.once("close", () => resolve());
  });
}

/** Registered on the master only: workers cannot decode it. */
class OnlyOnTheMaster {
  x = 1;
}
registerClass(OnlyOnTheMaster);

export function failuresSuite(t: TAP, runtime: RuntimeName): void {
  t.test("a worker killed mid-call: the call fails promptly with ProcessExitedError, others keep working", async (t) => {
    const [victim, survivor] = await addprocs(2, { runtime });
    const pending = remotecallFetch(() => new Promise((r) => setTimeout(r, 30_000)), victim!);
    const future = remotecall(() => new Promise((r) => setTimeout(r, 30_000)), victim!);
    const fetched = future.fetch();
    await remotecallFetch(() => 1, victim!); // both calls are now running there
    const started = Date.now();
    process.kill(ospidOf(victim!), "SIGKILL");
    const err = await pending.catch((e: unknown) => e);
    t.type(err, ProcessExitedError);
    t.equal((err as ProcessExitedError).pid, victim);
    t.ok(Date.now() - started < 5000, `rejected after ${Date.now() - started} ms, not by a timeout`);
    await t.rejects(fetched, ProcessExitedError, "a Future owned by the dead worker rejects too");
    await t.rejects(remotecallFetch(() => 1, victim!), ProcessExitedError, "later calls fail at once");
    t.throws(() => remotecall(() => 1, victim!), ProcessExitedError);
    t.notOk(workers().includes(victim!), "the dead worker is no longer listed");
    t.equal(await remotecallFetch(() => 2, survivor!), 2, "the survivor keeps working");
    await rmprocs([survivor!]);
  });

  t.test("a worker killed while another connects to it: the caller sees ProcessExitedError, not the reset", async (t) => {
    const [b, a] = (await addprocs(2, { runtime })) as [number, number]; // a, the higher pid, connects to b
    // b's address, as the master hands it out, leads here: b is killed as a's connection
    // arrives, and the connection is reset before the master can have told a that b is gone.
    const server = net.createServer((socket) => {
      process.kill(ospidOf(b), "SIGKILL");
      socket.resetAndDestroy();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
    peers.get(b)!.address = { host: "127.0.0.1", port: (server.address() as net.AddressInfo).port };
    const seen = await remotecallFetch(
      (b: number) =>
        remotecallFetch(() => 1, b).then(
          () => "reached",
          (e: { name: string; code?: string; message: string }) => `${e.name} ${e.code}: ${e.message}`,
        ),
      a,
      b,
    );
    t.match(seen, /^ProcessExitedError ERR_PROCESS_EXITED: Worker \d+ has exited/);
    await rmprocs(a);
  });

  t.test("interrupt is a Ctrl-C on the worker: its SIGINT listeners run, its running async calls fail with InterruptError, it survives", async (t) => {
    const [p] = await addprocs(1, { runtime });
    await listenForSigint(p!);
    await checkInterrupt(t, p!, runtime, 5000);
    await checkInterrupt(t, p!, runtime, 5000); // a second one is handled the same
    await rmprocs(p!);
  });

  t.test("a remotecall whose argument the worker cannot decode fails its Future instead of leaving it pending", async (t) => {
    const [pid] = await addprocs(1, { runtime });
    const future = remotecall((o: unknown) => typeof o, pid!, new OnlyOnTheMaster());
    const err = await future.fetch().catch((e: unknown) => e);
    t.type(err, RemoteError);
    t.match((err as Error).message, /class "OnlyOnTheMaster", which is not registered/);
    t.equal(await remotecallFetch(() => 1, pid!), 1, "the worker keeps serving");
    await rmprocs([pid!]);
  });

  t.test("rmprocs ends the worker processes and unlists them", async (t) => {
    const pids = await addprocs(2, { runtime });
    const ospids = pids.map(ospidOf);
    await rmprocs(pids);
    for (const p of pids) t.notOk(workers().includes(p));
    for (const o of ospids) t.notOk(alive(o), `OS process ${o} has exited`);
    await t.rejects(remotecallFetch(() => 1, pids[0]!), ProcessExitedError);
  });

  t.test("hostile and broken connections are closed; the worker keeps serving its master", async (t) => {
    const [p] = await addprocs(1, { runtime });

    t.test("wrong cookie", async (t) => {
      const socket = await rawSocket(p!);
      const conn = new Connection(socket, { maxFrameBytes: 1 << 20, label: `worker ${p} (test)` });
      const err = await authenticate(conn, { role: "connector", cookie: "not-the-cookie", myPid: 1, timeoutMs: 5000 }).catch((e: unknown) =>
        e
      );
      t.match(err, { name: "AuthenticationError", code: "ERR_AUTH" });
      t.match(String((err as Error).message), /cookie/);
      t.equal(await remotecallFetch(() => "ok", p!), "ok");
    });

    t.test("the cookie never crosses the wire; a bad MAC is refused", async (t) => {
      const socket = await rawSocket(p!);
      const reader = new FrameReader(4096);
      const received: Buffer[] = [];
      socket.on("data", (d: Buffer) => received.push(d));
      const hello = await new Promise<Record<string, unknown>>((resolve) =>
        socket.once("data", (d) => resolve(decode(reader.push(d)[0]!.body) as Record<string, unknown>))
      );
      t.type(hello.nonce, Uint8Array, "HELLO carries a nonce");
      const closed = closedByPeer(socket);
      for (const c of encodeFrame(MSG.AUTH, 0, encode({ v: 1, nonce: new Uint8Array(16), pid: 1, mac: new Uint8Array(32) }).body, [])) {
        socket.write(c);
      }
      await closed;
      t.pass("the worker closed the connection after a bad MAC");
      t.notOk(Buffer.concat(received).includes(Buffer.from(clusterCookie())), "the cookie is not in anything the worker sent");
      t.equal(await remotecallFetch(() => "ok", p!), "ok");
    });

    t.test("garbage bytes", async (t) => {
      const socket = await rawSocket(p!);
      const closed = closedByPeer(socket);
      socket.write(Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n" + "\u0000\u00ff".repeat(100)));
      await closed;
      t.pass("closed");
      t.equal(await remotecallFetch(() => "ok", p!), "ok");
    });

    t.test("an oversized frame before authentication is refused without allocating it", async (t) => {
      const socket = await rawSocket(p!);
      const closed = closedByPeer(socket);
      const header = Buffer.alloc(13);
      header.writeUInt32BE(0xfffffff0, 0);
      socket.write(header);
      await closed;
      t.pass("closed");
      t.equal(await remotecallFetch(() => "ok", p!), "ok");
    });

    t.test("another protocol version is refused with a clear reason", async (t) => {
      const socket = await rawSocket(p!);
      const reader = new FrameReader(4096);
      const frames: Array<{ type: number; body: unknown }> = [];
      socket.on("data", (d) => {
        for (const f of reader.push(d)) frames.push({ type: f.type, body: decode(f.body) });
        if (frames.length === 1) {
          for (
            const c of encodeFrame(MSG.AUTH, 0, encode({ v: 999, nonce: new Uint8Array(16), pid: 1, mac: new Uint8Array(32) }).body, [])
          ) socket.write(c);
        }
      });
      await new Promise((r) => socket.once("close", r));
      const fail = frames.find((f) => f.type === MSG.AUTH_FAIL);
      t.ok(fail, "AUTH_FAIL was sent before closing");
      t.match(String((fail?.body as { reason?: string })?.reason), /protocol version 999.*same version/s);
      t.equal(await remotecallFetch(() => "ok", p!), "ok");
    });

    t.test("a truncated frame followed by a close", async (t) => {
      const socket = await rawSocket(p!);
      const header = Buffer.alloc(6);
      header.writeUInt32BE(100, 0);
      socket.resume();
      socket.end(header);
      await new Promise((r) => socket.once("close", r));
      t.equal(await remotecallFetch(() => "ok", p!), "ok");
    });

    await t.test("done", async (t) => {
      t.ok(peers.get(p!) !== undefined, "the worker is still in the cluster");
    });
    t.teardown(() => rmprocs(p!));
  });

  t.test("a message above the receiver's limit is refused at the call site; the worker keeps serving", async (t) => {
    const limit = 1 << 20;
    const [small, other] = await addprocs(2, { runtime, env: { DISTRIBUTED_MAX_FRAME_BYTES: String(limit) } });
    const ospid = ospidOf(small!);
    const big = new Float64Array(1 << 18); // 2 MiB
    const refused = (what: string, err: unknown): void => {
      t.type(err, SerializationError, `${what}: a SerializationError`);
      t.equal((err as SerializationError).code, "ERR_PAYLOAD_TOO_LARGE", `${what}: its code`);
      t.match((err as Error).message, /2097\d{3} bytes/, `${what}: names the size`);
      t.match((err as Error).message, new RegExp(`${limit} bytes.*worker ${small} accepts`), `${what}: names the receiver's limit`);
      t.match((err as Error).message, /DISTRIBUTED_MAX_FRAME_BYTES.*SharedArray.*chunks/, `${what}: names the fixes`);
    };
    refused("remotecallFetch", await remotecallFetch((a: Float64Array) => a.length, small!, big).catch((e: unknown) => e));
    refused(
      "remotecall",
      await Promise.resolve().then(() => remotecall((a: Float64Array) => a.length, small!, big)).catch((e: unknown) => e),
    );
    refused("remoteDo", await Promise.resolve().then(() => remoteDo((a: Float64Array) => a.length, small!, big)).catch((e: unknown) => e));
    refused("RemoteChannel put", await new RemoteChannel(() => new Channel(4), small!).put(big).catch((e: unknown) => e));
    refused("Future put", await new Future(small!).put(big).catch((e: unknown) => e));
    refused("pmap", await pmap((a: Float64Array) => a.length, [big], { pool: new WorkerPool([small!]) }).catch((e: unknown) => e));
    refused("everywhere", await everywhere(capture({ big }, () => big.length), { procs: [small!] }).catch((e: unknown) => e));
    t.ok(alive(ospid), "the worker's process is alive");
    t.equal(await remotecallFetch(() => globalThis.process.pid, small!), ospid, "the same OS process answers");
    t.equal(
      await remotecallFetch((a: Float64Array) => a.length, small!, new Float64Array(1000)),
      1000,
      "a message under the limit goes through",
    );
    t.equal(await remotecallFetch((a: Float64Array) => a.length, other!, big.subarray(0, 1000)), 1000, "other workers are unaffected");
    await rmprocs([small!, other!]);
  });

  t.test("a return value above the caller's limit is refused on the worker and comes back as an error", async (t) => {
    // What DISTRIBUTED_MAX_FRAME_BYTES in the master's environment sets, for the connections
    // made while it is lowered (this master process is shared by the whole suite).
    const saved = state.maxFrameBytes;
    state.maxFrameBytes = 1 << 20;
    let p: number;
    try {
      [p] = (await addprocs(1, { runtime })) as [number];
    } finally {
      state.maxFrameBytes = saved;
    }
    const ospid = ospidOf(p);
    const refused = (what: string, err: unknown): void => {
      t.type(err, RemoteError, `${what}: a RemoteError`);
      t.equal((err as RemoteError).pid, p, `${what}: from the worker`);
      t.match(
        (err as RemoteError).remote,
        { name: "SerializationError", code: "ERR_PAYLOAD_TOO_LARGE" },
        `${what}: refused as a SerializationError`,
      );
      t.match(
        (err as Error).message,
        /return value.*2097\d{3} bytes.*1048576 bytes.*the master accepts/s,
        `${what}: names the size and the master's limit`,
      );
      t.match((err as Error).message, /DISTRIBUTED_MAX_FRAME_BYTES=\d+ in the master's environment/, `${what}: names the fix`);
    };
    refused("remotecallFetch", await remotecallFetch(() => new Float64Array(1 << 18), p).catch((e: unknown) => e));
    refused("Future fetch", await remotecall(() => new Float64Array(1 << 18), p).fetch().catch((e: unknown) => e));
    refused("pmap", await pmap(() => new Float64Array(1 << 18), [1], { pool: new WorkerPool([p]) }).catch((e: unknown) => e));
    t.ok(alive(ospid), "the worker's process is alive");
    t.equal(await remotecallFetch(() => globalThis.process.pid, p), ospid, "the same OS process answers");
    t.equal((await remotecallFetch(() => new Float64Array(1000), p)).length, 1000, "a value under the limit comes back");
    await rmprocs(p);
  });

  t.test("a frame above the receiver's limit, from a peer that skips the check, closes that connection only", async (t) => {
    const [p] = await addprocs(1, { runtime, env: { DISTRIBUTED_MAX_FRAME_BYTES: String(1 << 20) } });
    const socket = await rawSocket(p!);
    const conn = new Connection(socket, { maxFrameBytes: 1 << 20, label: `worker ${p} (test)` });
    // Authenticated as a worker pid of its own; the frame then goes straight to the socket.
    await authenticate(conn, { role: "connector", cookie: clusterCookie(), myPid: 1000 + p!, timeoutMs: 10_000 });
    t.equal(conn.peerMaxFrameBytes, 1 << 20, "the worker said its limit in the handshake");
    const closed = closedByPeer(socket);
    // The Connection unrefs its socket: keep this process from seeing an idle event loop (and
    // removing its workers, as a finished script does) while the worker reads the frame.
    socket.ref();
    for (const c of encodeFrame(MSG.CALL_FETCH, 1, encode([0, 0]).body, [new Uint8Array(2 << 20)])) socket.write(c);
    await closed;
    t.pass("the worker closed that connection");
    t.equal(await remotecallFetch(() => "ok", p!), "ok", "and keeps serving its master");
    await rmprocs(p!);
  });
}
