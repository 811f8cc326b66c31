/**
 * Machine specifications for the SSH manager, as Julia's `addprocs(machines)` takes them: host
 * strings `"[user@]host[:port] [bind_addr[:port]]"`, `[host, count]` pairs, and machine files with
 * one `[count*][user@]host[:port] [bind_addr[:port]]` per line (`count` may be `auto`: the host's
 * CPU count). Pure parsing, no I/O.
 *
 * Hosts are names or IPv4 addresses (`[A-Za-z0-9._-]`, not starting with `-`: they end up on an
 * ssh command line, where `-` would start an option and anything else could reach a shell), or
 * IPv6 addresses. An IPv6 address is written in brackets when it has a port (`[::1]:22`); without
 * brackets it is taken whole, as an address without a port (`fe80::1:22` is an address, never
 * port 22). A host made only of digits and dots must be a dotted quad.
 *
 * Bad input is a RangeError when a number is out of range (count 0, port 65536, octet 256) and a
 * TypeError otherwise. Every message says where (index or file:line), what was wrong, quotes the
 * input and shows the expected form.
 *
 * Why one file: it is one grammar, and its error messages belong with it: the host forms
 * (name, IPv4, IPv6 with or without brackets), ports and counts share one way of saying where
 * the input is wrong, what was expected, and quoting it.
 *
 * @example
 * ```ts
 * import { describeMachine, parseMachineFile } from "distributed/managers";
 * const [spec] = parseMachineFile("auto*alice@node2:2222 10.0.0.2:9000\n", "hosts.txt");
 * // spec: { user: "alice", host: "node2", port: 2222, count: "auto", bindAddr: "10.0.0.2", bindPort: 9000, ... }
 * describeMachine(spec); // => "alice@node2:2222"
 * ```
 * @module
 */

/** One host of a cluster and how many workers to start there. */
export interface MachineSpec {
  /** ssh user; absent: ssh's default. */
  user?: string;
  /** ssh host: a name, IPv4 address or IPv6 address (without brackets). */
  host: string;
  /** ssh port (`ssh -p`); absent: ssh's default. */
  port?: number;
  /** Workers on that host (default 1); `"auto"`: one per CPU of the host. */
  count: number | "auto";
  /** Address the workers listen on, on that host (without brackets); absent: the manager's default. */
  bindAddr?: string;
  /** Port the workers listen on; absent: any free port. */
  bindPort?: number;
  /** The spec as written, for messages. */
  source: string;
}

/** One element of an `addprocs` machine list: a host string or a `[host string, count]` pair. */
export type MachineEntry = string | readonly [string, number | "auto"];

const FORM = "[count*][user@]host[:port] [bind_addr[:port]]";
const PAIR_FORM = `["[user@]host[:port] [bind_addr[:port]]", count]`;
const NAME = /^[A-Za-z0-9._-]+$/;
const NAME_CHARS = `letters, digits, ".", "_" or "-"`;
// A "*" in the first word, or after it with only spaces between: the count prefix.
const COUNT_PREFIX = /^([^\s*]*)\s*\*\s*([\s\S]*)$/;

interface Where {
  at: string;
  source: string;
  /** How messages show the input: a quoted string, or a pair as an array literal. */
  shown: string;
  form: string;
}

function fail(where: Where, what: string, Err: typeof TypeError = TypeError): never {
  throw new Err(`${where.at}: ${what} in ${where.shown} (expected ${where.form})`);
}

const q = (s: string): string => JSON.stringify(s);

function parseCount(text: string, where: Where): number | "auto" {
  if (text === "auto") return "auto";
  const what = `count must be a positive integer or "auto", got ${q(text)}`;
  if (!/^[0-9]+$/.test(text)) fail(where, what);
  const n = Number(text);
  if (n < 1 || !Number.isSafeInteger(n)) fail(where, what, RangeError);
  return n;
}

function parsePort(text: string, role: string, where: Where): number {
  const what = `${role} must be an integer from 1 to 65535, got ${q(text)}`;
  if (!/^[0-9]+$/.test(text)) fail(where, what);
  const n = Number(text);
  if (n < 1 || n > 65535) fail(where, what, RangeError);
  return n;
}

function isIPv4(s: string): boolean {
  const parts = s.split(".");
  return parts.length === 4 && parts.every((p) => /^[0-9]{1,3}$/.test(p) && Number(p) <= 255);
}

