/**
 * Shared memory under Node: files through node:fs (its descriptors are the OS's, opened
 * close-on-exec), and `mmap`, `munmap`, `posix_fallocate` of libc through koffi, whose
 * `koffi.view(pointer, length)` is an ArrayBuffer over the mapped memory. koffi (30 ms to load,
 * measured) is loaded on the first mapping, so a process that never maps does not pay for it.
 *
 * @example
 * ```ts
 * const fd = nodeShm.create(path);
 * nodeShm.reserve(fd, 4096);
 * const { buffer } = nodeShm.map(fd, 4096);
 * ```
 * @module
 */
import { closeSync, constants, ftruncateSync, openSync, readlinkSync, unlinkSync } from "node:fs";
import { requirePackage } from "../lazy-require.ts";
import { errnoName, fsCall, MAP_SHARED, PROT_READ_WRITE, type ShmMechanism, SyscallError } from "./mechanism.ts";

interface Koffi {
  version: string;
  load(path: string): { func(declaration: string): (...args: unknown[]) => unknown };
  view(pointer: unknown, length: number): ArrayBuffer;
  address(pointer: unknown): bigint;
  errno(): number;
}

interface Libc {
  koffi: Koffi;
  mmap: (addr: null, length: number, prot: number, flags: number, fd: number, offset: number) => unknown;
  munmap: (addr: unknown, length: number) => number;
  fallocate: (fd: number, offset: number, length: number) => number;
}

let libc: Libc | undefined;
function bind(): Libc {
  if (libc !== undefined) return libc;
  const koffi = requirePackage<Koffi>("koffi");
  const lib = koffi.load("libc.so.6");
  libc = {
    koffi,
    mmap: lib.func("void *mmap(void *addr, size_t length, int prot, int flags, int fd, int64_t offset)") as Libc["mmap"],
    munmap: lib.func("int munmap(void *addr, size_t length)") as Libc["munmap"],
    fallocate: lib.func("int posix_fallocate(int fd, int64_t offset, int64_t len)") as Libc["fallocate"],
  };
  return libc;
}

const MAP_FAILED = 0xffffffffffffffffn;

/** Node's mechanism. */
export const nodeShm: ShmMechanism = {
  get via() {
    return `koffi ${bind().koffi.version} (libc mmap)`;
  },
  create: (path) => fsCall("open", () => openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL, 0o600)),
  open: (path) => fsCall("open", () => openSync(path, constants.O_RDWR)),
  reserve(fd, byteLength) {
    fsCall("ftruncate", () => ftruncateSync(fd, byteLength));
    const error = bind().fallocate(fd, 0, byteLength);
    if (error !== 0) throw new SyscallError("posix_fallocate", errnoName(error));
  },
  map(fd, byteLength) {
    const { koffi, mmap, munmap } = bind();
    const pointer = mmap(null, byteLength, PROT_READ_WRITE, MAP_SHARED, fd, 0);
    if (pointer === null || koffi.address(pointer) === MAP_FAILED) throw new SyscallError("mmap", errnoName(koffi.errno()));
    return { buffer: koffi.view(pointer, byteLength), unmap: () => void munmap(pointer, byteLength) };
  },
  unlink: (path) => fsCall("unlink", () => unlinkSync(path)),
  close: (fd) => fsCall("close", () => closeSync(fd)),
  readlink: (path) => fsCall("readlink", () => readlinkSync(path)),
};
