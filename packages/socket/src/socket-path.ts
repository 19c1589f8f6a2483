/**
 * Where the executor's socket lives, and how it is cleaned up.
 *
 * The default socket sits in a fresh directory of its own with mode 0700, so
 * that no other user can even reach it: the token is the second line of
 * defence, the directory the first. The socket itself is made 0600.
 */
import { chmodSync, lstatSync, mkdtempSync, rmdirSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** The longest socket path that every supported OS accepts (macOS: 104 bytes including the NUL). */
export const MAX_SOCKET_PATH_BYTES = 103;

/** A socket path and, when we created it, the private directory that holds it. */
export interface SocketLocation {
  readonly path: string;
  /** The directory created for the socket, removed with it; undefined for a path the user chose. */
  readonly dir?: string;
}

/**
 * Creates a fresh 0700 directory under `XDG_RUNTIME_DIR` (when set) or the
 * OS temp dir and returns the socket path inside it.
 */
export function createDefaultSocketLocation(env: NodeJS.ProcessEnv = process.env): SocketLocation {
  const runtimeDir = env.XDG_RUNTIME_DIR;
  const base = runtimeDir && isDirectory(runtimeDir) ? runtimeDir : tmpdir();
  const dir = mkdtempSync(join(base, 'futures-'));
  // mkdtemp already uses 0700, but the umask could only have narrowed it; make it exact.
  chmodSync(dir, 0o700);
  const path = join(dir, 'executor.sock');
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES) {
    rmdirSync(dir);
    throw new Error(
      `the default socket path ${path} is longer than ${MAX_SOCKET_PATH_BYTES} bytes; pass a shorter 'path' or set TMPDIR`,
    );
  }
  return { path, dir };
}

/**
 * Checks a user-chosen socket path before listening, so that the common
 * mistakes are reported synchronously with a message that says what is wrong.
 */
export function checkSocketPath(path: string, where: string): SocketLocation {
  if (path.length === 0) throw new TypeError(`${where}: path must not be empty`);
  const absolute = resolve(path);
  if (Buffer.byteLength(absolute) > MAX_SOCKET_PATH_BYTES) {
    throw new RangeError(`${where}: path ${absolute} is longer than ${MAX_SOCKET_PATH_BYTES} bytes, the limit for Unix domain sockets`);
  }
  if (exists(absolute)) {
    throw new Error(`${where}: path ${absolute} already exists (a stale socket from an earlier run?); remove it or choose another path`);
  }
  if (!isDirectory(dirname(absolute))) {
    throw new Error(`${where}: the directory of path ${absolute} does not exist`);
  }
  return { path: absolute };
}

/** Makes the socket file readable and writable by its owner only. */
export function restrictSocket(path: string): void {
  chmodSync(path, 0o600);
}

/** Removes the socket file and, when we created it, its directory. Never throws. */
export function removeSocketLocation(location: SocketLocation): void {
  try {
    unlinkSync(location.path);
  } catch {
    // Already gone (server.close() unlinks it) or never created.
  }
  if (location.dir !== undefined) {
    try {
      rmdirSync(location.dir);
    } catch {
      // Not ours to force: if someone put files in it, leave it.
    }
  }
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
