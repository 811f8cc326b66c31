// Process-shared memory in one process: the /dev/shm segment (mode 0600, a random name,
// unlinked at once, held through a descriptor), its handle and how a handle is checked when it
// is opened, and the participants' rules with made-up workers: one on another host (refused
// with both host names), one that cannot map, one on this host (a mapping). The processes
// themselves are tested in test/cluster/shared-memory.test.ts.
import { readdirSync, readlinkSync, statSync } from "node:fs";
import { hostname } from "node:os";
import t from "tap";
import { Atomic, SharedArray, SharedMemoryError } from "../../src/mod.ts";
import { type Peer, peers } from "../../src/cluster/peers.ts";
import { whyCannotMap } from "../../src/cluster/memory-reach.ts";
import { encode } from "../../src/protocol/codec.ts";
import {
  createSharedMemory,
  isSharedMemory,
  memoryNamespace,
  openSharedMemory,
  sharedMemoryHandle,
  sharedMemoryProblem,
} from "../../src/runtime/shm.ts";
import { caught } from "../helpers/unit.ts";

/** This process's descriptors of segments of this package: link target and mode. */
function segments(): Array<{ fd: string; target: string; mode: number }> {
  return readdirSync("/proc/self/fd").flatMap((fd) => {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      return target.startsWith("/dev/shm/distributed-") ? [{ fd, target, mode: statSync(`/proc/self/fd/${fd}`).mode & 0o777 }] : [];
    } catch {
      return [];
    }
  });
}

t.test("this process can map (Node with koffi on Linux)", async (t) => {
  t.equal(sharedMemoryProblem(), null);
});

t.test("a segment: mode 0600, distributed-<ospid>-<128 random bits>, unlinked before use, zero-filled", async (t) => {
  const before = new Set(segments().map((s) => s.target));
  const buffer = createSharedMemory(100);
  const mine = segments().filter((s) => !before.has(s.target));
  t.equal(mine.length, 1, "one descriptor held");
  t.equal(mine[0]!.mode, 0o600, "mode 0600");
  t.match(
    mine[0]!.target,
    new RegExp(`^/dev/shm/distributed-${process.pid}-[0-9a-f]{32} \\(deleted\\)$`),
    "named with this OS pid and 32 hex digits, already unlinked",
  );
  t.same(readdirSync("/dev/shm").filter((n) => n.startsWith("distributed-")), [], "/dev/shm lists nothing");
  t.equal(buffer.byteLength, 100);
  t.ok(new Uint8Array(buffer).every((b) => b === 0), "zeros");
  t.equal(isSharedMemory(buffer), true);
  t.equal(isSharedMemory(new ArrayBuffer(8)), false);
  const names = new Set(Array.from({ length: 20 }, () => createSharedMemory(8)).map((b) => sharedMemoryHandle(b)!.name));
  t.equal(names.size, 20, "every name differs");
});

t.test("a handle names a holder's descriptor and the segment; opening checks both", async (t) => {
  const buffer = createSharedMemory(64);
  new Float64Array(buffer)[0] = 1.5;
  const handle = sharedMemoryHandle(buffer)!;
  t.equal(handle.ospid, process.pid);
  t.equal(handle.byteLength, 64);
  t.equal(openSharedMemory(handle), buffer, "opened where it is held: the same buffer");
  const gone = (h: object): string => {
    const err = caught(() => openSharedMemory({ ...handle, ...h }));
    t.type(err, SharedMemoryError);
    return `${(err as SharedMemoryError).code}: ${(err as Error).message}`;
  };
  t.match(
    gone({ name: `distributed-${process.pid}-${"0".repeat(32)}` }),
    /^ERR_SHARED_MEMORY_GONE: The shared memory distributed-\d+-0{32} is no longer held by the process that sent it/,
    "a segment this descriptor is not",
  );
  t.match(
    gone({ name: `distributed-${process.pid}-${"1".repeat(32)}`, fd: 0 }),
    /^ERR_SHARED_MEMORY_GONE/,
    "a descriptor of something else (stdin)",
  );
  t.match(
    gone({ name: `distributed-${process.pid}-${"2".repeat(32)}`, ospid: 0x7ffffffe }),
    /^ERR_SHARED_MEMORY_GONE: .*\(OS pid 2147483646\)/,
    "a process that is gone",
  );
  t.match(gone({ name: "../../etc/passwd" }), /^ERR_SHARED_MEMORY_GONE: Not shared memory of this package/, "a name that is not ours");
});

/** A worker that joined with this information (no connection is ever used). */
function fakePeer(pid: number, info: Partial<NonNullable<Peer["info"]>>): void {
  peers.add({
    pid,
    conn: { closed: true } as Peer["conn"],
    info: {
      ospid: 1,
      hostname: hostname(),
      cpus: 1,
      runtime: "node",
      runtimeVersion: "20",
      packageVersion: "0",
      sharedMemory: null,
      ...info,
    },
    state: "running",
    gone: new Promise(() => {}),
  });
}

