// A DArray over an SSH worker on another host (dh1 of scripts/test-hosts/ssh.sh: sshd in its own
// network and UTS namespace) and a local worker, for each worker runtime: the chunks live on both
// hosts, work runs where each chunk is, and the operations that move chunks worker to worker
// (redistribute, halo, a matrix-vector product with a DArray vector) cross between the hosts.
// The local worker listens on every interface (restrict: false) so that dh1 can reach it.
import t from "tap";
import {
  addprocs,
  capture,
  distribute,
  dmap,
  fetchfrom,
  gethostname,
  halo,
  localindices,
  localReferenceCounts,
  norm,
  redistribute,
  remotecallFetch,
  rmprocs,
  type RuntimeName,
  workers,
} from "../../src/mod.ts";
import { sshHosts } from "../helpers/ssh-hosts.ts";

const hosts = sshHosts(t);
if (hosts !== undefined) {
  const flags = ["-F", hosts.sshConfig];
  const h1 = hosts.hosts.find((h) => h.alias === "dh1")!;
  const here = gethostname();

  for (const runtime of ["node", "bun", "deno"] as RuntimeName[]) {
    t.test(`a DArray over a ${runtime} worker on ${h1.alias} and a local one`, async (t) => {
      // A garbage collector the test can call on the workers, for the last check.
      const exeflags = runtime === "node" ? ["--expose-gc"] : runtime === "deno" ? ["--v8-flags=--expose-gc"] : [];
      const [remote] = await addprocs([h1.alias], { sshflags: flags, runtime, timeout: 60, exeflags });
      t.teardown(() => rmprocs(workers()));
      const [local] = await addprocs(1, { runtime, restrict: false, exeflags });
      const pids = [remote!, local!];
      const hostOf = (p: number): Promise<string> => remotecallFetch(() => gethostname(), p);
      t.same(await Promise.all(pids.map(hostOf)), [h1.hostname, here], "one owner on each host");

      const x = Float64Array.from({ length: 1001 }, (_, i) => Math.cos(i));
      const D = await distribute(x, { pids });
      t.same(
        // Each received handle is released when done, as the kernels do: otherwise it holds the
        // chunks until that worker's next garbage collection.
        await fetchfrom(
          remote!,
          capture({ D }, () => {
            const where = [gethostname(), localindices(D).map(String)];
            D.release();
            return where;
          }),
        ),
        [h1.hostname, ["range(0, 501)"]],
        "the first chunk is on dh1",
      );
      t.same([...(await D.collect())], [...x], "collected back exactly");
      const E = await D.map((v) => v * v);
      t.equal(
        await E.reduce("+"),
        [...x.subarray(0, 501)].reduce((s, v) => s + v * v, 0) + [...x.subarray(501)].reduce((s, v) => s + v * v, 0),
      );
      const F = await dmap((a: number, b: number) => a - b, E, E);
      t.equal(await F.reduce("max"), 0);

      // Worker to worker across the hosts: each new owner fetches its block from the other.
      const swapped = await redistribute(D, { pids: [local!, remote!] });
      t.same([...(await swapped.collect())], [...x], "redistributed onto the other hosts' workers");

      // Ghost columns across the hosts.
      const n = 6;
      const M = Float64Array.from({ length: n * n }, (_, k) => k);
      const G = await distribute(M, { dims: [n, n], dist: [1, 2], pids });
      const h = await fetchfrom(
        remote!,
        capture({ G, n }, async () => {
          const { data, dims } = await halo(G, 1);
          return [dims, Array.from(data.subarray(data.length - n))];
        }),
      );
      t.same(h, [[n, 4], [...M.subarray(3 * n, 4 * n)]], "dh1's owner got its ghost column from the local one");

      // The power method's product: each row block's owner fetches the vector from both hosts.
      const R = await distribute(M, { dims: [n, n], dist: [2, 1], pids });
      const v = await distribute(Float64Array.from({ length: n }, (_, i) => i + 1), { pids });
      const y = await R.mul(v);
      const serial = Array.from({ length: n }, (_, i) => {
        let s = 0;
        for (let j = 0; j < n; j++) s += M[i + j * n]! * (j + 1);
        return s;
      });
      t.same([...(await y.collect())], serial);
      t.equal(await norm(y), Math.sqrt(serial.slice(0, 3).reduce((s, a) => s + a * a, 0) + serial.slice(3).reduce((s, a) => s + a * a, 0)));

      for (const X of [D, E, F, swapped, G, R, v, y]) X.release();
      // Handles the workers received (in capture, as arguments) hold the chunks until released or
      // collected there: collect on both workers until every chunk is gone.
      const collect = (): void => {
        const g = globalThis as { gc?: () => void; Bun?: { gc(full: boolean): void } };
        if (g.Bun !== undefined) g.Bun.gc(true);
        else g.gc!();
      };
      const counts = async (): Promise<number[]> =>
        Promise.all(pids.map((p) => remotecallFetch((gc: () => void) => (gc(), localReferenceCounts().chunks), p, collect)));
      const start = Date.now();
      while ((await counts()).some((c) => c > 0) && Date.now() - start < 10_000) await new Promise((r) => setTimeout(r, 20));
      t.same(await counts(), [0, 0], "released: no chunk left on either host");
    });
  }
}
