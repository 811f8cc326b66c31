/**
 * Randomness and HMAC for the cookie handshake (node:crypto exists in all three runtimes).
 *
 * @example
 * ```ts
 * const mac = hmacSha256(key, data);
 * ```
 * @module
 */
import { createHmac, randomBytes as nodeRandomBytes } from "node:crypto";

/** `n` cryptographically random bytes. */
export function randomBytes(n: number): Uint8Array {
  return new Uint8Array(nodeRandomBytes(n));
}

/** HMAC-SHA256 of `data` keyed by `key`. */
export function hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac("sha256", key).update(data).digest());
}

/** A fresh cluster cookie: 32 hex characters. */
export function newCookie(): string {
  return Buffer.from(randomBytes(16)).toString("hex");
}
