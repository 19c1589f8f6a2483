import { afterEach, describe, expect, it, vi } from 'vitest';
import { THIRTY_DAYS, expectFiresAtThirtyDays } from './long-timer.fixture.js';
import { TimeoutError } from './errors.js';
import { Future } from './future.js';
import { ALL_COMPLETED, FIRST_COMPLETED, FIRST_EXCEPTION, asCompleted, wait } from './wait.js';

function fakeTimers(): void {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
}

function futures(n: number): Future<number>[] {
  return Array.from({ length: n }, () => new Future<number>());
}

function finished<T>(value: T): Future<T> {
  const f = new Future<T>();
  f.setResult(value);
  return f;
}

/**
 * TypeScript types a `for await` loop variable as if each value were awaited
 * (a Future is a thenable, so it types it as the result), but an async
 * iterator's values are not awaited at run time: the loop gets the Future.
 */
function asFuture(value: unknown): Future<number> {
  return value as Future<number>;
}

/** Lets a settled promise's reactions run, to check that a waiter has NOT returned yet. */
function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Records every removeDoneCallback call and whether it removed something. */
function spyOnDetach(): () => boolean[] {
  const spy = vi.spyOn(Future.prototype, 'removeDoneCallback');
  return () => spy.mock.results.map((r) => r.value as boolean);
}

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('constants', () => {
  it('are the Python names', () => {
    expect([FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED]).toEqual(['FIRST_COMPLETED', 'FIRST_EXCEPTION', 'ALL_COMPLETED']);
  });
});