t.test("this hostname is not enough: a worker on another kernel or in another PID namespace is another host", async (t) => {
  const ours = memoryNamespace();
  t.match(ours, /^[0-9a-f-]{36} pid:\[\d+\]$/, "this process's boot id and PID namespace");
  fakePeer(10, { memoryNamespace: "00000000-0000-0000-0000-000000000000 pid:[4026531836]" });
  fakePeer(11, { memoryNamespace: ours });
  fakePeer(12, { memoryNamespace: null });
  fakePeer(13, {});
  t.teardown(() => {
    for (const pid of [10, 11, 12, 13]) peers.remove(pid, "test over");
  });
  const apart = whyCannotMap(10)!;
  t.equal(apart.code, "ERR_SHARED_MEMORY_OTHER_HOST");
  t.equal(
    apart.message,
    `worker 10 runs on host ${hostname()}, as this process does by name, but apart from it: on another machine of that name, or in another PID namespace (a container), ` +
      `so it cannot open this process's memory (kernel boot id and PID namespace: 00000000-0000-0000-0000-000000000000 pid:[4026531836] there, ${ours} here). ` +
      "Between hosts, use a DArray (an array distributed over the workers) or a RemoteChannel, or send copies",
  );
  t.equal(whyCannotMap(11), null, "the same boot id and PID namespace: this host");
  t.equal(whyCannotMap(12), null, "a worker that cannot tell: its hostname decides");
  t.equal(whyCannotMap(13), null, "an older worker that does not say: its hostname decides");
  t.same(new SharedArray(Float64Array, [2]).pids, [1, 11, 12, 13], "the default participants leave it out");
  t.equal(
    (caught(() => new Atomic(Int32Array, 0, { pids: [1, 10] })) as SharedMemoryError).code,
    "ERR_SHARED_MEMORY_OTHER_HOST",
    "and naming it is refused",
  );
});

t.test("participants: another host is refused with both names, a worker that cannot map says why, one on this host maps", async (t) => {
  fakePeer(7, { hostname: "node-b.example" });
  fakePeer(8, {
    runtime: "deno",
    sharedMemory: {
      code: "ERR_SHARED_MEMORY_PERMISSION",
      message:
        "Deno maps memory shared between processes through FFI, and the Deno process with OS pid 55 has no FFI permission: run it with --allow-ffi (or -A)",
    },
  });
  fakePeer(9, {});
  t.teardown(() => {
    for (const pid of [7, 8, 9]) peers.remove(pid, "test over");
  });
  t.same(whyCannotMap(9), null);
  t.equal(whyCannotMap(42), undefined, "not a worker");

  const other = caught(() => new SharedArray(Float64Array, [4], { pids: [1, 7] }));
  t.type(other, SharedMemoryError);
  t.equal((other as SharedMemoryError).code, "ERR_SHARED_MEMORY_OTHER_HOST");
  t.equal(
    (other as Error).message,
    `SharedArray: worker 7 runs on host node-b.example and this process on host ${hostname()}: memory is shared only by processes on one host. Between hosts, use a DArray (an array distributed over the workers) or a RemoteChannel, or send copies`,
  );
  const atomicOther = caught(() => new Atomic(Int32Array, 0, { pids: [1, 7] }));
  t.equal((atomicOther as SharedMemoryError).code, "ERR_SHARED_MEMORY_OTHER_HOST", "an Atomic too");

  const noFfi = caught(() => new SharedArray(Float64Array, [4], { pids: [1, 8] }));
  t.equal((noFfi as SharedMemoryError).code, "ERR_SHARED_MEMORY_PERMISSION");
  t.match((noFfi as Error).message, /^SharedArray: worker 8 \(deno\) cannot map memory shared with this process: .*--allow-ffi/);

  // The default participants: this process and the worker on this host that can map.
  const S = new SharedArray(Float64Array, [4]);
  t.same(S.pids, [1, 9], "not the worker on another host, nor the one without FFI");
  t.equal(S.mapped, true, "a worker process among them: a mapping");
  t.notOk(S.buffer instanceof SharedArrayBuffer);
  const A = new Atomic(Float64Array, 0.5);
  t.same(A.pids, [1, 9]);
  t.equal(A.mapped, true);
  t.equal(A.add(0.25), 0.5, "atomic operations on the mapping");
  t.equal(A.load(), 0.75);

  // Sending the mapped array: to a participant, the handle; elsewhere, the reason.
  const toParticipant = encode([S, A], { sharesMemory: false, canMap: true, pid: 9, describe: "worker 9" }, true);
  t.ok(toParticipant.body.byteLength < 400, `a handle, not the bytes (${toParticipant.body.byteLength} bytes)`);
  t.equal(toParticipant.shared.length, 0, "no SharedArrayBuffer handed over");
  const refusal = whyCannotMap(7)!;
  const err = caught(() =>
    encode(S, { sharesMemory: false, canMap: false, pid: 7, describe: "worker 7", why: refusal.message, whyCode: refusal.code }, true)
  );
  t.equal((err as SharedMemoryError).code, "ERR_SHARED_MEMORY_OTHER_HOST");
  t.match(
    (err as Error).message,
    /^A SharedArray<Float64Array>\[4\] is memory mapped by its participants \(1, 9\), and worker 7 cannot map it: worker 7 runs on host node-b\.example and this process on host .*DArray.*RemoteChannel/,
  );
});
