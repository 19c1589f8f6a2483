import { describeExecutorSuite, until } from '@futures/executor-tests';
import { InlineExecutor, TimeoutError } from '@futures/core';
import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { THIRTY_DAYS, expectFiresAtThirtyDays } from './long-timer.fixture.js';
import { TimeoutError as TimeoutErrorFromSource } from './errors.js';
import { InlineExecutor as InlineExecutorFromSource } from './inline-executor.js';
import { Queue } from './queue.js';

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

describe('InlineExecutor queue', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('keeps memory bounded under a sustained backlog with a finite maxWorkers', async () => {
    // The queue never drains: each finished call submits another, so 100
    // calls are always waiting. A head-indexed array compacted only when it
    // drains would hold a slot for each of the 30,000 calls.
    const push = vi.spyOn(Queue.prototype, 'push');
    const ex = new InlineExecutorFromSource({ maxWorkers: 2 });
    let left = 30_000;
    const all: Promise<unknown>[] = [];
    const task = async (): Promise<void> => {
      await Promise.resolve();
      if (--left > 0) all.push(ex.submit(task).result());
    };
    for (let i = 0; i < 100; i++) all.push(ex.submit(task).result());
    const queue = push.mock.contexts[0] as Queue<unknown>;
    expect(queue).toBeInstanceOf(Queue);
    let peakCapacity = 0;
    while (left > 0) {
      peakCapacity = Math.max(peakCapacity, queue.capacity);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await ex.shutdown();
    await Promise.all(all);
    expect(all.length).toBeGreaterThanOrEqual(30_000);
    expect(peakCapacity).toBeLessThanOrEqual(2048);
    expect(queue.capacity).toBeLessThanOrEqual(1024);
  });

  it('cancelFutures cancels every call that has not started, and only those', async () => {
    const ex = new InlineExecutorFromSource({ maxWorkers: 1 });
    let release!: () => void;
    const first = ex.submit(() => new Promise<void>((resolve) => (release = resolve)));
    const rest = Array.from({ length: 2000 }, (_, i) => ex.submit((x: number) => x, i));
    await until(() => first.running(), 'the first call runs');
    const done = ex.shutdown({ cancelFutures: true });
    expect(rest.every((f) => f.cancelled())).toBe(true);
    release();
    await done;
    expect(first.state).toBe('FINISHED');
  });
});

describe('InlineExecutor timeouts past 2^31-1 ms (Node timers overflow there)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('with({ timeout: 30 days }) fails the call at 30 days, not after 1 ms or 2^31 ms', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const ex = new InlineExecutorFromSource();
    let release!: () => void;
    const f = ex.with({ timeout: THIRTY_DAYS }).submit(() => new Promise<void>((resolve) => (release = resolve)));
    await expectFiresAtThirtyDays(() => !f.running());
    expect(f.done()).toBe(true);
    expect(await f.exception()).toBeInstanceOf(TimeoutErrorFromSource);
    release();
    await ex.shutdown();
  });

  it('map(timeout: 30 days) throws at 30 days, not after 1 ms or 2^31 ms', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const ex = new InlineExecutorFromSource();
    let release!: () => void;
    const it = ex.map((_: number) => new Promise<void>((resolve) => (release = resolve)), [1], { timeout: THIRTY_DAYS });
    let error: unknown;
    it.next().catch((e: unknown) => (error = e));
    await expectFiresAtThirtyDays(() => error !== undefined);
    expect(error).toBeInstanceOf(TimeoutErrorFromSource);
    release();
    await ex.shutdown();
  });
});

describe('InlineExecutor and a shared AbortSignal', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('100 calls sharing one signal add 1 listener (no MaxListenersExceededWarning), and all are aborted', async () => {
    const warn = vi.spyOn(process, 'emitWarning');
    const ex = new InlineExecutorFromSource({ maxWorkers: 1 });
    const ac = new AbortController();
    const view = ex.with({ signal: ac.signal });
    let release!: () => void;
    const first = view.submit(() => new Promise<void>((resolve) => (release = resolve)));
    const rest = Array.from({ length: 99 }, (_, i) => view.submit((x: number) => x, i));
    await until(() => first.running(), 'the first call runs');
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(1);
    const reason = new Error('stop');
    ac.abort(reason);
    expect(await first.exception()).toBe(reason);
    expect(rest.every((f) => f.cancelled())).toBe(true);
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
    expect(warn).not.toHaveBeenCalled();
    release(); // InlineExecutor cannot stop a running function; shutdown waits for it.
    await ex.shutdown();
  });

  it('calls that settle remove their part, so a long-lived signal keeps no listener', async () => {
    const ex = new InlineExecutorFromSource();
    const ac = new AbortController();
    const view = ex.with({ signal: ac.signal });
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => view.submit(async (x: number) => x * 2, i)));
    expect(results[99]).toBe(198);
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
    await ex.shutdown();
  });
});