describe('wait', () => {
  it('waits for all futures by default', async () => {
    const [a, b, c] = futures(3);
    let returned = false;
    const p = wait([a, b, c]).then((r) => {
      returned = true;
      return r;
    });
    a.setResult(1);
    b.cancel();
    await flush();
    expect(returned).toBe(false);
    c.setException(new Error('c'));
    const { done, notDone } = await p;
    expect(done).toEqual(new Set([a, b, c]));
    expect(notDone.size).toBe(0);
  });

  it('returns at once when the condition already holds, counting cancelled futures as done', async () => {
    const a = finished(1);
    const b = new Future<number>();
    b.cancel();
    const c = new Future<number>();
    expect(await wait([a, b])).toEqual({ done: new Set([a, b]), notDone: new Set() });
    const first = await wait([c, b], { returnWhen: FIRST_COMPLETED });
    expect(first.done).toEqual(new Set([b]));
    expect(first.notDone).toEqual(new Set([c]));
    c.cancel();
  });

  it('returns with an empty input', async () => {
    expect(await wait([])).toEqual({ done: new Set(), notDone: new Set() });
    expect(await wait([], { returnWhen: FIRST_COMPLETED })).toEqual({ done: new Set(), notDone: new Set() });
  });

  it('FIRST_COMPLETED returns at the first completion and detaches from the rest', async () => {
    const detached = spyOnDetach();
    const [a, b, c] = futures(3);
    const p = wait([a, b, c], { returnWhen: FIRST_COMPLETED });
    b.setResult(2);
    const { done, notDone } = await p;
    expect(done).toEqual(new Set([b]));
    expect(notDone).toEqual(new Set([a, c]));
    expect(detached()).toEqual([true, true]);
    a.setResult(1);
    c.cancel();
    expect(done).toEqual(new Set([b]));
    expect(notDone).toEqual(new Set([a, c]));
  });

  it('FIRST_COMPLETED counts a cancellation', async () => {
    const [a, b] = futures(2);
    const p = wait([a, b], { returnWhen: FIRST_COMPLETED });
    a.cancel();
    expect((await p).done).toEqual(new Set([a]));
    b.cancel();
  });

  it('FIRST_EXCEPTION returns when a future fails, not when one succeeds or is cancelled', async () => {
    const [a, b, c, d] = futures(4);
    let returned = false;
    const p = wait([a, b, c, d], { returnWhen: FIRST_EXCEPTION }).then((r) => {
      returned = true;
      return r;
    });
    a.setResult(1);
    b.cancel();
    await flush();
    expect(returned).toBe(false);
    c.setException(new Error('c failed'));
    const { done, notDone } = await p;
    expect(done).toEqual(new Set([a, b, c]));
    expect(notDone).toEqual(new Set([d]));
    d.cancel();
  });

  it('FIRST_EXCEPTION returns at once when a future has already failed', async () => {
    const failed = new Future();
    failed.setException('thrown value');
    const pending = new Future();
    const { done, notDone } = await wait([pending, failed], { returnWhen: FIRST_EXCEPTION });
    expect(done).toEqual(new Set([failed]));
    expect(notDone).toEqual(new Set([pending]));
    pending.cancel();
  });

  it('FIRST_EXCEPTION without any exception is ALL_COMPLETED', async () => {
    const [a, b] = futures(2);
    const p = wait([a, b], { returnWhen: FIRST_EXCEPTION });
    a.setResult(1);
    b.cancel();
    expect(await p).toEqual({ done: new Set([a, b]), notDone: new Set() });
  });

  it('collapses duplicates', async () => {
    const [a, b] = futures(2);
    const p = wait([a, b, a, a, b]);
    a.setResult(1);
    b.setResult(2);
    const { done } = await p;
    expect([...done]).toEqual([a, b]);
  });

  it('accepts any iterable, including a generator', async () => {
    const all = [finished(1), finished(2)];
    function* gen(): Generator<Future<number>> {
      yield* all;
    }
    expect((await wait(gen())).done).toEqual(new Set(all));
    expect((await wait(new Set(all))).done).toEqual(new Set(all));
  });

  it('on timeout returns what is done at that moment, without throwing, and detaches', async () => {
    fakeTimers();
    const detached = spyOnDetach();
    const [a, b, c] = futures(3);
    const p = wait([a, b, c], { timeout: 100 });
    a.setResult(1);
    vi.advanceTimersByTime(100);
    const { done, notDone } = await p;
    expect(done).toEqual(new Set([a]));
    expect(notDone).toEqual(new Set([b, c]));
    expect(detached()).toEqual([true, true]);
    expect(b.state).toBe('PENDING');
    b.cancel();
    c.cancel();
  });

  it('timeout 0 reports the current state at once', async () => {
    const a = finished(1);
    const b = new Future<number>();
    expect(await wait([a, b], { timeout: 0 })).toEqual({ done: new Set([a]), notDone: new Set([b]) });
    b.cancel();
  });

  it('clears its timer when the futures finish in time', async () => {
    fakeTimers();
    const [a, b] = futures(2);
    const p = wait([a, b], { timeout: 60_000 });
    expect(vi.getTimerCount()).toBe(1);
    a.setResult(1);
    b.setResult(2);
    expect(vi.getTimerCount()).toBe(0);
    expect((await p).notDone.size).toBe(0);
  });

  it('validates its arguments synchronously', () => {
    const f = finished(1);
    expect(() => wait(null as never)).toThrow(/fs must be an iterable of Futures/);
    expect(() => wait(42 as never)).toThrow(TypeError);
    expect(() => wait({} as never)).toThrow(/fs/);
    expect(() => wait([f, Promise.resolve(1)] as never)).toThrow(/item 1/);
    expect(() => wait('ab' as never)).toThrow(TypeError);
    expect(() => wait([f], { returnWhen: 'FIRST' as never })).toThrow(/returnWhen must be one of/);
    expect(() => wait([f], { returnWhen: 1 as never })).toThrow(TypeError);
    expect(() => wait([f], { return_when: FIRST_COMPLETED } as never)).toThrow(/unknown option 'return_when'/);
    expect(() => wait([f], { timeout: -1 })).toThrow(RangeError);
    expect(() => wait([f], { timeout: Number.NaN })).toThrow(/timeout/);
    expect(() => wait([f], 5 as never)).toThrow(/options must be an object/);
  });

  it('is linear: 100,000 futures finishing one by one in reverse order', { timeout: 10_000 }, async () => {
    const fs = futures(100_000);
    const all = wait(fs);
    const first = wait(fs, { returnWhen: FIRST_EXCEPTION });
    for (let i = fs.length - 1; i >= 0; i--) fs[i].setResult(i);
    expect((await all).done.size).toBe(100_000);
    expect((await first).notDone.size).toBe(0);
  });

  it('is linear when returning early from 100,000 futures', { timeout: 10_000 }, async () => {
    const fs = futures(100_000);
    const results: Promise<unknown>[] = [];
    // Each wait returns at the next completion and detaches from all the rest.
    for (let i = 0; i < 5; i++) results.push(wait(fs, { returnWhen: FIRST_COMPLETED }));
    fs[50_000].setResult(0);
    for (const r of await Promise.all(results)) expect((r as { notDone: Set<unknown> }).notDone.size).toBe(99_999);
    for (const f of fs) f.cancel();
  });
});

