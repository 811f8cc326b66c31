// Shared suite: what goes wrong — dead workers, interrupts, and hostile or broken connections —
// against workers of one runtime. Each test adds the workers it breaks.
import net from "node:net";
import type tap from "tap";
import { addprocs, clusterCookie, ProcessExitedError, registerClass, RemoteError, remotecall, remotecallFetch, rmprocs, workers, type RuntimeName } from "../../src/mod.ts";
import { peers } from "../../src/cluster/peers.ts";
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
      const err = await authenticate(conn, { role: "connector", cookie: "not-the-cookie", myPid: 1, timeoutMs: 5000 }).catch((e: unknown) => e);
      t.match(err, { name: "AuthenticationError", code: "ERR_AUTH" });
      t.match(String((err as Error).message), /cookie/);
      t.equal(await remotecallFetch(() => "ok", p!), "ok");
    });

    t.test("the cookie never crosses the wire; a bad MAC is refused", async (t) => {
      const socket = await rawSocket(p!);
      const reader = new FrameReader(4096);
      const received: Buffer[] = [];
      socket.on("data", (d: Buffer) => received.push(d));
      const hello = await new Promise<Record<string, unknown>>((resolve) => socket.once("data", (d) => resolve(decode(reader.push(d)[0]!.body) as Record<string, unknown>)));
      t.type(hello.nonce, Uint8Array, "HELLO carries a nonce");
      const closed = closedByPeer(socket);
      for (const c of encodeFrame(MSG.AUTH, 0, encode({ v: 1, nonce: new Uint8Array(16), pid: 1, mac: new Uint8Array(32) }).body, [])) socket.write(c);
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
        if (frames.length === 1) for (const c of encodeFrame(MSG.AUTH, 0, encode({ v: 999, nonce: new Uint8Array(16), pid: 1, mac: new Uint8Array(32) }).body, [])) socket.write(c);
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

  t.test("a frame above the receiver's limit closes that connection only", async (t) => {
    const [small, other] = await addprocs(2, { runtime, env: { DISTRIBUTED_MAX_FRAME_BYTES: String(1 << 20) } });
    const big = new Float64Array(1 << 18); // 2 MiB
    const err = await remotecallFetch((a: Float64Array) => a.length, small!, big).catch((e: unknown) => e);
    t.type(err, ProcessExitedError, "the worker refused the frame and its master connection closed");
    t.equal(await remotecallFetch((a: Float64Array) => a.length, other!, new Float64Array(1000)), 1000, "other connections are unaffected");
    await rmprocs([small!, other!]);
  });
}
