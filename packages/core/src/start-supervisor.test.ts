import { describe, expect, it, vi } from 'vitest';
import { isPassingStartError, MAX_FAILED_STARTS, MAX_PASSING_BACKOFF_MS, PASSING_GIVE_UP_MS, StartSupervisor } from './start-supervisor.js';

const emfile = () => Object.assign(new Error('spawn EMFILE'), { code: 'EMFILE' });

describe('StartSupervisor', () => {
  it('breaks after MAX_FAILED_STARTS failed starts in a row, waiting a backoff between them', async () => {
    let retried: () => void = () => {};
    const supervisor = new StartSupervisor(() => retried());
    for (let i = 1; i < MAX_FAILED_STARTS; i++) {
      const retry = new Promise<void>((resolve) => (retried = resolve));
      expect(supervisor.failed()).toBe(false);
      expect(supervisor.mayStart).toBe(false);
      await retry;
      expect(supervisor.mayStart).toBe(true);
    }
    expect(supervisor.failed()).toBe(true);
    supervisor.stop();
  });

  it('starts begun together that all fail (every starting worker killed at once) count as one failed start', () => {
    const supervisor = new StartSupervisor(() => {});
    for (let i = 1; i < MAX_FAILED_STARTS; i++) {
      const round = supervisor.round;
      // maxWorkers starts begun in one round, all failing: one failure, however many workers.
      for (let w = 0; w < 2 * MAX_FAILED_STARTS; w++) expect(supervisor.failed(undefined, round)).toBe(false);
    }
    // A start begun after those failures that fails too ends the run.
    expect(supervisor.failed(undefined, supervisor.round)).toBe(true);
    supervisor.stop();
  });

  it('a worker becoming ready ends the run', () => {
    const supervisor = new StartSupervisor(() => {});
    expect(supervisor.failed()).toBe(false);
    expect(supervisor.failed()).toBe(false);
    supervisor.succeeded();
    expect(supervisor.failed()).toBe(false);
    supervisor.stop();
  });

  it('passing failures (EMFILE) do not count towards the limit: the backoff doubles up to its cap, and only a long run of them breaks', () => {
    vi.useFakeTimers();
    try {
      let retries = 0;
      const supervisor = new StartSupervisor(() => retries++);
      const waits: number[] = [];
      let elapsed = 0;
      while (elapsed < PASSING_GIVE_UP_MS) {
        expect(supervisor.failed(emfile())).toBe(false);
        const before = Date.now();
        vi.runOnlyPendingTimers();
        waits.push(Date.now() - before);
        elapsed += waits.at(-1)!;
      }
      expect(waits.slice(0, 4)).toEqual([50, 100, 200, 400]);
      expect(Math.max(...waits)).toBe(MAX_PASSING_BACKOFF_MS);
      expect(retries).toBe(waits.length);
      expect(supervisor.failed(emfile())).toBe(true);
      supervisor.succeeded();
      expect(supervisor.failed(emfile())).toBe(false);
      supervisor.stop();
    } finally {
      vi.useRealTimers();
    }
  });

  it('a non-passing failure between passing ones still counts', () => {
    const supervisor = new StartSupervisor(() => {});
    for (let i = 1; i < MAX_FAILED_STARTS; i++) {
      expect(supervisor.failed()).toBe(false);
      expect(supervisor.failed(emfile())).toBe(false);
    }
    expect(supervisor.failed()).toBe(true);
    supervisor.stop();
  });

  it('tells passing spawn errors from the others', () => {
    expect(isPassingStartError(Object.assign(new Error('spawn EMFILE'), { code: 'EMFILE' }))).toBe(true);
    expect(isPassingStartError(Object.assign(new Error('fork EAGAIN'), { code: 'EAGAIN' }))).toBe(true);
    expect(isPassingStartError(Object.assign(new Error('bad flag'), { code: 'ERR_WORKER_INVALID_EXEC_ARGV' }))).toBe(false);
    expect(isPassingStartError(new Error('no code'))).toBe(false);
    // A thread that cannot initialize for want of descriptors: Node's code is generic, the reason is in the message.
    expect(isPassingStartError(Object.assign(new Error('Worker initialization failure: EMFILE'), { code: 'ERR_WORKER_INIT_FAILED' }))).toBe(true);
    expect(isPassingStartError(Object.assign(new Error('Worker initialization failure: EINVAL'), { code: 'ERR_WORKER_INIT_FAILED' }))).toBe(false);
    expect(isPassingStartError(null)).toBe(false);
  });
});
