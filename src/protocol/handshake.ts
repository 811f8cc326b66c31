/**
 * The cookie handshake, as pure functions. Both ends prove they know the cookie without
 * sending it: each side sends a random nonce, and each answers with an HMAC-SHA256 of both
 * nonces keyed by the cookie, tagged with its role so one side's answer cannot be replayed as
 * the other's.
 *
 * ```
 * listener  -> HELLO  { v, nonce: nL, pid, max }
 * connector -> AUTH   { v, nonce: nC, pid, max, mac: H(cookie, "connector" nL nC) }
 * listener  -> AUTH_OK { mac: H(cookie, "listener" nC nL), pid }   (or AUTH_FAIL)
 * ```
 * `max` is the largest frame that side accepts: the other refuses larger messages before
 * sending them (an optional field: a peer that omits it is sent anything, as before).
 *
 * @example
 * ```ts
 * const mac = handshakeMac(hmacSha256, cookie, "connector", listenerNonce, connectorNonce);
 * ```
 * @module
 */
import { PROTOCOL_VERSION } from "./messages.ts";
import { ProtocolError } from "../errors.ts";

/** An HMAC-SHA256 implementation, supplied by the runtime layer. */
export type Hmac = (key: Uint8Array, data: Uint8Array) => Uint8Array;

/** Which end of the connection computes the MAC. */
export type Role = "connector" | "listener";

const ROLE_TAG: Record<Role, Uint8Array> = {
  connector: new TextEncoder().encode("distributed/connector/v1"),
  listener: new TextEncoder().encode("distributed/listener/v1"),
};

/** The MAC a side sends: H(cookie, role || peer's nonce || own nonce). */
export function handshakeMac(hmac: Hmac, cookie: string, role: Role, peerNonce: Uint8Array, ownNonce: Uint8Array): Uint8Array {
  const tag = ROLE_TAG[role];
  const data = new Uint8Array(tag.byteLength + peerNonce.byteLength + ownNonce.byteLength);
  data.set(tag, 0);
  data.set(peerNonce, tag.byteLength);
  data.set(ownNonce, tag.byteLength + peerNonce.byteLength);
  return hmac(new TextEncoder().encode(cookie), data);
}

/** Constant-time comparison of two MACs. */
export function macEquals(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  let diff = 0;
  for (let i = 0; i < a.byteLength; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Throws a clear error when the peer speaks another protocol version. */
export function checkVersion(peerVersion: unknown, peer: string): void {
  if (peerVersion !== PROTOCOL_VERSION) {
    throw new ProtocolError(
      `${peer} speaks protocol version ${String(peerVersion)}, this process speaks version ${PROTOCOL_VERSION}; ` +
        "install the same version of distributed on every host",
      "ERR_PROTOCOL_VERSION",
    );
  }
}