describe('asCompleted', () => {
  it('yields finished futures first, then others as they complete', async () => {
    const [a, b, c, d] = futures(4);
    b.setResult(2);
    d.cancel();
    const it = asCompleted([a, b, c, d]);
    const order: Future<number>[] = [];
    const consume = (async () => {
      for await (const f of it) {
        order.push(asFuture(f));
        if (order.length === 2) {
          c.setResult(3);
          a.setException(new Error('a'));
        }
      }
    })();
    await consume;
    expect(order).toEqual([b, d, c, a]);
  });

  it('gives the results in completion order with `await f` in a for-await loop', async () => {
    const [a, b, c] = futures(3);
    const results: number[] = [];
    const errors: unknown[] = [];
    const consume = (async () => {
      for await (const f of asCompleted([a, b, c])) {
        try {
          results.push(await f);
        } catch (e) {
          errors.push(e);
        }
      }
    })();
    c.setResult(3);
    a.setResult(1);
    const boom = new Error('b failed');
    b.setException(boom);
    await consume;
    expect(results).toEqual([3, 1]);
    expect(errors).toEqual([boom]);
  });

  it('yields each future once, even when it appears more than once', async () => {
    const [a, b] = futures(2);
    const seen: Future<number>[] = [];
    const consume = (async () => {
      for await (const f of asCompleted([a, b, a, b, a])) seen.push(asFuture(f));
    })();
    a.setResult(1);
    b.setResult(2);
    await consume;
    expect(seen).toEqual([a, b]);
  });

  it('ends at once for an empty input', async () => {
    const it = asCompleted([]);
    expect(await it.next()).toEqual({ done: true, value: undefined });
    expect(it[Symbol.asyncIterator]()).toBe(it);
  });

  it('serves next() calls made without waiting, in order', async () => {
    const [a, b] = futures(2);
    const it = asCompleted([a, b]);
    const p1 = it.next();
    const p2 = it.next();
    const p3 = it.next();
    b.setResult(2);
    a.setResult(1);
    expect(await p1).toEqual({ done: false, value: b });
    expect(await p2).toEqual({ done: false, value: a });
    expect(await p3).toEqual({ done: true, value: undefined });
  });

  it('throws TimeoutError saying how many futures are unfinished', async () => {
    fakeTimers();
    const [a, b, c] = futures(3);
    a.setResult(1);
    const it = asCompleted([a, b, c], { timeout: 100 });
    expect(await it.next()).toEqual({ done: false, value: a });
    const pending = it.next();
    vi.advanceTimersByTime(99);
    b.setResult(2);
    expect(await pending).toEqual({ done: false, value: b });
    const next = it.next().catch((e: unknown) => e);
    vi.advanceTimersByTime(1);
    const error = await next;
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).message).toBe('1 (of 3) futures unfinished');
    expect(await it.next()).toEqual({ done: true, value: undefined });
    expect(vi.getTimerCount()).toBe(0);
    expect(c.state).toBe('PENDING');
    c.cancel();
  });

  it('counts the timeout from the asCompleted call, and still yields what is done first', async () => {
    fakeTimers();
    const [a, b] = futures(2);
    const it = asCompleted([a, b], { timeout: 50 });
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(50);
    a.setResult(1);
    expect(await it.next()).toEqual({ done: false, value: a });
    await expect(it.next()).rejects.toThrow('1 (of 2) futures unfinished');
    b.cancel();
  });

  it('with timeout 0 yields what is already done, then throws', async () => {
    const a = finished(1);
    const b = new Future<number>();
    const seen: Future<number>[] = [];
    let caught: unknown;
    try {
      for await (const f of asCompleted([a, b], { timeout: 0 })) seen.push(asFuture(f));
    } catch (e) {
      caught = e;
    }
    expect(seen).toEqual([a]);
    expect(caught).toBeInstanceOf(TimeoutError);
    b.cancel();
  });

  it('detaches from unfinished futures when the consumer breaks', async () => {
    const detached = spyOnDetach();
    const [a, b, c] = futures(3);
    a.setResult(1);
    for await (const f of asCompleted([a, b, c])) {
      expect(asFuture(f)).toBe(a);
      break;
    }
    expect(detached()).toEqual([true, true]);
    b.setResult(2);
    c.cancel();
  });

  it('return() while a next() waits ends both and clears the timer', async () => {
    fakeTimers();
    const detached = spyOnDetach();
    const [a] = futures(1);
    const it = asCompleted([a], { timeout: 1_000 });
    const waiting = it.next();
    expect(vi.getTimerCount()).toBe(1);
    expect(await it.return!()).toEqual({ done: true, value: undefined });
    expect(await waiting).toEqual({ done: true, value: undefined });
    expect(vi.getTimerCount()).toBe(0);
    expect(detached()).toEqual([true]);
    a.setResult(1);
    expect(await it.next()).toEqual({ done: true, value: undefined });
  });

  it('clears its timer once the last future is yielded', async () => {
    fakeTimers();
    const [a] = futures(1);
    const it = asCompleted([a], { timeout: 1_000 });
    const p = it.next();
    a.setResult(1);
    expect(await p).toEqual({ done: false, value: a });
    expect(vi.getTimerCount()).toBe(0);
    expect(await it.next()).toEqual({ done: true, value: undefined });
  });

  it('validates its arguments synchronously', () => {
    const f = finished(1);
    expect(() => asCompleted(undefined as never)).toThrow(/asCompleted: fs must be an iterable of Futures/);
    expect(() => asCompleted([f, 3] as never)).toThrow(/item 1 is number 3/);
    expect(() => asCompleted([f], { timeout: -1 })).toThrow(RangeError);
    expect(() => asCompleted([f], { timeout: '1' as never })).toThrow(TypeError);
    expect(() => asCompleted([f], { timout: 1 } as never)).toThrow(/asCompleted: unknown option 'timout'.*timeout/);
  });

  it('is linear: 100,000 futures finishing one by one', { timeout: 10_000 }, async () => {
    const fs = futures(100_000);
    for (let i = 0; i < fs.length; i += 10) fs[i].setResult(i);
    let count = 0;
    let notDone = 0;
    const consume = (async () => {
      for await (const f of asCompleted(fs)) {
        if (!asFuture(f).done()) notDone++;
        count++;
      }
    })();
    for (let i = fs.length - 1; i >= 0; i--) if (!fs[i].done()) fs[i].setResult(i);
    await consume;
    expect(count).toBe(100_000);
    expect(notDone).toBe(0);
  });

  it('is linear when the consumer breaks early out of 100,000 futures', { timeout: 10_000 }, async () => {
    const fs = futures(100_000);
    for (let round = 0; round < 5; round++) {
      const it = asCompleted(fs.filter((f) => !f.done()));
      const p = it.next();
      fs[round].setResult(round);
      expect((await p).value).toBe(fs[round]);
      await it.return!();
    }
    for (const f of fs) f.cancel();
  });
});

describe('timeouts past 2^31-1 ms (Node timers overflow there)', () => {
  it('wait(timeout: 30 days) returns at 30 days, not after 1 ms or 2^31 ms', async () => {
    fakeTimers();
    const [a, b] = futures(2);
    let result: unknown;
    void wait([a, b], { timeout: THIRTY_DAYS }).then((r) => (result = r));
    a.setResult(1);
    await expectFiresAtThirtyDays(() => result !== undefined);
    expect(result).toEqual({ done: new Set([a]), notDone: new Set([b]) });
  });

  it('asCompleted(timeout: 30 days) throws at 30 days, not after 1 ms or 2^31 ms', async () => {
    fakeTimers();
    const [a] = futures(1);
    const it = asCompleted([a], { timeout: THIRTY_DAYS });
    let error: unknown;
    it.next().catch((e: unknown) => (error = e));
    await expectFiresAtThirtyDays(() => error !== undefined);
    expect(error).toBeInstanceOf(TimeoutError);
    a.cancel();
  });
});
