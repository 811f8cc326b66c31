// addprocs options and cluster settings: dir, env, restrict, the cookie, the environment scrub.
import t from "tap";
import { addprocs, clusterCookie, remotecallFetch, rmprocs, workers } from "../../src/mod.ts";
import { peers } from "../../src/cluster/peers.ts";
import { runMaster } from "../helpers/processes.ts";

type Env = { process: { cwd(): string; env: Record<string, string | undefined> } };

t.test("clusterCookie: set before workers, fixed while they run", async (t) => {
  t.throws(() => clusterCookie("short"), TypeError);
  t.equal(clusterCookie("a-cookie-of-my-own-0123"), "a-cookie-of-my-own-0123");
  const [p] = await addprocs(1);
  t.equal(await remotecallFetch(() => 1, p!), 1, "workers join with the chosen cookie");
  t.throws(() => clusterCookie("another-cookie-4567"), /cannot change the cookie while workers are connected/);
  t.equal(clusterCookie(), "a-cookie-of-my-own-0123");
  await rmprocs(p!);
});

t.test("dir and env reach the worker; NODE_EXTRA_CA_CERTS does not", async (t) => {
  process.env.NODE_EXTRA_CA_CERTS = "/nonexistent/ca.pem";
  const [p] = await addprocs(1, { dir: "/tmp", env: { DISTRIBUTED_TEST_FOO: "bar" } });
  delete process.env.NODE_EXTRA_CA_CERTS;
  const seen = await remotecallFetch(() => {
    const g = globalThis as unknown as Env;
    return { cwd: g.process.cwd(), foo: g.process.env.DISTRIBUTED_TEST_FOO, ca: g.process.env.NODE_EXTRA_CA_CERTS ?? null };
  }, p!);
  t.same(seen, { cwd: "/tmp", foo: "bar", ca: null });
  await rmprocs(p!);
});

t.test("restrict: false listens on all interfaces and advertises a reachable address", async (t) => {
  const [p] = await addprocs(1, { restrict: false });
  const address = peers.get(p!)?.address;
  t.ok(address, "address known");
  t.not(address!.host, "127.0.0.1", `advertises ${address!.host}`);
  t.equal(await remotecallFetch(() => "reachable", p!), "reachable");
  await rmprocs(p!);
  const [q] = await addprocs(1);
  t.equal(peers.get(q!)?.address?.host, "127.0.0.1", "the default listens on loopback");
  await rmprocs(q!);
  t.same(workers(), [1]);
});

t.test("a Node 20 master under tsx carries tsx to its workers (they import .ts modules)", async (t) => {
  const run = await runMaster("tsx", "../../../test/fixtures/issue-example", [], {}, 90_000);
  t.equal(run.code, 0, run.stderr);
  t.match(run.stdout, /"sum":3/);
  t.match(run.stdout, /"cached":true/);
});
