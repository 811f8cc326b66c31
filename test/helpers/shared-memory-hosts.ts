// The checks of SharedArray and Atomic across hosts that the SSH and Slurm tests share
// (test/cluster/ssh-shared-memory.test.ts, slurm-shared-memory.test.ts), given real workers:
// one on another host, and worker processes on this host. Usage in a test:
//   await refusesOtherHost(t, { remote, remoteHost: "dh1", sameHost: [viaLoop, local] });
//   await sharesOnThisHost(t, viaLoop, local);
import type { Test } from "tap";
import { readdirSync, readFileSync } from "node:fs";
import { Atomic, gethostname, myid, remotecall, remotecallFetch, SharedArray, SharedMemoryError } from "../../src/mod.ts";

/** This package's segments listed in /dev/shm (they are unlinked once mapped: normally none). */
export const listedSegments = (): string[] => readdirSync("/dev/shm").filter((n) => n.startsWith("distributed-"));

/** This process's mappings of this package's segments: one per SharedArray or Atomic on a mapping. */
export const mappedSegments = (): number =>
  readFileSync("/proc/self/maps", "utf8")
    .split("\n")
    .filter((l) => l.includes("/dev/shm/distributed-")).length;

/** What `fn` threw or rejected with (fails the test if it did neither). */
export async function failure(t: Test, fn: () => unknown): Promise<Error> {
  try {
    await fn();
  } catch (err) {
    return err as Error;
  }
  t.fail("expected an error");
  return new Error("no error");
}

/** Workers for the checks: `remote` on host `remoteHost` (not this one), `sameHost` on this host. */
export interface HostWorkers {
  remote: number;
  remoteHost: string;
  /** Worker processes on this host that can map memory (at least one). */
  sameHost: number[];
}

/** The refusal of a participant on another host: its code, both hosts named, the alternatives. */
export function checkOtherHost(t: Test, err: Error, what: RegExp, w: HostWorkers): void {
  t.type(err, SharedMemoryError, `${err.name}: ${err.message}`);
  t.equal((err as SharedMemoryError).code, "ERR_SHARED_MEMORY_OTHER_HOST");
  t.match(err.message, what, "names what was refused");
  const hosts = `worker ${w.remote} runs on host ${w.remoteHost} and this process on host ${gethostname()}`;
  t.ok(err.message.includes(hosts), "names both hosts");
  t.match(err.message, /use a DArray .* or a RemoteChannel/, "suggests DArray or a RemoteChannel");
}

/**
 * Naming the remote worker as a participant is refused at the call site (SharedArray, Atomic,
 * SharedArray.create) before any memory is made or init runs; the default participants leave it
 * out; sending such a value to it is refused before anything is sent, and it still answers.
 */
