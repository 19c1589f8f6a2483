/**
 * Progress boards: where a worker publishes which call it is running, so the
 * engine can tell, when the worker dies or is ended, which call was running,
 * which had finished and which had not started, while the worker still sends
 * its results in batches.
 *
 * Two slots: {@link PROGRESS_RUNNING} (the id of the call started last) and
 * {@link PROGRESS_DONE} (the id of the call finished last). A thread shares
 * memory with the engine ({@link SharedProgress}); a local child process
 * shares an open file descriptor on an unlinked file ({@link FileProgress}),
 * which costs a `pwrite` per slot update and leaves nothing on disk.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PROGRESS_RUNNING = 0;
export const PROGRESS_DONE = 1;
export type ProgressSlot = typeof PROGRESS_RUNNING | typeof PROGRESS_DONE;

/** The worker's side of a progress board. */
export interface ProgressWriter {
  set(slot: ProgressSlot, id: number): void;
}

/** The engine's side of a progress board. */
export interface ProgressReader {
  get(slot: ProgressSlot): number;
}

/** A progress board in shared memory, for threads: pass `buffer` to the worker and wrap it there again. */
export class SharedProgress implements ProgressWriter, ProgressReader {
  readonly buffer: SharedArrayBuffer;
  readonly #words: Int32Array;

  constructor(buffer: SharedArrayBuffer = new SharedArrayBuffer(8)) {
    this.buffer = buffer;
    this.#words = new Int32Array(buffer);
  }

  set(slot: ProgressSlot, id: number): void {
    Atomics.store(this.#words, slot, id);
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
    try {
      const fd = openSync(path, 'w+', 0o600);
      writeSync(fd, new Uint8Array(8), 0, 8, 0);
      return new FileProgress(fd);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** The child's side: the descriptor it inherited. */
  static fromFd(fd: number): FileProgress {
    return new FileProgress(fd);
  }

  set(slot: ProgressSlot, id: number): void {
    this.#word[0] = id;
    try {
      writeSync(this.fd, this.#bytes, 0, 4, slot * 4);
    } catch {
      // The board is gone (a task closed the descriptor): calls still run; only crash blame gets coarser.
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
