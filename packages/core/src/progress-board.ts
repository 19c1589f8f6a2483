/**
 * Node.js progress boards (see `progress.ts` for what a board is for).
 *
 * A thread shares memory with the engine ({@link SharedProgress}); a local
 * child process shares an open file descriptor on an unlinked file
 * ({@link FileProgress}), which costs a `pwrite` per slot update and leaves
 * nothing on disk. A child always finds its board on one descriptor,
 * {@link PROGRESS_FD}, and is told so by {@link PROGRESS_FD_ENV}: a transport
 * spawns it with {@link progressStdio} and {@link progressEnv}, and the worker
 * entry takes it with {@link inheritedProgress}.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmdirSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProgressReader, ProgressSlot, ProgressWriter } from './progress.js';

/** The descriptor on which a spawned child finds its progress board: the first after stdin, stdout, stderr. */
export const PROGRESS_FD = 3;
/** The environment variable that tells a child it has a board on {@link PROGRESS_FD}. */
export const PROGRESS_FD_ENV = 'FUTURES_PROGRESS_FD';

/**
 * The `stdio` array of a child with a progress board: stdin ignored, output
 * inherited, the board on {@link PROGRESS_FD}, and `extra` (such as `'ipc'`) after it.
 */
export function progressStdio(board: FileProgress, ...extra: ('ipc' | 'ignore')[]): ['ignore', 'inherit', 'inherit', number, ...('ipc' | 'ignore')[]] {
  return ['ignore', 'inherit', 'inherit', board.fd, ...extra];
}

/** `env` plus the variable that tells the child where its board is. */
export function progressEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...env, [PROGRESS_FD_ENV]: String(PROGRESS_FD) };
}

/**
 * The child's side: the board it inherited, or undefined when it was started
 * without one (by hand). Removes the variable, so the task's own children do
 * not take a descriptor they do not have for a board.
 */
export function inheritedProgress(): FileProgress | undefined {
  const fd = Number(process.env[PROGRESS_FD_ENV]);
  delete process.env[PROGRESS_FD_ENV];
  return fd === PROGRESS_FD ? FileProgress.fromFd(fd) : undefined;
}

/** A progress board in shared memory, for threads: pass `buffer` to the worker and wrap it there again. */
export class SharedProgress implements ProgressWriter, ProgressReader {
  readonly buffer: SharedArrayBuffer;
  readonly #words: Int32Array;

  constructor(buffer: SharedArrayBuffer = new SharedArrayBuffer(8)) {
    this.buffer = buffer;
    this.#words = new Int32Array(buffer);
  }

  set(slot: ProgressSlot, id: number): boolean {
    Atomics.store(this.#words, slot, id);
    return true;
  }

  get(slot: ProgressSlot): number {
    return Atomics.load(this.#words, slot);
  }
}

/** A progress board on a file descriptor that a parent and its child process both hold. */
export class FileProgress implements ProgressWriter, ProgressReader {
  /** Open file descriptor; give it to the child in its `stdio` array. */
  readonly fd: number;
  readonly #word = new Int32Array(1);
  readonly #bytes = new Uint8Array(this.#word.buffer);

  private constructor(fd: number) {
    this.fd = fd;
  }

  /**
   * Makes a board for a child to be spawned: an 8-byte file that is unlinked at
   * once (on tmpfs where there is one), so nothing is left behind however the
   * processes end. Call {@link FileProgress.close} once the child has exited.
   */
  static create(): FileProgress {
    let dir: string;
    try {
      dir = mkdtempSync(join(existsShm() ? '/dev/shm' : tmpdir(), 'futures-progress-'));
    } catch {
      dir = mkdtempSync(join(tmpdir(), 'futures-progress-'));
    }
    const path = join(dir, 'board');
    let fd: number | undefined;
    try {
      fd = openSync(path, 'w+', 0o600);
      writeSync(fd, new Uint8Array(8), 0, 8, 0);
      return new FileProgress(fd);
    } catch (error) {
      if (fd !== undefined) closeSync(fd);
      throw error;
    } finally {
      // By path, with no descriptor of their own: out of descriptors (EMFILE, the likeliest reason
      // for the open to fail, and retried) a recursive rmSync could not open the directory, and
      // each attempt would leave one behind in /dev/shm, which is memory.
      rmQuietly(() => unlinkSync(path));
      rmQuietly(() => rmdirSync(dir));
    }
  }

  /** The child's side: the descriptor it inherited. */
  static fromFd(fd: number): FileProgress {
    return new FileProgress(fd);
  }

  set(slot: ProgressSlot, id: number): boolean {
    this.#word[0] = id;
    try {
      return writeSync(this.fd, this.#bytes, 0, 4, slot * 4) === 4;
    } catch {
      // The board is gone (a task closed the descriptor): the runtime stops using it.
      return false;
    }
  }

  get(slot: ProgressSlot): number {
    this.#word[0] = 0;
    try {
      readSync(this.fd, this.#bytes, 0, 4, slot * 4);
    } catch {
      return 0;
    }
    return this.#word[0];
  }

  close(): void {
    try {
      closeSync(this.fd);
    } catch {
      // Already closed.
    }
  }
}

function existsShm(): boolean {
  try {
    closeSync(openSync('/dev/shm', 'r'));
    return process.platform === 'linux';
  } catch {
    return false;
  }
}

/** Removes a file or directory that may not exist (the open that would have made it failed). */
function rmQuietly(remove: () => void): void {
  try {
    remove();
  } catch {
    // Not there.
  }
}
