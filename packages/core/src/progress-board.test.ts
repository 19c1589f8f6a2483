import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { FileProgress, SharedProgress } from './progress-board.js';
import { PROGRESS_DONE, PROGRESS_RUNNING } from './progress.js';

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
