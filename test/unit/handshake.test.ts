// Unit tests of src/protocol/handshake.ts (with the runtime's HMAC): the MACs bind the cookie,
// the role and the order of the nonces, comparison is exact, and a version mismatch says what to do.
import t from "tap";
import { ProtocolError } from "../../src/errors.ts";
import { checkVersion, handshakeMac, macEquals } from "../../src/protocol/handshake.ts";
import { PROTOCOL_VERSION } from "../../src/protocol/messages.ts";
import { hmacSha256, randomBytes } from "../../src/runtime/crypto.ts";
import { caught } from "../helpers/unit.ts";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

const nL = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
const nC = Uint8Array.from({ length: 16 }, (_, i) => 200 - i);
const cookie = "0123456789abcdef0123456789abcdef";

t.test("hmacSha256 matches RFC 4231 test case 2", (t) => {
  const mac = hmacSha256(utf8("Jefe"), utf8("what do ya want for nothing?"));
  t.equal(mac.byteLength, 32);
  t.equal(hex(mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  t.end();
});

t.test("handshakeMac is HMAC-SHA256(cookie, role tag || peer nonce || own nonce)", (t) => {
  const mac = handshakeMac(hmacSha256, cookie, "connector", nL, nC);
  t.equal(mac.byteLength, 32);
  const data = new Uint8Array([...utf8("distributed/connector/v1"), ...nL, ...nC]);
  t.equal(hex(mac), hex(hmacSha256(utf8(cookie), data)), "connector tag");
  const lmac = handshakeMac(hmacSha256, cookie, "listener", nC, nL);
  const ldata = new Uint8Array([...utf8("distributed/listener/v1"), ...nC, ...nL]);
  t.equal(hex(lmac), hex(hmacSha256(utf8(cookie), ldata)), "listener tag");
  t.equal(hex(handshakeMac(hmacSha256, cookie, "connector", nL, nC)), hex(mac), "deterministic");
  t.end();
});

t.test("the MAC differs by role, by nonce order, by nonce and by cookie", (t) => {
  const base = hex(handshakeMac(hmacSha256, cookie, "connector", nL, nC));
  t.not(hex(handshakeMac(hmacSha256, cookie, "listener", nL, nC)), base, "role");
  t.not(hex(handshakeMac(hmacSha256, cookie, "connector", nC, nL)), base, "nonce order");
  const other = nC.slice();
  other[15] = other[15]! ^ 1;
  t.not(hex(handshakeMac(hmacSha256, cookie, "connector", nL, other)), base, "one bit of a nonce");
  t.not(hex(handshakeMac(hmacSha256, cookie + "0", "connector", nL, nC)), base, "cookie");
  t.not(hex(handshakeMac(hmacSha256, cookie.toUpperCase(), "connector", nL, nC)), base, "cookie case");
  t.end();
});

t.test("one side's answer cannot be replayed as the other's", (t) => {
  // A peer that reflects the listener's HELLO nonce back must not be able to reuse the listener's
  // own answer: the listener's MAC over (nC, nL) differs from the connector MAC it expects.
  const n = randomBytes(16);
  const listenerAnswer = handshakeMac(hmacSha256, cookie, "listener", n, n);
  const expectedFromConnector = handshakeMac(hmacSha256, cookie, "connector", n, n);
  t.notOk(macEquals(listenerAnswer, expectedFromConnector));
  t.end();
});

t.test("a full exchange verifies on both ends with the same cookie and fails with another", (t) => {
  const listenerNonce = randomBytes(16);
  const connectorNonce = randomBytes(16);
  t.equal(listenerNonce.byteLength, 16);
  t.not(hex(listenerNonce), hex(connectorNonce), "fresh nonces differ");
  // connector -> listener
  const auth = handshakeMac(hmacSha256, cookie, "connector", listenerNonce, connectorNonce);
  t.ok(macEquals(handshakeMac(hmacSha256, cookie, "connector", listenerNonce, connectorNonce), auth), "listener accepts the connector");
  // listener -> connector
  const ok = handshakeMac(hmacSha256, cookie, "listener", connectorNonce, listenerNonce);
  t.ok(macEquals(handshakeMac(hmacSha256, cookie, "listener", connectorNonce, listenerNonce), ok), "connector accepts the listener");
  // a process with another cookie
  const wrong = handshakeMac(hmacSha256, "another cookie", "connector", listenerNonce, connectorNonce);
  t.notOk(macEquals(handshakeMac(hmacSha256, cookie, "connector", listenerNonce, connectorNonce), wrong), "a wrong cookie is refused");
  t.end();
});

t.test("macEquals compares exactly", (t) => {
  const a = handshakeMac(hmacSha256, cookie, "connector", nL, nC);
  t.ok(macEquals(a, a.slice()), "equal contents");
  for (const at of [0, 15, 31]) {
    const b = a.slice();
    b[at] = b[at]! ^ 0x80;
    t.notOk(macEquals(a, b), `differs at byte ${at}`);
  }
  t.notOk(macEquals(a, a.subarray(0, 31)), "shorter");
  t.notOk(macEquals(a.subarray(0, 31), a), "longer");
  t.notOk(macEquals(a, new Uint8Array(0)), "empty vs MAC");
  t.ok(macEquals(new Uint8Array(0), new Uint8Array(0)), "two empty arrays");
  t.end();
});

t.test("checkVersion accepts this protocol version", (t) => {
  t.doesNotThrow(() => checkVersion(PROTOCOL_VERSION, "worker 2"));
  t.end();
});

t.test("checkVersion refuses any other version with ERR_PROTOCOL_VERSION and tells what to install", (t) => {
  for (const v of [PROTOCOL_VERSION + 1, 0, String(PROTOCOL_VERSION), undefined, null]) {
    const err = caught(() => checkVersion(v, "worker 7 (host-a)"));
    t.ok(err instanceof ProtocolError, `${String(v)}: ProtocolError`);
    const e = err as ProtocolError;
    t.equal(e.code, "ERR_PROTOCOL_VERSION");
    t.match(e.message, /^worker 7 \(host-a\) speaks protocol version /, "names the peer");
    t.ok(e.message.includes(`version ${String(v)},`), "names the peer's version");
    t.ok(e.message.includes(`this process speaks version ${PROTOCOL_VERSION}`), "names this version");
    t.match(e.message, /install the same version of distributed on every host/);
  }
  t.end();
});
