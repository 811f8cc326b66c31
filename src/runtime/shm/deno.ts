/**
 * Shared memory under Deno: libc through `Deno.dlopen` (open, ftruncate, posix_fallocate,
 * mmap, munmap, unlink, close, readlink), and `Deno.UnsafePointerView.getArrayBuffer` for an
 * ArrayBuffer over the mapping. Needs the FFI permission (`--allow-ffi`, part of `-A`); the
 * files go through libc too, so no read or write permission is asked for.
 *
 * @example
 * ```ts
 * const fd = denoShm.create(path);
 * denoShm.reserve(fd, 4096);
 * const { buffer, unmap } = denoShm.map(fd, 4096);
 * ```
 * @module
 */
import { errnoName, MAP_SHARED, O_CLOEXEC, O_CREAT_EXCL, O_RDWR, PROT_READ_WRITE, type ShmMechanism, SyscallError } from "./mechanism.ts";

type Pointer = object | null;
interface DenoFfi {
  version: { deno: string };
  dlopen(
    path: string,
    symbols: Record<string, { parameters: string[]; result: string }>,
  ): { symbols: Record<string, (...args: unknown[]) => unknown> };
  UnsafePointer: { value(p: Pointer): bigint | number };
  UnsafePointerView: {
    getArrayBuffer(p: Pointer, byteLength: number): ArrayBuffer;
    new (p: Pointer): { getInt32(offset?: number): number };
  };
}

interface Libc {
  open(path: Uint8Array, flags: number, mode: number): number;
  close(fd: number): number;
  ftruncate(fd: number, length: bigint): number;
  posix_fallocate(fd: number, offset: bigint, length: bigint): number;
  mmap(addr: null, length: bigint, prot: number, flags: number, fd: number, offset: bigint): Pointer;
  munmap(addr: Pointer, length: bigint): number;
  unlink(path: Uint8Array): number;
  readlink(path: Uint8Array, buffer: Uint8Array, size: bigint): bigint | number;
  __errno_location(): Pointer;
}

const deno = (): DenoFfi => (globalThis as unknown as { Deno: DenoFfi }).Deno;

let libc: Libc | undefined;
function bind(): Libc {
  libc ??= deno().dlopen("libc.so.6", {
    open: { parameters: ["buffer", "i32", "u32"], result: "i32" },
    close: { parameters: ["i32"], result: "i32" },
    ftruncate: { parameters: ["i32", "i64"], result: "i32" },
    posix_fallocate: { parameters: ["i32", "i64", "i64"], result: "i32" },
    mmap: { parameters: ["pointer", "usize", "i32", "i32", "i32", "i64"], result: "pointer" },
    munmap: { parameters: ["pointer", "usize"], result: "i32" },
    unlink: { parameters: ["buffer"], result: "i32" },
    readlink: { parameters: ["buffer", "buffer", "usize"], result: "isize" },
    __errno_location: { parameters: [], result: "pointer" },
  }).symbols as unknown as Libc;
  return libc;
}

const encoder = new TextEncoder();
const cString = (s: string): Uint8Array => encoder.encode(`${s}\0`);

function failed(syscall: string): SyscallError {
  const Deno = deno();
  return new SyscallError(syscall, errnoName(new Deno.UnsafePointerView(bind().__errno_location()).getInt32()));
}

function check(syscall: string, result: number): number {
  if (result < 0) throw failed(syscall);
  return result;
}

const MAP_FAILED = 0xffffffffffffffffn;

/** Deno's mechanism. */
export const denoShm: ShmMechanism = {
  get via() {
    return `Deno.dlopen (Deno ${deno().version.deno})`;
  },
  create: (path) => check("open", bind().open(cString(path), O_RDWR | O_CREAT_EXCL | O_CLOEXEC, 0o600)),
  open: (path) => check("open", bind().open(cString(path), O_RDWR | O_CLOEXEC, 0)),
  reserve(fd, byteLength) {
    check("ftruncate", bind().ftruncate(fd, BigInt(byteLength)));
    const error = bind().posix_fallocate(fd, 0n, BigInt(byteLength));
    if (error !== 0) throw new SyscallError("posix_fallocate", errnoName(error));
  },
  map(fd, byteLength) {
    const lib = bind();
    const pointer = lib.mmap(null, BigInt(byteLength), PROT_READ_WRITE, MAP_SHARED, fd, 0n);
    if (pointer === null || BigInt(deno().UnsafePointer.value(pointer)) === MAP_FAILED) throw failed("mmap");
    return {
      buffer: deno().UnsafePointerView.getArrayBuffer(pointer, byteLength),
      unmap: () => void lib.munmap(pointer, BigInt(byteLength)),
    };
  },
  unlink: (path) => void check("unlink", bind().unlink(cString(path))),
  close: (fd) => void check("close", bind().close(fd)),
  readlink(path) {
    const buffer = new Uint8Array(4096);
    const n = Number(bind().readlink(cString(path), buffer, BigInt(buffer.length)));
    if (n < 0) throw failed("readlink");
    return new TextDecoder().decode(buffer.subarray(0, n));
  },
};
