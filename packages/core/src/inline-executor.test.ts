import { describeExecutorSuite, until } from '@futures/executor-tests';
import { InlineExecutor, TimeoutError } from '@futures/core';
import { describe, expect, it } from 'vitest';

describeExecutorSuite('InlineExecutor', {
  create: (options) => new InlineExecutor(options as { maxWorkers?: number }),
  pool: false,
  realWorkers: false,
});

describe('InlineExecutor', () => {
  it('runs closures and native functions, since nothing crosses a thread', async () => {
    const ex = new InlineExecutor();
    const factor = 3;
    expect(await ex.submit((x: number) => x * factor, 2)).toBe(6);
    expect(await ex.submit(Math.max, 1, 5)).toBe(5);
    await ex.shutdown();
  });

  it('bounds how many async calls run at once with maxWorkers', async () => {
    const ex = new InlineExecutor({ maxWorkers: 2 });
    let running = 0;
    let peak = 0;
    const releases: (() => void)[] = [];
    const task = () =>
      new Promise<void>((resolve) => {
        running++;
        peak = Math.max(peak, running);
        releases.push(() => {
          running--;
          resolve();
        });
      });
    const fs = Array.from({ length: 5 }, () => ex.submit(task));
    await until(() => releases.length === 2, 'two calls run');
    expect(fs.filter((f) => f.running())).toHaveLength(2);
    while (releases.length > 0 || fs.some((f) => !f.done())) {
      releases.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(peak).toBe(2);
    await ex.shutdown();
  });

  it('settles a timed-out call with TimeoutError although the function runs on', async () => {
    const ex = new InlineExecutor();
    let finished = false;
    const f = ex.with({ timeout: 5 }).submit(async () => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      finished = true;
      return 'late';
    });
    expect(TimeoutError.isInstance(await f.exception())).toBe(true);
    await ex.shutdown();
    expect(finished).toBe(true);
  });
});
