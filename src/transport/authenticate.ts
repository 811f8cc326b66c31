/**
 * Runs the cookie handshake (see protocol/handshake.ts) over a fresh Connection. Either side
 * that sees a wrong MAC or another protocol version says why (AUTH_FAIL) and closes. Each side
 * also says the largest frame it accepts (`max`), so that the other refuses larger messages
 * at the call site; a peer that does not say is sent anything, as before.
 *
 * @example
 * ```ts
 * const peerPid = await authenticate(conn, { role: "connector", cookie, myPid: 1, timeoutMs: 10_000 });
 * ```
 * @module
 */
import { AuthenticationError, ProtocolError } from "../errors.ts";
import { decode } from "../protocol/codec.ts";
import type { Frame } from "../protocol/frame.ts";
import { checkVersion, handshakeMac, macEquals, type Role } from "../protocol/handshake.ts";
import { messageName, MSG, PROTOCOL_VERSION } from "../protocol/messages.ts";
import { hmacSha256, randomBytes } from "../runtime/crypto.ts";
import type { Connection } from "./connection.ts";

/** Handshake parameters. */
export interface AuthOptions {
  role: Role;
  cookie: string;
  myPid: number;
  timeoutMs: number;
}

interface Hello {
  v: unknown;
  nonce: Uint8Array;
  pid: number;
  /** The largest frame the sender accepts (absent from peers that do not say). */
  max?: unknown;
}
interface Auth extends Hello {
  mac: Uint8Array;
}

/** Authenticates both ways; resolves with the peer's pid, or rejects and closes the connection. */
export function authenticate(conn: Connection, options: AuthOptions): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const nonce = randomBytes(16);
    let step = 0;
    let peerNonce: Uint8Array | null = null;
    let peerMax: unknown;
    const timer = setTimeout(
      () => fail(new AuthenticationError(`${conn.label} did not complete the handshake within ${options.timeoutMs} ms`), false),
      options.timeoutMs,
    );
    conn.hold();

    const finish = (): void => {
      clearTimeout(timer);
      conn.release();
      // Frames that arrive from now on wait for the connection's next owner.
      conn.onFrame = null;
    };
    const fail = (err: Error, tell: boolean): void => {
      if (step < 0) return;
      step = -1;
      finish();
      if (tell && !conn.closed) {
        try {
          conn.send(MSG.AUTH_FAIL, 0, { reason: err.message });
        } catch {
          // The connection may already be broken; the close below reports it either way.
        }
      }
      conn.close(err);
      reject(err);
    };
    const succeed = (peerPid: number, peerMax: unknown): void => {
      step = 2;
      finish();
      conn.authenticated(peerPid, typeof peerMax === "number" && Number.isInteger(peerMax) && peerMax > 0 ? peerMax : undefined);
      resolve(peerPid);
    };
    conn.closeError = (reason) =>
      reason ??
        new AuthenticationError(`${conn.label} closed the connection during the handshake (wrong cookie, or not a distributed process)`);
    const prevOnClose = conn.onClose;
    conn.onClose = (reason) => {
      prevOnClose(reason);
      if (step >= 0 && step < 2) fail(reason ?? conn.closeError(undefined), false);
    };

    conn.onFrame = (frame: Frame) => {
      try {
        const body = decode(frame.body) as Record<string, unknown>;
        if (frame.type === MSG.AUTH_FAIL) {
          fail(new AuthenticationError(`${conn.label} refused this process: ${String(body?.reason)}`), false);
          return;
        }
        if (options.role === "listener") onListenerFrame(frame.type, body);
        else onConnectorFrame(frame.type, body);
      } catch (err) {
        fail(
          err instanceof AuthenticationError || err instanceof ProtocolError
            ? err
            : new ProtocolError(`Bad handshake frame from ${conn.label}: ${(err as Error).message}`),
          true,
        );
      }
    };

    const expect = (type: number, wanted: number): void => {
      if (type !== wanted) {
        throw new ProtocolError(`${conn.label} sent ${messageName(type)} during the handshake, expected ${messageName(wanted)}`);
      }
    };

    function onListenerFrame(type: number, body: Record<string, unknown>): void {
      expect(type, MSG.AUTH);
      const auth = body as unknown as Auth;
      checkVersion(auth.v, conn.label);
      const expected = handshakeMac(hmacSha256, options.cookie, "connector", nonce, toBytes(auth.nonce));
      if (!macEquals(expected, toBytes(auth.mac))) {
        throw new AuthenticationError(`${conn.label} failed the cookie check: the two processes do not share a cluster cookie`);
      }
      // The MAC proves the cookie, not the pid: a confused peer may still claim nonsense. Only
      // the master and joined workers connect to a listener, so the pid is 1 or more.
      const peerPid = toPid(auth.pid, 1, conn.label);
      conn.send(MSG.AUTH_OK, 0, {
        mac: handshakeMac(hmacSha256, options.cookie, "listener", toBytes(auth.nonce), nonce),
        pid: options.myPid,
      });
      succeed(peerPid, auth.max);
    }

    function onConnectorFrame(type: number, body: Record<string, unknown>): void {
      if (step === 0) {
        expect(type, MSG.HELLO);
        const hello = body as unknown as Hello;
        checkVersion(hello.v, conn.label);
        peerNonce = toBytes(hello.nonce);
        peerMax = hello.max;
        step = 1;
        conn.send(MSG.AUTH, 0, {
          v: PROTOCOL_VERSION,
          nonce,
          pid: options.myPid,
          mac: handshakeMac(hmacSha256, options.cookie, "connector", peerNonce, nonce),
          max: conn.maxFrameBytes,
        });
        return;
      }
      expect(type, MSG.AUTH_OK);
      const ok = body as { mac: Uint8Array; pid: number };
      const expected = handshakeMac(hmacSha256, options.cookie, "listener", nonce, peerNonce!);
      if (!macEquals(expected, toBytes(ok.mac))) {
        throw new AuthenticationError(`${conn.label} could not prove it knows the cluster cookie; refusing to talk to it`);
      }
      // A worker that has not joined yet listens as pid 0.
      succeed(toPid(ok.pid, 0, conn.label), peerMax);
    }

    if (options.role === "listener") conn.send(MSG.HELLO, 0, { v: PROTOCOL_VERSION, nonce, pid: options.myPid, max: conn.maxFrameBytes });
  });
}

function toPid(value: unknown, min: number, label: string): number {
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= min) return value;
  let shown: string;
  try {
    shown = typeof value === "bigint"
      ? `${value}n`
      : typeof value === "object" && value !== null
      ? JSON.stringify(value)
      : typeof value === "string"
      ? JSON.stringify(value)
      : String(value);
  } catch {
    shown = typeof value;
  }
  throw new ProtocolError(`${label} claims pid ${shown.slice(0, 40)}; a pid is an integer >= ${min}`);
}

function toBytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  throw new ProtocolError("Handshake field is not binary");
}