/** Structural IPv6 check: hex groups, at most one "::", an optional IPv4 tail and %zone. */
function isIPv6(s: string): boolean {
  const [addr = "", zone, ...rest] = s.split("%");
  if (rest.length > 0 || (zone !== undefined && !NAME.test(zone))) return false;
  const halves = addr.split("::");
  if (halves.length > 2) return false;
  const groups = halves.map((h) => (h === "" ? [] : h.split(":")));
  const all = groups.flat();
  let size = all.length;
  const last = all[all.length - 1];
  if (last !== undefined && last.includes(".")) {
    if (!isIPv4(last)) return false;
    all.pop();
    size += 1;
  }
  if (!all.every((g) => /^[0-9A-Fa-f]{1,4}$/.test(g))) return false;
  return halves.length === 2 ? size <= 7 : size === 8;
}

function checkName(host: string, role: string, where: Where): void {
  if (host === "") fail(where, `${role} is missing`);
  if (!NAME.test(host)) fail(where, `${role} must be ${NAME_CHARS} (or an IPv6 address in brackets), got ${q(host)}`);
  if (host.startsWith("-")) fail(where, `${role} must not start with "-" (ssh would read it as an option), got ${q(host)}`);
  if (/^[0-9.]+$/.test(host) && !isIPv4(host)) {
    const outOfRange = /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/.test(host);
    fail(
      where,
      `${role} looks like an IPv4 address but is not four numbers from 0 to 255, got ${q(host)}`,
      outOfRange ? RangeError : TypeError,
    );
  }
}

/** `host[:port]`, `[ipv6][:port]` or a bare IPv6 address. */
function parseHostPort(text: string, role: string, portRole: string, where: Where): { host: string; port?: number } {
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close < 0) fail(where, `${role} ${q(text)} is missing its closing "]"`);
    const host = text.slice(1, close);
    if (!isIPv6(host)) fail(where, `${role} in brackets must be an IPv6 address (hex groups and ":"), got ${q(text.slice(0, close + 1))}`);
    const after = text.slice(close + 1);
    if (after === "") return { host };
    if (!after.startsWith(":")) fail(where, `only ":${portRole}" may follow "]", got ${q(after)}`);
    return { host, port: parsePort(after.slice(1), portRole, where) };
  }
  const colons = text.split(":").length - 1;
  if (colons >= 2) {
    if (!isIPv6(text)) fail(where, `${role} has more than one ":" but is not an IPv6 address, got ${q(text)}`);
    return { host: text };
  }
  if (colons === 0) {
    checkName(text, role, where);
    return { host: text };
  }
  const [host = "", port = ""] = text.split(":");
  checkName(host, role, where);
  return { host, port: parsePort(port, portRole, where) };
}

/** `[user@]host[:port] [bind_addr[:port]]`, the count already taken off. */
function parseBody(body: string, count: number | "auto", where: Where): MachineSpec {
  const words = body.trim().split(/\s+/).filter((w) => w !== "");
  if (words.length === 0) fail(where, "host is missing");
  if (words.length > 2) fail(where, `unexpected text after the bind address, got ${q(words.slice(2).join(" "))}`);
  const [target = "", bind] = words;
  const spec: MachineSpec = { host: "", count, source: where.source };
  let hostPart = target;
  const at = target.indexOf("@");
  if (at >= 0) {
    const user = target.slice(0, at);
    if (!NAME.test(user) || user.startsWith("-")) fail(where, `user must be ${NAME_CHARS} and not start with "-", got ${q(user)}`);
    spec.user = user;
    hostPart = target.slice(at + 1);
  }
  const { host, port } = parseHostPort(hostPart, "host", "port", where);
  spec.host = host;
  if (port !== undefined) spec.port = port;
  if (bind !== undefined) {
    if (bind.includes("@")) fail(where, `the bind address takes no user, got ${q(bind)}`);
    const b = parseHostPort(bind, "bind address", "bind port", where);
    spec.bindAddr = b.host;
    if (b.port !== undefined) spec.bindPort = b.port;
  }
  return spec;
}

function parseString(text: string, at: string): MachineSpec {
  const source = text.trim();
  const where: Where = { at, source, shown: q(source), form: FORM };
  const m = COUNT_PREFIX.exec(source);
  if (m === null) return parseBody(source, 1, where);
  return parseBody(m[2] ?? "", parseCount(m[1] ?? "", where), where);
}

function describeValue(v: unknown): string {
  if (typeof v === "string") return q(v);
  if (typeof v === "number" || typeof v === "boolean" || v === null || v === undefined) return String(v);
  return Array.isArray(v) ? `an array of ${v.length}` : typeof v;
}

