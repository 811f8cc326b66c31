/**
 * Shared memory under Bun: files through node:fs (real descriptors, close-on-exec), the
 * mapping with `Bun.mmap` of /proc/self/fd/N (Bun unmaps it when its buffer is collected), and
 * `posix_fallocate` through bun:ffi. Measured against bun:ffi's own mmap + toArrayBuffer: the
 * same access speed, the same cost to map, and Bun.mmap needs no unmapping of our own.
 *
 * @example
 * ```ts
 * const fd = bunShm.create(path);
 * bunShm.reserve(fd, 4096);
 * const { buffer } = bunShm.map(fd, 4096);
 * ```
 * @module
 */
import { closeSync, constants, ftruncateSync, openSync, readlinkSync, unlinkSync } from "node:fs";
import { requirePackage } from "../lazy-require.ts";
import { errnoName, fsCall, type ShmMechanism, SyscallError } from "./mechanism.ts";

interface BunGlobal {
  version: string;
  mmap(path: string, options?: { shared?: boolean }): Uint8Array;
}
interface BunFfi {
  dlopen(
    path: string,
    symbols: Record<string, { args: string[]; returns: string }>,
  ): { symbols: Record<string, (...args: unknown[]) => number> };
}

let fallocate: ((fd: number, offset: number, length: number) => number) | undefined;
function bindFallocate(): (fd: number, offset: number, length: number) => number {
  if (fallocate !== undefined) return fallocate;
  const ffi = requirePackage<BunFfi>("bun:ffi");
  const lib = ffi.dlopen("libc.so.6", { posix_fallocate: { args: ["i32", "i64", "i64"], returns: "i32" } });
  fallocate = lib.symbols.posix_fallocate as (fd: number, offset: number, length: number) => number;
  return fallocate;
}

const bun = (): BunGlobal => (globalThis as unknown as { Bun: BunGlobal }).Bun;

/** Bun's mechanism. */
export const bunShm: ShmMechanism = {
  get via() {
    return `Bun.mmap (Bun ${bun().version})`;
  },
  create: (path) => fsCall("open", () => openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL, 0o600)),
  open: (path) => fsCall("open", () => openSync(path, constants.O_RDWR)),
  reserve(fd, byteLength) {
    fsCall("ftruncate", () => ftruncateSync(fd, byteLength));
    const error = bindFallocate()(fd, 0, byteLength);
    if (error !== 0) throw new SyscallError("posix_fallocate", errnoName(error));
  },
  map(fd, byteLength) {
    // Bun.mmap maps the whole file, whose size reserve() set.
    const bytes = fsCall("mmap", () => bun().mmap(`/proc/self/fd/${fd}`, { shared: true }));
    if (bytes.byteLength !== byteLength) throw new SyscallError("mmap", `a file of ${bytes.byteLength} bytes, expected ${byteLength}`);
    return { buffer: bytes.buffer as ArrayBuffer, unmap: () => {} };
  },
  unlink: (path) => fsCall("unlink", () => unlinkSync(path)),
  close: (fd) => fsCall("close", () => closeSync(fd)),
  readlink: (path) => fsCall("readlink", () => readlinkSync(path)),
};