export async function refusesOtherHost(t: Test, w: HostWorkers): Promise<void> {
  const { remote } = w;
  const local = w.sameHost[0]!;
  const segmentsBefore = listedSegments();
  const mappedBefore = mappedSegments();

  t.test("naming the worker on the other host as a participant is refused at the call site", async (t) => {
    checkOtherHost(t, await failure(t, () => new SharedArray(Float64Array, [4], { pids: [1, remote] })), /^SharedArray: /, w);
    checkOtherHost(t, await failure(t, () => new SharedArray(Float64Array, [4], { pids: [1, local, remote] })), /^SharedArray: /, w);
    checkOtherHost(t, await failure(t, () => new Atomic(Int32Array, 0, { pids: [1, remote] })), /^Atomic: /, w);
    checkOtherHost(t, await failure(t, () => new Atomic(Float64Array, 0, { pids: [1, ...w.sameHost, remote] })), /^Atomic: /, w);
    let inits = 0;
    const init = (): void => {
      inits++;
    };
    const create = (): Promise<unknown> => SharedArray.create(Float64Array, [4], { pids: [1, local, remote], init });
    checkOtherHost(t, await failure(t, create), /^SharedArray: /, w);
    t.equal(inits, 0, "init ran nowhere");
    t.equal(mappedSegments(), mappedBefore, "no memory was mapped here");
    t.same(listedSegments(), segmentsBefore, "no segment left in /dev/shm");
  });

  t.test("the worker on the other host refuses the master as a participant", async (t) => {
    const [array, atomic, own] = await remotecallFetch(() => {
      const refusal = (make: () => unknown): [string, string] => {
        try {
          make();
          return ["", "no error"];
        } catch (err) {
          return [(err as { code?: string }).code ?? "", (err as Error).message];
        }
      };
      return [
        refusal(() => new SharedArray(Float64Array, [4], { pids: [myid(), 1] })),
        refusal(() => new Atomic(Int32Array, 0, { pids: [1, myid()] })),
        new SharedArray(Float64Array, [2]).pids,
      ] as const;
    }, remote);
    const expected = `the master runs on host ${gethostname()} and this process on host ${w.remoteHost}: ` +
      "memory is shared only by processes on one host. Between hosts, use a DArray";
    t.equal(array[0], "ERR_SHARED_MEMORY_OTHER_HOST");
    t.ok(array[1].startsWith(`SharedArray: ${expected}`), array[1]);
    t.equal(atomic[0], "ERR_SHARED_MEMORY_OTHER_HOST");
    t.ok(atomic[1].startsWith(`Atomic: ${expected}`), atomic[1]);
    t.same(own, [remote], "its own array's default participants: itself");
  });

  t.test("default participants: this host's workers, not the other host's; sending there is refused", async (t) => {
    const S = new SharedArray(Float64Array, [4]);
    const A = new Atomic(Int32Array, 0);
    t.same(S.pids, [1, ...w.sameHost].sort((x, y) => x - y), "this process and the worker processes on this host");
    t.same(A.pids, S.pids);
    t.equal(S.mapped, true, "worker processes among them: a mapping");
    // Participants of threads only: a SharedArrayBuffer, whose refusal takes another path.
    const T = new SharedArray(Int32Array, [2], { pids: [1] });
    t.equal(T.mapped, false);

    // Counts its runs on the worker (a shipped function: no closure, so written out whole).
    const count = (_: unknown): void => {
      const g = globalThis as { xhostCalls?: number };
      g.xhostCalls = (g.xhostCalls ?? 0) + 1;
    };
    const mapped = /^A SharedArray<Float64Array>\[4\] is memory mapped by its participants \([\d, ]+\), and worker \d+ cannot map it: /;
    checkOtherHost(t, await failure(t, () => remotecallFetch(count, remote, S)), mapped, w);
    const atomicMapped = /^An Atomic<Int32Array>\(0\) is memory mapped by its participants/;
    checkOtherHost(t, await failure(t, () => remotecallFetch(count, remote, { nested: [A] })), atomicMapped, w);
    const buffered = /^A SharedArray<Int32Array>\[2\] cannot be sent to worker \d+: /;
    checkOtherHost(t, await failure(t, () => remotecallFetch(count, remote, T)), buffered, w);
    checkOtherHost(t, await failure(t, () => remotecall(count, remote, S)), mapped, w);
    const runs = await remotecallFetch(() => (globalThis as { xhostCalls?: number }).xhostCalls ?? 0, remote);
    t.equal(runs, 0, "nothing was sent: the function never ran there");
    t.equal(await remotecallFetch(() => gethostname(), remote), w.remoteHost, "the worker is alive and answers");
    t.equal(await remotecallFetch((n: number) => n + 1, remote, 41), 42, "and takes calls with arguments");
    t.equal(await remotecallFetch((v: number[]) => v.length, remote, Array.from(S.data)), 4, "a copy of the values goes");
  });
}

/**
 * Worker `pid`, on this host but reached some other way (ssh to this machine, a Slurm node that
 * is this machine), shares a mapping with this process and worker `other`: writes either way
 * are seen, and Atomic adds from all three at once are exact.
 */
export async function sharesOnThisHost(t: Test, pid: number, other: number): Promise<void> {
  const S = new SharedArray(Float64Array, [4]);
  const A = new Atomic(Int32Array, 0);
  t.ok(S.pids.includes(pid), "a default participant");
  const wrote = await remotecallFetch(
    (s: SharedArray<Float64ArrayConstructor>) => {
      s.data[2] = 42;
      return [gethostname(), s.mapped] as const;
    },
    pid,
    S,
  );
  t.same(wrote, [gethostname(), true], "mapped on the worker, on this host");
  t.equal(S.data[2], 42, "its write is seen here");
  S.data[3] = 7;
  t.equal(await remotecallFetch((s: SharedArray<Float64ArrayConstructor>) => s.data[3], pid, S), 7, "this process's write is seen there");
  const add = (a: Atomic<Int32ArrayConstructor>): void => {
    for (let i = 0; i < 5000; i++) a.add(1);
  };
  const adds = [remotecall(add, pid, A), remotecall(add, other, A)];
  add(A);
  await Promise.all(adds.map((f) => f.fetch()));
  t.equal(A.load(), 15000, "Atomic adds from the worker, another one on this host and this process: exact");
}
