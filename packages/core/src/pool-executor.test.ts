import { describeExecutorSuite, markThenHang, shutDownAfterEach, startMarker, until } from '@futures/executor-tests';
import { tasks } from '@futures/executor-tests/fixtures/tasks.mjs';
import { BrokenExecutorError, ShutdownError, TimeoutError } from '@futures/core';
import { MAX_IN_FLIGHT } from '@futures/core/transport';
import { CALL, LISTENED } from './protocol.js';
import { BrokenFakePoolError, FakePoolExecutor, type FakeWorker } from '@futures/core/testing';
import { getEventListeners } from 'node:events';
import { existsSync } from 'node:fs';
import { MessageChannel } from 'node:worker_threads';
import { describe, expect, it, vi } from 'vitest';

describeExecutorSuite('PoolExecutor on the fake transport', {
  create: (options) => new FakePoolExecutor(options),
  pool: true,
  realWorkers: false,
  brokenError: BrokenFakePoolError,
  workersStarted: (ex) => (ex as FakePoolExecutor).transport.workers.length,
});

/** Number of calls in each 'run' message a fake worker received. */
function batchSizes(worker: FakeWorker): number[] {
  return worker.received.filter((m) => m.t === 'run').map((m) => (m.t === 'run' ? m.calls.length / 4 : 0));
}

