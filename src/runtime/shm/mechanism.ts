/**
 * What each runtime must provide to share memory between processes: a file in /dev/shm,
 * created, sized, opened by another process and mapped MAP_SHARED into memory, with the
 * mapping seen from JavaScript as an ArrayBuffer. One implementation per runtime sits beside
 * this file (node.ts: koffi, deno.ts: Deno.dlopen, bun.ts: Bun.mmap); shm.ts picks one.
 *
 * @example
 * ```ts
 * const fd = mechanism.create("/dev/shm/distributed-123-abc");
 * mechanism.reserve(fd, 4096);
 * const { buffer, unmap } = mechanism.map(fd, 4096);
 * ```
 * @module
 */
import { constants } from "node:os";

/** A mapping as JavaScript sees it, and how to undo it once nothing can reach the buffer. */
export interface Mapped {
  /** The mapped bytes (a plain ArrayBuffer: no runtime makes a SharedArrayBuffer over foreign memory). */
  buffer: ArrayBuffer;
  /** Unmaps the memory; only when the buffer is unreachable (after that, a read would crash). */
  unmap(): void;
}

/** The system calls a runtime needs, each throwing a SyscallError on failure. */
export interface ShmMechanism {
  /** How this runtime maps memory, for messages and the bench (e.g. "koffi 3.3.4: libc mmap"). */
  readonly via: string;
  /** Creates the file (read-write, exclusive, close-on-exec, mode 0600); returns its descriptor. */
  create(path: string): number;
  /** Opens an existing file read-write (close-on-exec); returns its descriptor. */
  open(path: string): number;
  /** Sizes the file and reserves its pages, so a full /dev/shm is an error now, not a SIGBUS later. */
  reserve(fd: number, byteLength: number): void;
  /** Maps `byteLength` bytes of the file, shared and read-write. */
  map(fd: number, byteLength: number): Mapped;
  unlink(path: string): void;
  close(fd: number): void;
  /** The target of a symbolic link (for /proc/self/fd/N: the file's path). */
  readlink(path: string): string;
}

/** A failed system call: its name and the error's name (ENOENT, ENOSPC, ...). */
export class SyscallError extends Error {
  readonly syscall: string;
  readonly errno: string;
  constructor(syscall: string, errno: string) {
    super(`${syscall} failed: ${errno}`);
    this.syscall = syscall;
    this.errno = errno;
  }
}

/** The name of an errno number (ENOENT for 2), or `errno N`. */
export function errnoName(n: number): string {
  for (const [name, value] of Object.entries(constants.errno)) if (value === n) return name;
  return `errno ${n}`;
}

/** Runs a node:fs call, turning its error into a SyscallError. */
export function fsCall<T>(syscall: string, call: () => T): T {
  try {
    return call();
  } catch (err) {
    throw new SyscallError(syscall, String((err as { code?: unknown }).code ?? (err as Error).message));
  }
}

/** mmap's protection and flags: read-write, shared with every process that maps the file. */
export const PROT_READ_WRITE = 0x1 | 0x2;
export const MAP_SHARED = 0x01;
/** open(2) flags (Linux): O_RDWR, O_CREAT | O_EXCL, O_CLOEXEC. */
export const O_RDWR = 0o2;
export const O_CREAT_EXCL = 0o100 | 0o200;
export const O_CLOEXEC = 0o2000000;
