/**
 * The bare child process of the raw baselines: `<runtime> raw-child.js <mode>`.
 *
 * It listens on a loopback TCP port, prints `port:<n>`, and then, by mode:
 * - `listen`: nothing more (the "spawn a process that opens a port" baseline; it imports
 *   nothing beyond node:net, so its start-up is the runtime's own);
 * - `echo`: writes every chunk it receives straight back (1-byte ping-pong, bulk echo);
 * - `rpc`: a minimal framed RPC, `[u32 length][u32 id][msgpack body]` each way, answering
 *   every request of one read in one write (the floor for calls-in-flight throughput).
 *
 * It exits when its stdin closes, so a bench that dies leaves nothing behind.
 *
 * @module
 */
import net from "node:net";

const mode = process.argv[2] ?? "";
if (!["listen", "echo", "rpc"].includes(mode)) {
  process.stderr.write(`raw-child: unknown mode ${JSON.stringify(mode)}; expected listen, echo or rpc\n`);
  process.exit(2);
}

process.stdin.on("end", () => process.exit(0));
process.stdin.on("error", () => process.exit(0));
process.stdin.resume();

const serve = mode === "rpc" ? await rpcServer() : mode === "echo" ? echo : () => {};

const server = net.createServer({ noDelay: true }, (socket) => {
  socket.setNoDelay(true);
  socket.on("error", () => socket.destroy());
  serve(socket);
});
server.listen({ host: "127.0.0.1", port: 0 }, () => {
  process.stdout.write(`port:${(server.address() as net.AddressInfo).port}\n`);
});

function echo(socket: net.Socket): void {
  socket.on("data", (chunk: Uint8Array) => socket.write(chunk));
}

async function rpcServer(): Promise<(socket: net.Socket) => void> {
  // Loaded only in this mode, so that `listen` times the bare runtime.
  const { pack, unpack } = await import("msgpackr");
  return (socket) => {
    let pending: Buffer = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      const data = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      const replies: Buffer[] = [];
      let at = 0;
      while (data.length - at >= 8) {
        const length = data.readUInt32BE(at);
        if (data.length - at - 4 < length) break;
        const id = data.readUInt32BE(at + 4);
        const [, args] = unpack(data.subarray(at + 8, at + 4 + length)) as [string, unknown[]];
        // pack() returns a view of a buffer msgpackr reuses: copy it into the frame now.
        const body = pack(args.length === 0 ? 1 : args[0]);
        const frame = Buffer.allocUnsafe(8 + body.length);
        frame.writeUInt32BE(body.length + 4, 0);
        frame.writeUInt32BE(id, 4);
        body.copy(frame, 8);
        replies.push(frame);
        at += 4 + length;
      }
      pending = data.subarray(at);
      if (replies.length > 0) socket.write(Buffer.concat(replies));
    });
  };
}