describe('PoolExecutor engine', () => {
  const make = shutDownAfterEach((...args: ConstructorParameters<typeof FakePoolExecutor>) => new FakePoolExecutor(...args));

  /** Runs short calls until the engine has seen that calls are short. */
  async function warmUp(pool: FakePoolExecutor): Promise<void> {
    await Promise.all(Array.from({ length: 8 }, (_, i) => pool.submit(tasks.add, i, 0)));
  }

  describe('worker death', () => {
    it('fails only the running call with the exit code, requeues the calls dispatched behind it, and replaces the worker', async () => {
      const pool = make({ maxWorkers: 1 });
      // markIf(null) is short: the pool dispatches calls of it ahead, even behind one that hangs.
      const markIf = (path: string | null): number | Promise<never> => {
        if (path === null) return 0;
        (process as unknown as { getBuiltinModule(id: string): typeof import('node:fs') }).getBuiltinModule('node:fs').writeFileSync(path, '');
        return new Promise<never>(() => {});
      };
      await Promise.all(Array.from({ length: 8 }, () => pool.submit(markIf, null)));
      const marker = startMarker();
      const running = pool.submit(markIf, marker.path);
      const behind = [pool.submit(markIf, null), pool.submit(markIf, null)];
      await until(() => running.running() && behind.every((f) => f.running()), 'all three are dispatched');
      const [first] = pool.transport.live;
      expect(batchSizes(first).at(-1)).toBe(3);
      await marker.started();
      marker.dispose();
      first.exit({ code: 7, signal: null });
      const error = (await running.exception()) as Error;
      expect(BrokenExecutorError.isInstance(error)).toBe(true);
      expect(error.message).toMatch(/fake worker 1 exited with code 7 while running markIf/);
      expect(await Promise.all(behind)).toEqual([0, 0]);
      expect(pool.transport.workers).toHaveLength(2);
      // The replacement got each requeued call exactly once.
      expect(batchSizes(pool.transport.workers[1]).reduce((a, b) => a + b, 0)).toBe(2);
    });

    it('names the signal that killed a worker', async () => {
      const pool = make({ maxWorkers: 1 });
      const marker = startMarker();
      const f = pool.submit(markThenHang, marker.path);
      await marker.started();
      pool.transport.live[0].exit({ code: null, signal: 'SIGKILL' });
      marker.dispose();
      expect(((await f.exception()) as Error).message).toMatch(/killed by SIGKILL/);
      expect(await pool.submit(tasks.add, 1, 2)).toBe(3);
    });

    it('a worker that cannot start breaks the pool: every pending call fails, submit throws, shutdown resolves', async () => {
      for (const failStart of ['exit', 'throw'] as const) {
        const pool = make({ maxWorkers: 2 }, { failStart });
        const fs = [pool.submit(tasks.add, 1, 1), pool.submit(tasks.add, 2, 2), pool.submit(tasks.add, 3, 3)];
        for (const f of fs) {
          const error = (await f.exception()) as Error;
          expect(BrokenExecutorError.isInstance(error)).toBe(true);
          expect(error.message).toMatch(/could not start/);
          expect(error.cause).toBeInstanceOf(Error);
        }
        expect(() => pool.submit(tasks.add, 1, 1)).toThrow(/could not start/);
        await pool.shutdown();
      }
    });

    it('ends a worker that answers garbage, failing only its running call', async () => {
      const pool = make({ maxWorkers: 1 });
      const marker = startMarker();
      const f = pool.submit(markThenHang, marker.path);
      await marker.started();
      marker.dispose();
      pool.transport.live[0].inject({ t: 'nonsense' });
      const error = (await f.exception()) as Error;
      expect(BrokenExecutorError.isInstance(error)).toBe(true);
      expect(error.message).toMatch(/unknown type/);
      expect(await pool.submit(tasks.add, 1, 1)).toBe(2);

      const again = startMarker();
      const g = pool.submit(markThenHang, again.path);
      await again.started();
      again.dispose();
      pool.transport.live[0].inject({ t: 'done', results: [999_999, 0, 'forged'], busy: 0 });
      expect(((await g.exception()) as Error).message).toMatch(/result for call 999999/);
      expect(await pool.submit(tasks.add, 2, 2)).toBe(4);
    });
  });

  describe('dispatch', () => {
    it('starts with one call per worker, so long calls never wait behind a busy worker', async () => {
      const pool = make({ maxWorkers: 2 });
      const fs = Array.from({ length: 4 }, (_, i) => pool.submit(tasks.sleep, 20, i));
      await until(() => pool.transport.live.length === 2 && fs.filter((f) => f.running()).length === 2, 'both workers run one call');
      expect(fs.filter((f) => f.running())).toHaveLength(2);
      expect(await Promise.all(fs)).toEqual([0, 1, 2, 3]);
      for (const w of pool.transport.workers) for (const n of batchSizes(w)) expect(n).toBe(1);
    });

    it('once calls are short, batches up to MAX_IN_FLIGHT calls per worker and message', async () => {
      const pool = make({ maxWorkers: 2 });
      await warmUp(pool);
      const fs = Array.from({ length: 2000 }, (_, i) => pool.submit(tasks.add, i, i));
      expect(await Promise.all(fs)).toEqual(Array.from({ length: 2000 }, (_, i) => 2 * i));
      const sizes = pool.transport.workers.flatMap(batchSizes);
      expect(Math.max(...sizes)).toBe(MAX_IN_FLIGHT);
      expect(sizes.length).toBeLessThan(2000 / 4);
    });

    it('in a burst of short calls, each idle worker gets a full batch while the caller is still submitting', async () => {
      const pool = make({ maxWorkers: 2 });
      await warmUp(pool);
      const fs = Array.from({ length: 3 * MAX_IN_FLIGHT }, (_, i) => pool.submit(tasks.add, i, 0));
      // Still in the submitting tick: both workers got a batch; the third batch waits for room.
      expect(fs.slice(0, 2 * MAX_IN_FLIGHT).every((f) => f.running())).toBe(true);
      expect(fs.slice(2 * MAX_IN_FLIGHT).every((f) => f.state === 'PENDING')).toBe(true);
      expect(pool.transport.live.map((w) => batchSizes(w).at(-1))).toEqual([MAX_IN_FLIGHT, MAX_IN_FLIGHT]);
      expect(await Promise.all(fs)).toEqual(Array.from({ length: 3 * MAX_IN_FLIGHT }, (_, i) => i));
    });

    it('in a burst, a call with a signal waits for the end of the tick, so an abort in the same tick cancels it', async () => {
      const pool = make({ maxWorkers: 2 });
      await warmUp(pool);
      const controller = new AbortController();
      const fs = Array.from({ length: 2 * MAX_IN_FLIGHT }, (_, i) => pool.with({ signal: controller.signal }).submit(tasks.add, i, 0));
      controller.abort();
      expect(fs.every((f) => f.cancelled())).toBe(true);
      expect(pool.transport.workers).toHaveLength(2);
      expect(await pool.submit(tasks.add, 1, 1)).toBe(2);
    });

    it('a lone call waits for the end of the tick, so submit then cancel in one tick cancels it', async () => {
      const pool = make({ maxWorkers: 1 });
      await warmUp(pool);
      const f = pool.submit(tasks.add, 1, 1);
      expect(f.cancel()).toBe(true);
      expect(await pool.submit(tasks.add, 2, 2)).toBe(4);
    });

    it('never has more than MAX_IN_FLIGHT calls unanswered on one worker', async () => {
      const pool = make({ maxWorkers: 1 });
      await warmUp(pool);
      const fs = Array.from({ length: 200 }, (_, i) => pool.submit(tasks.add, i, 1));
      let peak = 0;
      while (fs.some((f) => !f.done())) {
        peak = Math.max(peak, fs.filter((f) => f.running()).length);
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect(peak).toBeGreaterThan(1);
      expect(peak).toBeLessThanOrEqual(MAX_IN_FLIGHT);
    });

    it('a timed-out call ends its worker; the calls dispatched behind it run on a replacement', async () => {
      const pool = make({ maxWorkers: 1 });
      await warmUp(pool);
      const slow = pool.with({ timeout: 30 }).submit(tasks.forever);
      const behind = pool.submit(tasks.add, 5, 5);
      const error = await slow.exception();
      expect(TimeoutError.isInstance(error)).toBe(true);
      expect(String((error as Error).message)).toMatch(/within 30 ms/);
      expect(await behind).toBe(10);
      expect(pool.transport.workers.length).toBe(2);
      expect(pool.transport.workers[0].alive).toBe(false);
    });
  });

  describe('task definitions', () => {
    it('sends the source of equal closures once per worker, under one id', async () => {
      const pool = make({ maxWorkers: 1 });
      for (let i = 0; i < 50; i++) expect(await pool.submit((x: number) => x + 1, i)).toBe(i + 1);
      const defs = pool.transport.workers[0].received.flatMap((m) => (m.t === 'run' && m.defs ? m.defs : []));
      expect(defs).toHaveLength(2);
    });
  });

  describe('worker lifecycle', () => {
    it('retires a worker that started but never got a call after idleTimeout', async () => {
      const pool = make({ maxWorkers: 1, idleTimeout: 5 });
      const f = pool.submit(tasks.add, 1, 1);
      await until(() => pool.transport.workers.length === 1, 'a worker starts');
      f.cancel();
      await until(() => pool.transport.live.length === 0, 'the unused worker is retired');
    });

    it('recycles a worker after maxTasksPerWorker calls', async () => {
      const pool = make({ maxWorkers: 1, maxTasksPerWorker: 2 });
      for (let i = 0; i < 5; i++) expect(await pool.submit(tasks.add, i, 1)).toBe(i + 1);
      expect(pool.transport.workers.length).toBe(3);
      for (const w of pool.transport.workers) expect(batchSizes(w).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(2);
    });

    it('retires a worker idle for idleTimeout', async () => {
      const pool = make({ maxWorkers: 1, idleTimeout: 5 });
      expect(await pool.submit(tasks.add, 1, 1)).toBe(2);
      await until(() => pool.transport.live.length === 0, 'the idle worker is retired');
      expect(await pool.submit(tasks.add, 1, 2)).toBe(3);
      expect(pool.transport.workers.length).toBe(2);
    });

    it('holds the event loop only while calls are outstanding', async () => {
      const pool = make({ maxWorkers: 1 });
      const f = pool.submit(tasks.sleep, 10, 1);
      await until(() => pool.transport.live.length === 1, 'a worker starts');
      expect(pool.transport.live[0].refed).toBe(true);
      await f;
      expect(pool.transport.live[0].refed).toBe(false);
      const g = pool.submit(tasks.add, 1, 1);
      expect(pool.transport.live[0].refed).toBe(true);
      await g;
      const h = pool.submit(tasks.sleep, 1000, 1);
      h.cancel();
      expect(pool.transport.live[0].refed).toBe(false);
    });

    it('shutdown while busy waits for running calls, then closes every worker and the transport', async () => {
      const pool = make({ maxWorkers: 2 });
      const fs = [pool.submit(tasks.sleep, 20, 'a'), pool.submit(tasks.sleep, 20, 'b'), pool.submit(tasks.sleep, 5, 'c')];
      await until(() => fs.some((f) => f.running()), 'calls run');
      await pool.shutdown();
      expect(await Promise.all(fs)).toEqual(['a', 'b', 'c']);
      expect(pool.transport.live).toHaveLength(0);
      expect(pool.transport.closed).toBe(true);
      expect(() => pool.submit(tasks.add, 1, 1)).toThrow(ShutdownError);
    });
  });
});

describe('PoolExecutor engine: starts that fail', () => {
  const make = shutDownAfterEach((...args: ConstructorParameters<typeof FakePoolExecutor>) => new FakePoolExecutor(...args));

  it('shutdown of a pool that broke resolves only once its transport has finished closing', async () => {
    const pool = make({ maxWorkers: 1 }, { failStart: 'throw' });
    let finishClose!: () => void;
    const closing = new Promise<void>((resolve) => (finishClose = resolve));
    let closeCalls = 0;
    pool.transport.close = () => {
      closeCalls++;
      return closing;
    };
    await expect(pool.submit(tasks.add, 1, 1)).rejects.toThrow(BrokenFakePoolError);
    expect(closeCalls).toBe(1);
    let shutDown = false;
    const done = pool.shutdown().then(() => (shutDown = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(shutDown).toBe(false);
    finishClose();
    await done;
    expect(closeCalls).toBe(1);
  });

  it('retries a start that failed with EMFILE', async () => {
    const pool = make({ maxWorkers: 1 }, { startFailures: ['emfile'] });
    expect(await pool.submit(tasks.add, 1, 2)).toBe(3);
    expect(pool.transport.workers).toHaveLength(1);
  });

  it('a replacement killed while it starts is retried: the queued calls run and the pool stays usable', async () => {
    const pool = make({ maxWorkers: 1 }, { startFailures: ['ok', 'killed', 'killed'] });
    const marker = startMarker();
    const running = pool.submit(markThenHang, marker.path);
    const queued = Array.from({ length: 10 }, (_, i) => pool.submit(tasks.add, i, 1));
    await marker.started();
    marker.dispose();
    pool.transport.live[0].exit({ code: null, signal: 'SIGKILL' });
    expect(((await running.exception()) as Error).message).toMatch(/killed by SIGKILL while running markThenHang/);
    expect(await Promise.all(queued)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    expect(await pool.submit(tasks.add, 2, 2)).toBe(4);
    expect(pool.transport.workers).toHaveLength(4);
  });

  it('keeps retrying starts that fail with a passing error (EMFILE) with a growing backoff, without breaking', async () => {
    const pool = make({ maxWorkers: 1 }, { startFailures: ['emfile', 'emfile', 'emfile', 'emfile', 'emfile'] });
    expect(await pool.submit(tasks.add, 1, 2)).toBe(3);
    expect(await pool.submit(tasks.add, 2, 2)).toBe(4);
  });

  it('breaks after 3 failed starts in a row with no worker becoming ready, with the last failure as cause', async () => {
    const pool = make({ maxWorkers: 1 }, { startFailures: ['killed', 'emfile', 'killed', 'killed'] });
    const f = pool.submit(tasks.add, 1, 2);
    const error = (await f.exception()) as Error;
    expect(BrokenExecutorError.isInstance(error)).toBe(true);
    expect(error.message).toMatch(/could not start \(fake worker 3 was killed by SIGKILL before it was ready\)/);
    expect(() => pool.submit(tasks.add, 1, 1)).toThrow(/could not start/);
  });

  it('a worker becoming ready ends the run of failed starts', async () => {
    const pool = make({ maxWorkers: 1, maxTasksPerWorker: 1 }, { startFailures: ['killed', 'killed', 'ok', 'killed', 'killed', 'ok'] });
    expect(await pool.submit(tasks.add, 1, 1)).toBe(2);
    expect(await pool.submit(tasks.add, 2, 2)).toBe(4);
  });
});

describe('PoolExecutor engine: fair dispatch', () => {
  const make = shutDownAfterEach((...args: ConstructorParameters<typeof FakePoolExecutor>) => new FakePoolExecutor(...args));
  const runningCount = (fs: { running(): boolean }[]) => fs.filter((f) => f.running()).length;

  it('after 400 short calls, a burst of long calls goes one call per worker, over every worker', async () => {
    const pool = make({ maxWorkers: 4 });
    await Promise.all(Array.from({ length: 400 }, (_, i) => pool.submit(tasks.add, i, 0)));
    const sent = pool.transport.workers.map((w) => w.received.length);
    const fs = Array.from({ length: 16 }, (_, i) => pool.submit(tasks.sleep, 20, i));
    await new Promise((resolve) => setImmediate(resolve));
    expect(runningCount(fs)).toBeLessThanOrEqual(4);
    expect(await Promise.all(fs)).toEqual(Array.from({ length: 16 }, (_, i) => i));
    const workers = pool.transport.workers;
    expect(workers).toHaveLength(4);
    const burstBatches = workers.map((w, i) => batchSizes({ received: w.received.slice(sent[i] ?? 0) } as FakeWorker));
    for (const sizes of burstBatches) {
      expect(sizes.length).toBeGreaterThan(0);
      for (const n of sizes) expect(n).toBe(1);
    }
  });

  it('a fresh pool that ran 50 short calls one at a time starts workers for a burst of long calls; the rest stay PENDING', async () => {
    const pool = make({ maxWorkers: 4 });
    for (let i = 0; i < 50; i++) expect(await pool.submit(tasks.add, i, 0)).toBe(i);
    expect(pool.transport.workers).toHaveLength(1);
    const fs = Array.from({ length: 16 }, (_, i) => pool.submit(tasks.sleep, 20, i));
    await new Promise((resolve) => setImmediate(resolve));
    expect(runningCount(fs)).toBeLessThanOrEqual(4);
    expect(pool.transport.workers).toHaveLength(4);
    expect(fs[15].state).toBe('PENDING');
    expect(fs[15].cancel()).toBe(true);
    expect(await Promise.all(fs.slice(0, 15))).toEqual(Array.from({ length: 15 }, (_, i) => i));
  });

  it('starts workers for calls dispatched ahead, not only for queued ones', async () => {
    const pool = make({ maxWorkers: 2 });
    await warmUpShort(pool);
    expect(pool.transport.workers).toHaveLength(1);
    // Short calls: a batch goes to the one worker at once; the rest of the demand starts the second.
    await Promise.all(Array.from({ length: 64 }, (_, i) => pool.submit(tasks.add, i, 0)));
    expect(pool.transport.workers).toHaveLength(2);
  });

  /** Short calls one at a time: one worker, and the engine knows `add` is short. */
  async function warmUpShort(pool: FakePoolExecutor): Promise<void> {
    for (let i = 0; i < 3; i++) await pool.submit(tasks.add, i, 0);
  }
});

describe('PoolExecutor engine: send diagnosis', () => {
  const make = shutDownAfterEach((...args: ConstructorParameters<typeof FakePoolExecutor>) => new FakePoolExecutor(...args));

  it("finding the argument at fault does not detach the caller's MessagePort", async () => {
    const pool = make({ maxWorkers: 1 });
    const { port1, port2 } = new MessageChannel();
    try {
      const f = pool.with({ transfer: [port1] }).submit(tasks.add, 1, (() => 2) as never);
      const error = (await f.exception()) as Error;
      expect(error).toBeInstanceOf(TypeError);
      expect(error.message).toMatch(/argument 2/);
      // The port still works: a message sent on it arrives.
      const got = new Promise((resolve) => port2.once('message', resolve));
      port1.postMessage('still here');
      expect(await got).toBe('still here');
    } finally {
      port1.close();
      port2.close();
    }
  });
});

describe('PoolExecutor engine: signals and long timers', () => {
  const make = shutDownAfterEach((...args: ConstructorParameters<typeof FakePoolExecutor>) => new FakePoolExecutor(...args));
  const THIRTY_DAYS = 30 * 24 * 60 * 60 * 1000;

  it('100 calls sharing one AbortSignal add one abort listener; aborting still cancels every pending one', async () => {
    const pool = make({ maxWorkers: 1 });
    const controller = new AbortController();
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const fs = Array.from({ length: 100 }, () => pool.with({ signal: controller.signal }).submit(tasks.sleep, 1000, 'late'));
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
      await until(() => fs[0].running(), 'the first call runs');
      controller.abort(new Error('stop'));
      expect(fs.slice(1).every((f) => f.cancelled())).toBe(true);
      expect(((await fs[0].exception()) as Error).message).toBe('stop');
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('a 30-day idleTimeout does not retire a worker early', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const pool = make({ maxWorkers: 1, idleTimeout: THIRTY_DAYS });
      const f = pool.submit(tasks.add, 1, 1);
      await vi.waitFor(() => expect(f.done()).toBe(true));
      await vi.advanceTimersByTimeAsync(2 ** 31);
      expect(pool.transport.live).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(THIRTY_DAYS - 2 ** 31 + 10);
      expect(pool.transport.live).toHaveLength(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('a 30-day with({ timeout }) does not end the call early', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const pool = make({ maxWorkers: 1 });
      const marker = startMarker();
      const f = pool.with({ timeout: THIRTY_DAYS }).submit(markThenHang, marker.path);
      await vi.waitFor(() => expect(existsSync(marker.path)).toBe(true));
      marker.dispose();
      await vi.advanceTimersByTimeAsync(2 ** 31);
      expect(f.done()).toBe(false);
      await vi.advanceTimersByTimeAsync(THIRTY_DAYS - 2 ** 31 + 10);
      expect(TimeoutError.isInstance(await f.exception())).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('PoolExecutor engine: stats, maxQueue, minWorkers, progress', () => {
  const make = shutDownAfterEach((...args: ConstructorParameters<typeof FakePoolExecutor>) => new FakePoolExecutor(...args));

  it('tells the worker per call whether anyone listens to its progress (the LISTENED kind flag)', async () => {
    const pool = make({ maxWorkers: 1 });
    expect(await pool.submit(tasks.progressSteps, 1)).toBe(1);
    expect(await pool.with({ onProgress: () => {} }).submit(tasks.progressSteps, 1)).toBe(1);
    const kinds = pool.transport.workers[0].received.flatMap((m) => (m.t === 'run' ? [m.calls[2]] : []));
    expect(kinds).toEqual([CALL, CALL + LISTENED]);
  });

  it('ignores a progress report for a call the worker is not running; the call and the worker go on', async () => {
    const pool = make({ maxWorkers: 1 });
    const reports: unknown[] = [];
    const marker = startMarker();
    const f = pool.with({ onProgress: (v) => reports.push(v) }).submit(markThenHang, marker.path);
    await marker.started();
    marker.dispose();
    pool.transport.live[0].inject({ t: 'progress', id: 987654, value: 'stray' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(reports).toEqual([]);
    expect(f.running()).toBe(true);
    expect(pool.transport.live).toHaveLength(1);
    pool.transport.live[0].exit({ code: 1, signal: null });
    expect(BrokenExecutorError.isInstance(await f.exception())).toBe(true);
  });

  it('counts a crashed call as failed and the calls behind a broken pool as failed, not queued', async () => {
    const pool = make({ maxWorkers: 1 }, { failStart: 'throw' });
    const fs = [pool.submit(tasks.add, 1, 1), pool.submit(tasks.add, 2, 2)];
    for (const f of fs) expect(BrokenExecutorError.isInstance(await f.exception())).toBe(true);
    expect(pool.stats()).toMatchObject({ queued: 0, running: 0, failed: 2, completed: 0, workers: 0 });
  });

  it('utilization is the busy share of worker time: near 0 for an idle pool, higher while calls run', async () => {
    const pool = make({ maxWorkers: 1, minWorkers: 1 });
    await until(() => pool.stats().workers === 1, 'the min worker starts');
    expect(pool.stats().utilization).toBe(0);
    await pool.submit(tasks.fib, 22);
    expect(pool.stats().utilization).toBeGreaterThan(0);
  });

  it('minWorkers stay through idleTimeout while the extra workers retire; shutdown still ends them all', async () => {
    const pool = make({ maxWorkers: 3, minWorkers: 1, idleTimeout: 5 });
    await Promise.all(Array.from({ length: 3 }, (_, i) => pool.submit(tasks.sleep, 10, i)));
    await until(() => pool.transport.live.length === 1, 'the workers beyond minWorkers retire');
    await pool.shutdown();
    expect(pool.transport.live).toHaveLength(0);
  });
});
