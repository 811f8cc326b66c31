// The SSH test hosts started by scripts/test-hosts/ssh.sh (scripts/test.sh starts them and
// passes their description in DISTRIBUTED_SSH_HOSTS). Usage in a test:
//   const hosts = sshHosts(t);
//   if (!hosts) return;
//   execFile("ssh", ["-F", hosts.sshConfig, "dh1", "hostname"]);
import { readFileSync } from "node:fs";

/** One SSH host: an alias in `sshConfig`, and where it really is. */
export interface SshHost {
  /** Name in sshConfig: dh0 (loopback), dh1, dh2 (network namespaces). */
  alias: string;
  /** IP address sshd listens on. */
  address: string;
  port: number;
  /** What `hostname` prints on it (dh0: this machine's own name). */
  hostname: string;
}

/** hosts.json as written by `scripts/test-hosts/ssh.sh start`. */
export interface SshHosts {
  /** Client config for `ssh -F`: key, known_hosts, User root, BatchMode, the aliases. */
  sshConfig: string;
  /** Private key (ed25519, no passphrase) the hosts accept for root. */
  key: string;
  /** known_hosts holding the hosts' key under every name they are reached by. */
  knownHosts: string;
  /** Port of dh0 on 127.0.0.1. */
  loopbackPort: number;
  hosts: SshHost[];
  /** This machine's address on the hosts' bridge: dh1 and dh2 reach this machine here, not on 127.0.0.1. */
  bridgeAddress: string;
}

/** The part of a tap test this helper uses. */
interface TestLike {
  fail(message: string): unknown;
  pass(message: string, extra: { skip: string }): unknown;
}

/**
 * The running SSH test hosts, or undefined after recording why there are none: a failure
 * under CI=true, otherwise a skipped test (and a loud line on stderr), so a run without
 * them never passes as if the SSH tests had run.
 */
export function sshHosts(t: TestLike): SshHosts | undefined {
  const file = process.env.DISTRIBUTED_SSH_HOSTS;
  let why: string;
  if (!file) {
    why = "DISTRIBUTED_SSH_HOSTS is not set";
  } else {
    try {
      return parse(readFileSync(file, "utf8"), file);
    } catch (err) {
      why = `cannot read DISTRIBUTED_SSH_HOSTS=${file}: ${(err as Error).message}`;
    }
  }
  if (process.env.CI === "true") {
    t.fail(`SSH test hosts are not running (scripts/test-hosts/ssh.sh start) and CI=true: ${why}`);
  } else {
    process.stderr.write(
      `\n*** SSH TESTS NOT RUN: the SSH test hosts are not running (${why}).\n` +
        `*** Start them as root with: bash scripts/test-hosts/ssh.sh start, then set DISTRIBUTED_SSH_HOSTS to the path it prints.\n\n`,
    );
    // An assertion marked skip: tap reports "# SKIP" and counts it in its summary's skip:.
    t.pass("SSH tests", { skip: `SSH test hosts are not running (${why}); start them with scripts/test-hosts/ssh.sh start` });
  }
  return undefined;
}

function parse(text: string, file: string): SshHosts {
  const v = JSON.parse(text) as Partial<SshHosts>;
  const ok = typeof v.sshConfig === "string" &&
    typeof v.key === "string" &&
    typeof v.knownHosts === "string" &&
    typeof v.loopbackPort === "number" &&
    typeof v.bridgeAddress === "string" &&
    Array.isArray(v.hosts) &&
    v.hosts.every((h) =>
      typeof h.alias === "string" && typeof h.address === "string" && typeof h.port === "number" && typeof h.hostname === "string"
    );
  if (!ok) throw new Error(`${file} is not a hosts.json written by scripts/test-hosts/ssh.sh`);
  return v as SshHosts;
}
