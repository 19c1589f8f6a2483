import { describe, expect, it, vi } from 'vitest';
import { ExitMerger } from './exit-merger.js';
import { EXIT_GRACE_MS, type WorkerExit } from './transport.js';

describe('ExitMerger', () => {
  it('reports once, when both the child and its connection are gone, with the first error', () => {
    const reports: WorkerExit[] = [];
    const merger = new ExitMerger(true, (exit) => reports.push(exit), () => {});
    merger.noteError(new Error('first'));
    merger.noteError(new Error('second'));
    merger.childExited(null, 'SIGKILL');
    expect(reports).toEqual([]);
    merger.connectionClosed();
    merger.connectionClosed();
    merger.childExited(0, null);
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ code: null, signal: 'SIGKILL' });
    expect((reports[0].error as Error).message).toBe('first');
  });

  it('without a child, the connection alone ends the worker; a negative (errno) code is dropped', () => {
    const reports: WorkerExit[] = [];
    new ExitMerger(false, (exit) => reports.push(exit), () => {}).connectionClosed();
    expect(reports).toEqual([{ code: null, signal: null }]);
    const spawnFailed = new ExitMerger(true, (exit) => reports.push(exit), () => {});
    spawnFailed.childExited(-2, null);
    spawnFailed.connectionClosed();
    expect(reports[1]).toEqual({ code: null, signal: null });
  });

  it('forces the half that lags EXIT_GRACE_MS behind the other', () => {
    vi.useFakeTimers();
    try {
      const missing: string[] = [];
      const merger = new ExitMerger(true, () => {}, (half) => missing.push(half));
      merger.connectionClosed();
      vi.advanceTimersByTime(EXIT_GRACE_MS - 1);
      expect(missing).toEqual([]);
      vi.advanceTimersByTime(1);
      expect(missing).toEqual(['child']);
    } finally {
      vi.useRealTimers();
    }
  });
});