function parseEntry(entry: unknown, at: string): MachineSpec {
  if (typeof entry === "string") return parseString(entry, at);
  if (!Array.isArray(entry) || entry.length !== 2 || typeof entry[0] !== "string") {
    throw new TypeError(
      `${at}: expected a host string or a [host, count] pair, got ${describeValue(entry)} (expected "${FORM}" or ${PAIR_FORM})`,
    );
  }
  const [text, count] = entry as [string, unknown];
  const source = `[${q(text)}, ${describeValue(count)}]`;
  const where: Where = { at, source, shown: source, form: PAIR_FORM };
  if (COUNT_PREFIX.test(text.trim())) {
    fail(where, `a "count*" prefix is not allowed when the count is the pair's second element, got ${q(text.trim())}`);
  }
  if (count !== "auto") {
    const what = `count must be a positive integer or "auto", got ${describeValue(count)}`;
    if (typeof count !== "number" || !Number.isInteger(count)) fail(where, what);
    if (count < 1 || !Number.isSafeInteger(count)) fail(where, what, RangeError);
  }
  return parseBody(text, count as number | "auto", where);
}

/**
 * Parses one element of an `addprocs` machine list: `"[count*][user@]host[:port] [bind_addr[:port]]"`
 * or `["[user@]host[:port] [bind_addr[:port]]", count]`. (Julia's strings take no `count*`; here
 * they may, as in a machine file.)
 *
 * @example
 * ```ts
 * import { parseMachine } from "distributed/managers";
 * parseMachine("alice@[fe80::1]:2222");
 * // => { user: "alice", host: "fe80::1", port: 2222, count: 1, source: "alice@[fe80::1]:2222" }
 * parseMachine(["node3 10.0.0.3", "auto"]);
 * // => { host: "node3", count: "auto", bindAddr: "10.0.0.3", source: '["node3 10.0.0.3", "auto"]' }
 * ```
 */
export function parseMachine(entry: MachineEntry): MachineSpec {
  return parseEntry(entry, "Machine");
}

/**
 * Parses an `addprocs` machine list; errors name the index of the bad element.
 *
 * @example
 * ```ts
 * import { parseMachines } from "distributed/managers";
 * parseMachines(["node1", ["node2", 4], "2*bob@node3"]).map((s) => s.count); // => [1, 4, 2]
 * ```
 */
export function parseMachines(entries: readonly MachineEntry[]): MachineSpec[] {
  if (!Array.isArray(entries)) {
    throw new TypeError(`Machines must be an array of host strings or [host, count] pairs, got ${describeValue(entries)}`);
  }
  if (entries.length === 0) throw new TypeError(`Machines: no hosts in [] (expected at least one "${FORM}" or ${PAIR_FORM})`);
  return entries.map((entry, i) => parseEntry(entry, `Machine at index ${i}`));
}

/**
 * Parses a machine file: one `[count*][user@]host[:port] [bind_addr[:port]]` per line, `#` starts
 * a comment, blank lines are ignored; CRLF line ends and a BOM are accepted. Errors name
 * `file:line` (lines count from 1).
 *
 * @example
 * ```ts
 * import { parseMachineFile } from "distributed/managers";
 * parseMachineFile("# cluster\nnode1\n4*alice@node2:2222 10.0.0.2\nauto*[::1]\n", "hosts.txt").length; // => 3
 * ```
 */
export function parseMachineFile(text: string, fileName?: string): MachineSpec[] {
  if (typeof text !== "string") throw new TypeError(`Machine file text must be a string, got ${describeValue(text)}`);
  const name = fileName === undefined ? "" : ` ${fileName}`;
  const specs: MachineSpec[] = [];
  text.replace(/^\uFEFF/, "").split(/\r\n|\n|\r/).forEach((line, i) => {
    const content = line.replace(/#.*$/, "").trim();
    if (content !== "") specs.push(parseString(content, `Machine file${name} line ${i + 1}`));
  });
  if (specs.length === 0) throw new TypeError(`Machine file${name}: no hosts (expected lines of the form ${FORM}; "#" starts a comment)`);
  return specs;
}

const shownHost = (host: string): string => (host.includes(":") ? `[${host}]` : host);

/**
 * What ssh gets as its destination: `user@host` or `host` (an IPv6 address without brackets,
 * which is how ssh takes it). The port goes to `ssh -p`.
 *
 * @example
 * ```ts
 * destination(parseMachine("alice@[fe80::1]:2222")); // => "alice@fe80::1"
 * ```
 */
export function destination(spec: MachineSpec): string {
  return spec.user === undefined ? spec.host : `${spec.user}@${spec.host}`;
}

/**
 * The host for messages: `[user@]host[:port]`, with IPv6 addresses in brackets.
 *
 * @example
 * ```ts
 * import { describeMachine, parseMachine } from "distributed/managers";
 * describeMachine(parseMachine("alice@node2:2222")); // => "alice@node2:2222"
 * describeMachine(parseMachine("::1"));              // => "[::1]"
 * ```
 */
export function describeMachine(spec: MachineSpec): string {
  const user = spec.user === undefined ? "" : `${spec.user}@`;
  const port = spec.port === undefined ? "" : `:${spec.port}`;
  return `${user}${shownHost(spec.host)}${port}`;
}
