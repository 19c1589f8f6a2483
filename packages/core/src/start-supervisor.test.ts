import { describe, expect, it } from 'vitest';
import { isPassingStartError, MAX_FAILED_STARTS, StartSupervisor } from './start-supervisor.js';

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

  it('a worker becoming ready ends the run', () => {
    const supervisor = new StartSupervisor(() => {});
    expect(supervisor.failed()).toBe(false);
    expect(supervisor.failed()).toBe(false);
    supervisor.succeeded();
    expect(supervisor.failed()).toBe(false);
    supervisor.stop();
  });

  it('tells passing spawn errors from the others', () => {
    expect(isPassingStartError(Object.assign(new Error('spawn EMFILE'), { code: 'EMFILE' }))).toBe(true);
    expect(isPassingStartError(Object.assign(new Error('fork EAGAIN'), { code: 'EAGAIN' }))).toBe(true);
    expect(isPassingStartError(Object.assign(new Error('bad flag'), { code: 'ERR_WORKER_INVALID_EXEC_ARGV' }))).toBe(false);
    expect(isPassingStartError(new Error('no code'))).toBe(false);
  });
});
