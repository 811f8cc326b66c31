/**
 * Why an ssh launch failed, in words a user can act on. ssh reports every failure of its own
 * with exit code 255 and one line on stderr; the remote command's failures come with their
 * own exit codes (127: a program not found). The raw messages stay in the error's stderr tail.
 *
 * @example
 * ```ts
 * explainFailure({ code: 255, signal: null }, "ssh: Could not resolve hostname node9: Name or service not known", ctx);
 * // "the host name could not be resolved (is \"node9\" spelled right, and in DNS or ~/.ssh/config?)"
 * ```
 * @module
 */
import type { ExitStatus } from "../../src/internal.ts";

/** What the explanation may mention. */
export interface FailureContext {
  /** The host as the user wrote it. */
  host: string;
  /** The runtime executable the remote command runs. */
  runtime: string;
  /** The worker entry file on the remote host. */
  entry: string;
  /** The ssh executable. */
  ssh: string;
}

const SSH_REASONS: Array<[RegExp, (c: FailureContext) => string]> = [
  [
    /Could not resolve hostname|Name or service not known|nodename nor servname/i,
    (c) => `the host name could not be resolved (is "${c.host}" spelled right, and in DNS, /etc/hosts or ~/.ssh/config?)`,
  ],
  [/Connection refused/i, () => "the connection was refused (no sshd listening on that address and port)"],
  [
    /Permission denied|Too many authentication failures/i,
    () =>
      'authentication failed: ssh runs with BatchMode (never a password prompt); give a key with sshflags: ["-i", keyFile], load it into ssh-agent, or set it up in ~/.ssh/config',
  ],
  [
    /Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|No .* host key is known/i,
    () => "the host key is not known or has changed: connect once by hand to check and record it in known_hosts",
  ],
  [
    /Connection timed out|Operation timed out|timed out during banner exchange/i,
    () => "the connection timed out (host down, firewalled, or unreachable from here)",
  ],
  [/No route to host|Network is unreachable/i, () => "the host is unreachable from here (no route)"],
  [
    /forwarding failed|cannot listen to port|Address already in use/i,
    () => "ssh could not set up the tunnel's local port (tunnel: true); try again",
  ],
  [
    /Connection closed by|Connection reset by|kex_exchange_identification/i,
    () => "the server closed the connection during the handshake (sshd limits such as MaxStartups, or a firewall)",
  ],
];

/** One sentence on why the session ended before the launcher started its workers. */
export function explainFailure(status: ExitStatus, stderr: string, ctx: FailureContext): string {
  if (status.error !== undefined) {
    return `the ssh executable ${
      JSON.stringify(ctx.ssh)
    } could not be run (${status.error.message}); install OpenSSH's client or give option ssh`;
  }
  if (status.code === 255) {
    for (const [pattern, reason] of SSH_REASONS) if (pattern.test(stderr)) return reason(ctx);
    return "ssh failed (exit code 255; its message is below)";
  }
  if (status.code === 127 || /env: .*No such file or directory|command not found/i.test(stderr)) {
    return `${
      JSON.stringify(ctx.runtime)
    } was not found on the remote PATH (the PATH a non-interactive ssh session gets); install it there, or give exename: "/path/to/${ctx.runtime}"`;
  }
  if (/working directory .* cannot be used/.test(stderr)) {
    return "the working directory given with option dir does not exist there (or is not accessible)";
  }
  if (/Cannot find module|Module not found|ERR_MODULE_NOT_FOUND/i.test(stderr)) {
    return `the package is not installed at ${ctx.entry} there; install it at the same path, or give option entry with its path on that host`;
  }
  const how = status.signal !== null ? `killed by ${status.signal}` : `exit code ${status.code}`;
  return `the remote command ended (${how}) before it started any worker`;
}
