import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it, vi } from 'vitest';
import { FileProgress, SharedProgress } from './progress-board.js';
import { PROGRESS_DONE, PROGRESS_RUNNING } from './progress.js';

/**
 * node:fs as is, except while `outOfDescriptors`: then what needs a descriptor of its own (opening a
 * board file; removing a directory tree, which reads the directory) fails with EMFILE, as it does when
 * the process is out of descriptors; calls by path alone (unlink, rmdir) still work. Directories made are recorded.
 */
const fsControl = vi.hoisted(() => ({ outOfDescriptors: false, made: [] as string[] }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const emfile = () => Object.assign(new Error('EMFILE: too many open files'), { code: 'EMFILE' });
  return {
    ...fs,
    mkdtempSync: (...args: Parameters<typeof fs.mkdtempSync>) => {
      const dir = fs.mkdtempSync(...args);
      fsControl.made.push(String(dir));
      return dir;
    },
    openSync: (...args: Parameters<typeof fs.openSync>) => {
      if (fsControl.outOfDescriptors && String(args[0]).endsWith('board')) throw emfile();
      return fs.openSync(...args);
    },
    rmSync: (...args: Parameters<typeof fs.rmSync>) => {
      if (fsControl.outOfDescriptors) throw emfile();
      return fs.rmSync(...args);
    },
  };
});

describe('SharedProgress', () => {
  it('shows what one side sets to another built on the same buffer', () => {
    const engine = new SharedProgress();
    const worker = new SharedProgress(engine.buffer);
    worker.set(PROGRESS_RUNNING, 41);
    worker.set(PROGRESS_DONE, 40);
    expect([engine.get(PROGRESS_RUNNING), engine.get(PROGRESS_DONE)]).toEqual([41, 40]);
  });
});

describe('FileProgress', () => {
  it('shows what the holder of the same descriptor sets, and leaves no file behind', () => {
    const board = FileProgress.create();
    try {
      expect([board.get(PROGRESS_RUNNING), board.get(PROGRESS_DONE)]).toEqual([0, 0]);
      const child = FileProgress.fromFd(board.fd);
      child.set(PROGRESS_RUNNING, 2 ** 31 - 1);
      child.set(PROGRESS_DONE, 7);
      expect([board.get(PROGRESS_RUNNING), board.get(PROGRESS_DONE)]).toEqual([2 ** 31 - 1, 7]);
      for (const dir of ['/dev/shm', tmpdir()]) {
        let names: string[] = [];
        try {
          names = readdirSync(dir);
        } catch {
          continue;
        }
        expect(names.filter((n) => n.startsWith('futures-progress-'))).toEqual([]);
      }
    } finally {
      board.close();
    }
  });
});

describe('FileProgress write failure', () => {
  it('reports a failed write, so the runtime stops trusting the board', () => {
    const board = FileProgress.create();
    const child = FileProgress.fromFd(board.fd);
    expect(child.set(PROGRESS_RUNNING, 1)).toBe(true);
    board.close();
    expect(child.set(PROGRESS_RUNNING, 2)).toBe(false);
  });
});

describe('FileProgress.create when the board cannot be opened', () => {
  it('throws the error and leaves no directory behind (out of descriptors, each retried start would leave one in /dev/shm)', () => {
    fsControl.made.length = 0;
    fsControl.outOfDescriptors = true;
    try {
      expect(() => FileProgress.create()).toThrow(expect.objectContaining({ code: 'EMFILE' }));
    } finally {
      fsControl.outOfDescriptors = false;
    }
    expect(fsControl.made).toHaveLength(1);
    expect(existsSync(fsControl.made[0])).toBe(false);
  });
});
