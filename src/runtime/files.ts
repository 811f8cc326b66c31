/**
 * Files and paths on this host: reading text, the private files (the cluster cookie's), temporary
 * directories, file: URLs, and finding executables on PATH.
 *
 * @example
 * ```ts
 * const dir = makeTempDir("distributed-");
 * const cookie = readOrCreatePrivateFile(joinPath(dir, "cookie"), () => "secret\n");
 * removeDir(dir);
 * ```
 * @module
 */
import os from "node:os";
import process from "node:process";
import { fileURLToPath, pathToFileURL } from "node:url";
import path from "node:path";
import { accessSync, constants, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";

/** Changes the working directory; throws (with the OS's reason) when it does not exist. */
export function chdir(dir: string): void {
  process.chdir(dir);
}

/** Creates a private temporary directory (mode 0700) and returns its path. */
export function makeTempDir(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Reads a UTF-8 text file; throws (with the OS's reason) when it cannot. */
export function readTextFile(file: string): string {
  return readFileSync(file, "utf8");
}

/** The user's home directory. */
export function homeDir(): string {
  return os.homedir();
}

/**
 * Reads a private file, first creating it (mode 0600, in a directory of mode 0700) with
 * `make()` when it does not exist. Creation is atomic (a complete temporary file is linked into
 * place), so processes racing to create it, even on other hosts sharing the directory, all
 * read the same content.
 */
export function readOrCreatePrivateFile(file: string, make: () => string): string {
  try {
    const text = readFileSync(file, "utf8");
    if (text.trim() !== "") return text;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(temp, make(), { mode: 0o600 });
  try {
    linkSync(temp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  } finally {
    rmSync(temp, { force: true });
  }
  return readFileSync(file, "utf8");
}

/** Removes a directory and everything in it; a missing directory is not an error. */
export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Converts a file path or URL string to a file: URL string. */
export function toFileUrl(pathOrUrl: string | URL): string {
  if (pathOrUrl instanceof URL) return pathOrUrl.href;
  if (/^[a-z][a-z0-9+.-]*:/i.test(pathOrUrl) && !/^[a-z]:[\\/]/i.test(pathOrUrl)) return pathOrUrl;
  return pathToFileURL(path.resolve(process.cwd(), pathOrUrl)).href;
}

/** Converts a file: URL to a path. */
export function fromFileUrl(url: string | URL): string {
  return fileURLToPath(url);
}

/** Whether a file exists and is executable. */
export function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The PATH entries, in order. */
export function pathEntries(): string[] {
  return (process.env.PATH ?? "").split(path.delimiter).filter(Boolean);
}

/** Joins path parts. */
export function joinPath(...parts: string[]): string {
  return path.join(...parts);
}
