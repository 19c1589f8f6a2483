import { AsyncLocalStorage } from 'node:async_hooks';
import { inspect } from 'node:util';
import { afterEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import { THIRTY_DAYS, expectFiresAtThirtyDays } from './long-timer.fixture.js';
import { CancelledError, InvalidStateError, TimeoutError } from './errors.js';
import { Future } from './future.js';

function running<T>(): Future<T> {
  const f = new Future<T>();
  f.setRunningOrNotifyCancel();
  return f;
}

/** Settles with whatever the promise did, so a test can assert on a rejection it has not caught yet. */
async function outcome(p: Promise<unknown>): Promise<{ ok: true; value: unknown } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await p };
  } catch (error) {
    return { ok: false, error };
  }
}

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('state machine', () => {
  it('starts PENDING', () => {
    const f = new Future();
    expect(f.state).toBe('PENDING');
    expect([f.running(), f.done(), f.cancelled()]).toEqual([false, false, false]);
  });

  it('setRunningOrNotifyCancel moves PENDING to RUNNING', () => {
    const f = new Future();
    expect(f.setRunningOrNotifyCancel()).toBe(true);
    expect(f.state).toBe('RUNNING');
    expect([f.running(), f.done(), f.cancelled()]).toEqual([true, false, false]);
  });

  it('cancel() cancels a PENDING future and is idempotent', () => {
    const f = new Future();
    expect(f.cancel()).toBe(true);
    expect(f.state).toBe('CANCELLED');
    expect([f.running(), f.done(), f.cancelled()]).toEqual([false, true, true]);
    expect(f.cancel()).toBe(true);
    expect(f.state).toBe('CANCELLED');
  });

  it('cancel() refuses RUNNING and FINISHED futures', () => {
    const r = running();
    expect(r.cancel()).toBe(false);
    expect(r.state).toBe('RUNNING');
    const f = new Future<number>();
    f.setResult(1);
    expect(f.cancel()).toBe(false);
    expect(f.state).toBe('FINISHED');
  });

  it('setRunningOrNotifyCancel returns false once for a cancelled future, then throws', () => {
    const f = new Future();
    f.cancel();
    expect(f.setRunningOrNotifyCancel()).toBe(false);
    expect(f.state).toBe('CANCELLED');
    expect(f.cancelled()).toBe(true);
    expect(f.cancel()).toBe(true);
    expect(() => f.setRunningOrNotifyCancel()).toThrow(InvalidStateError);
  });

  it('setRunningOrNotifyCancel throws InvalidStateError when RUNNING or FINISHED', () => {
    expect(() => running().setRunningOrNotifyCancel()).toThrow(/RUNNING/);
    const f = new Future();
    f.setException(new Error('x'));
    const error = (() => {
      try {
        f.setRunningOrNotifyCancel();
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InvalidStateError);
    expect((error as InvalidStateError).code).toBe('ERR_FUTURE_INVALID_STATE');
    expect((error as Error).message).toMatch(/FINISHED/);
  });

  it('setResult and setException work from PENDING and from RUNNING', () => {
    const a = new Future<number>();
    a.setResult(1);
    expect(a.state).toBe('FINISHED');
    const b = running<number>();
    b.setResult(2);
    expect(b.state).toBe('FINISHED');
    const c = new Future();
    c.setException(new Error('c'));
    expect(c.state).toBe('FINISHED');
    expect(c.hasException()).toBe(true);
    const d = running();
    d.setException('thrown string');
    expect(d.hasException()).toBe(true);
    expect(a.hasException()).toBe(false);
  });

  it('setResult and setException throw InvalidStateError once done, leaving the outcome alone', async () => {
    const finished = new Future<number>();
    finished.setResult(1);
    expect(() => finished.setResult(2)).toThrow(InvalidStateError);
    expect(() => finished.setException(new Error('late'))).toThrow(/already FINISHED/);
    expect(await finished).toBe(1);

    const cancelled = new Future<number>();
    cancelled.cancel();
    expect(() => cancelled.setResult(2)).toThrow(/already CANCELLED/);
    expect(() => cancelled.setException(new Error('late'))).toThrow(InvalidStateError);
    expect(cancelled.state).toBe('CANCELLED');
    await expect(cancelled.result()).rejects.toBeInstanceOf(CancelledError);
  });
});

describe('result()', () => {
  it('resolves with the result, also when called before it is set', async () => {
    const f = running<string>();
    const p = f.result();
    f.setResult('done');
    expect(await p).toBe('done');
    expect(await f.result()).toBe('done');
    expect(await f.result(0)).toBe('done');
  });

  it('rejects with the exception object itself', async () => {
    const error = new RangeError('bad');
    const f = running();
    const p = f.result(1_000);
    f.setException(error);
    expect((await outcome(p)) as unknown).toEqual({ ok: false, error });
    expect((await outcome(f.result())) as unknown).toEqual({ ok: false, error });
  });

  it('rejects with CancelledError when cancelled while waiting and when already cancelled', async () => {
    const f = new Future();
    const waiting = f.result();
    const waitingWithTimeout = f.result(60_000);
    f.cancel();
    const results = await Promise.all([outcome(waiting), outcome(waitingWithTimeout), outcome(f.result())]);
    for (const r of results) {
      expect(r.ok).toBe(false);
      expect((r as { error: unknown }).error).toBeInstanceOf(CancelledError);
      expect(((r as { error: CancelledError }).error).code).toBe('ERR_FUTURE_CANCELLED');
    }
  });

  it('rejects with TimeoutError when the timeout passes, without cancelling the future', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const f = running<number>();
    const p = outcome(f.result(50));
    vi.advanceTimersByTime(49);
    f.addDoneCallback(() => {}); // unrelated callback must survive the timeout
    vi.advanceTimersByTime(1);
    const r = await p;
    expect(r.ok).toBe(false);
    expect((r as { error: unknown }).error).toBeInstanceOf(TimeoutError);
    expect((r as { error: Error }).error.message).toMatch(/50 ms/);
    expect(f.state).toBe('RUNNING');
    f.setResult(7);
    expect(await f.result()).toBe(7);
  });

  it('timeout 0 only accepts a future that is already done', async () => {
    const f = new Future<number>();
    await expect(f.result(0)).rejects.toBeInstanceOf(TimeoutError);
    await expect(f.exception(0)).rejects.toBeInstanceOf(TimeoutError);
    expect(f.state).toBe('PENDING');
    f.setResult(3);
    expect(await f.result(0)).toBe(3);
  });

  it('Infinity means no limit and leaves no timer behind', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const f = new Future<number>();
    const p = f.result(Infinity);
    expect(vi.getTimerCount()).toBe(0);
    f.setResult(4);
    expect(await p).toBe(4);
  });

  it('clears its timer when the future finishes in time', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const f = new Future<number>();
    const p = f.result(10_000);
    const q = f.exception(10_000);
    expect(vi.getTimerCount()).toBe(2);
    f.setResult(5);
    expect(vi.getTimerCount()).toBe(0);
    expect(await p).toBe(5);
    expect(await q).toBeUndefined();
  });

  it('refuses a negative, NaN or non-number timeout synchronously', () => {
    const f = new Future();
    expect(() => f.result(-1)).toThrow(RangeError);
    expect(() => f.result(Number.NaN)).toThrow(/timeout/);
    expect(() => f.exception(-5)).toThrow(RangeError);
    expect(() => f.result('10' as unknown as number)).toThrow(TypeError);
  });
});

describe('exception()', () => {
  it('resolves with the exception, or undefined when the call succeeded', async () => {
    const error = new Error('boom');
    const failed = running();
    const p = failed.exception();
    failed.setException(error);
    expect(await p).toBe(error);
    expect(await failed.exception(0)).toBe(error);

    const ok = running<number>();
    ok.setResult(1);
    expect(await ok.exception()).toBeUndefined();
  });

  it('rejects with CancelledError for a cancelled future', async () => {
    const f = new Future();
    const p = f.exception();
    f.cancel();
    await expect(p).rejects.toBeInstanceOf(CancelledError);
    await expect(f.exception()).rejects.toBeInstanceOf(CancelledError);
  });

  it('rejects with TimeoutError when the timeout passes', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const f = new Future();
    const p = outcome(f.exception(20));
    vi.advanceTimersByTime(20);
    expect(((await p) as { error: unknown }).error).toBeInstanceOf(TimeoutError);
    expect(f.state).toBe('PENDING');
    f.cancel();
  });
});

describe('await future (then)', () => {
  it('gives the result', async () => {
    const f = new Future<{ n: number }>();
    queueMicrotask(() => f.setResult({ n: 1 }));
    expect(await f).toEqual({ n: 1 });
    expect(await f).toEqual({ n: 1 });
  });

  it('throws the exception', async () => {
    const f = new Future();
    const error = new TypeError('nope');
    f.setException(error);
    await expect(
      (async () => {
        await f;
      })(),
    ).rejects.toBe(error);
  });

  it('throws CancelledError when cancelled', async () => {
    const f = new Future();
    queueMicrotask(() => f.cancel());
    let caught: unknown;
    try {
      await f;
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(CancelledError);
  });

  it('chains like a promise', async () => {
    const f = new Future<number>();
    f.setResult(2);
    expect(await f.then((n) => n * 10)).toBe(20);
    const g = new Future<number>();
    g.setException(new Error('e'));
    expect(await g.then(null, (e: Error) => e.message)).toBe('e');
    expect(await Promise.all([f, f.then((n) => n + 1)])).toEqual([2, 3]);
  });

  it('runs handlers asynchronously, never inside then() or setResult()', async () => {
    const order: string[] = [];
    const done = new Future<number>();
    done.setResult(1);
    const p1 = done.then(() => order.push('done-handler'));
    order.push('after then() on a done future');
    const pending = new Future<number>();
    const p2 = pending.then(() => order.push('pending-handler'));
    pending.setResult(2);
    order.push('after setResult()');
    await Promise.all([p1, p2]);
    expect(order).toEqual(['after then() on a done future', 'after setResult()', 'done-handler', 'pending-handler']);
  });

  it('calls a handler without a this, as a Promise does', async () => {
    const f = new Future<number>();
    f.setResult(1);
    let seen: unknown = 'not called';
    await f.then(function (this: unknown) {
      seen = this;
    });
    expect(seen).toBeUndefined();
  });

  it('runs the handlers of several then() calls in the order they were made', async () => {
    const f = new Future<number>();
    const order: number[] = [];
    const ps = [1, 2, 3].map((i) => f.then(() => order.push(i)));
    f.setResult(0);
    await Promise.all(ps);
    expect(order).toEqual([1, 2, 3]);
  });

  it('returns a Promise that adopts what the handler returns, or rejects with what it throws', async () => {
    const f = new Future<number>();
    f.setResult(2);
    const adopted = f.then((n) => Promise.resolve(n * 100));
    expect(adopted).toBeInstanceOf(Promise);
    expect(await adopted).toBe(200);
    const boom = new RangeError('handler failed');
    expect(await outcome(f.then(() => {
      throw boom;
    }))).toEqual({ ok: false, error: boom });
    const g = new Future<number>();
    g.setException(new Error('call failed'));
    expect(await outcome(g.then(undefined, () => {
      throw boom;
    }))).toEqual({ ok: false, error: boom });
  });

  it('passes the outcome through when the handler for it is missing', async () => {
    const f = new Future<number>();
    const error = new TypeError('nope');
    const noHandlers = f.then();
    const onlyRejected = f.then(undefined, () => 'unused');
    f.setException(error);
    expect(await outcome(noHandlers)).toEqual({ ok: false, error });
    expect(await onlyRejected).toBe('unused');
    const g = new Future<string>();
    const onlyOnRejected = g.then(null, () => 'unused');
    g.setResult('value');
    expect(await onlyOnRejected).toBe('value');
  });

  it('keeps the AsyncLocalStorage context of the code that awaits, not of the code that settles', async () => {
    const als = new AsyncLocalStorage<string>();
    const f = new Future<number>();
    const seen: (string | undefined)[] = [];
    const waiting = [
      als.run('await', async () => {
        await f;
        seen.push(als.getStore());
      }),
      als.run('then', () => f.then(() => seen.push(als.getStore()))),
      als.run('all', async () => {
        await Promise.all([f]);
        seen.push(als.getStore());
      }),
    ];
    als.run('settler', () => setImmediate(() => f.setResult(1)));
    await Promise.all(waiting);
    expect(seen.sort()).toEqual(['all', 'await', 'then']);
  });

  it('gives onRejected a CancelledError for a cancelled future, before and after the cancel', async () => {
    const f = new Future();
    const before = f.then(() => 'no', (e: unknown) => e);
    f.cancel();
    const after = f.then(() => 'no', (e: unknown) => e);
    expect(await before).toBeInstanceOf(CancelledError);
    expect(await after).toBeInstanceOf(CancelledError);
  });
});

describe('addDoneCallback', () => {
  it('runs callbacks synchronously at settle time, in registration order, each once', () => {
    const f = running<number>();
    const calls: string[] = [];
    f.addDoneCallback((g) => calls.push(`a:${g === f}`));
    f.addDoneCallback(() => calls.push('b'));
    f.addDoneCallback(() => calls.push('c'));
    expect(calls).toEqual([]);
    f.setResult(1);
    expect(calls).toEqual(['a:true', 'b', 'c']);
    expect(() => f.setResult(2)).toThrow(InvalidStateError);
    expect(calls).toEqual(['a:true', 'b', 'c']);
  });

  it('runs a callback at once when the future is already done', () => {
    const f = new Future();
    f.cancel();
    const seen: Future[] = [];
    f.addDoneCallback((g) => seen.push(g));
    expect(seen).toEqual([f]);
  });

  it('runs callbacks when cancelled, before cancel() returns', () => {
    const f = new Future();
    const seen: string[] = [];
    f.addDoneCallback((g) => seen.push(g.state));
    f.cancel();
    expect(seen).toEqual(['CANCELLED']);
    f.cancel();
    f.setRunningOrNotifyCancel();
    expect(seen).toEqual(['CANCELLED']);
  });

  it('runs a callback added by a callback at once', () => {
    const f = new Future<number>();
    const calls: string[] = [];
    f.addDoneCallback(() => {
      calls.push('outer');
      f.addDoneCallback(() => calls.push('inner'));
      calls.push('outer end');
    });
    f.addDoneCallback(() => calls.push('second'));
    f.setResult(1);
    expect(calls).toEqual(['outer', 'inner', 'outer end', 'second']);
  });

  it('reports a throwing callback with process.emitWarning and still runs the others', () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const f = running<number>();
    const calls: string[] = [];
    f.addDoneCallback(() => calls.push('first'));
    f.addDoneCallback(() => {
      throw new Error('callback exploded');
    });
    f.addDoneCallback(() => calls.push('third'));
    f.setResult(1);
    expect(calls).toEqual(['first', 'third']);
    expect(warn).toHaveBeenCalledTimes(1);
    const message = String(warn.mock.calls[0][0]);
    expect(message).toMatch(/done callback threw/);
    expect(message).toMatch(/callback exploded/);

    // Also when the future is already done, and for a thrown value with a throwing toString.
    f.addDoneCallback(() => {
      throw {
        toString() {
          throw new Error('no');
        },
      };
    });
    expect(warn).toHaveBeenCalledTimes(2);
    expect(String(warn.mock.calls[1][0])).toMatch(/done callback threw/);
  });

  it('delivers the warning as a process warning event', async () => {
    // Node's own listener would print the warning; this test reads it instead.
    const printers = process.listeners('warning');
    process.removeAllListeners('warning');
    try {
      const f = new Future();
      const warning = new Promise<Error>((resolve) => process.once('warning', resolve));
      f.addDoneCallback(() => {
        throw new Error('reported');
      });
      f.cancel();
      const w = await warning;
      expect(w.message).toMatch(/done callback threw.*reported/s);
    } finally {
      for (const printer of printers) process.on('warning', printer);
    }
  });

  it('refuses a non-function', () => {
    expect(() => new Future().addDoneCallback(42 as never)).toThrow(TypeError);
  });
});

describe('removeDoneCallback (internal)', () => {
  it('detaches a callback that has not run yet', () => {
    const f = new Future<number>();
    const calls: string[] = [];
    const a = (): void => void calls.push('a');
    const b = (): void => void calls.push('b');
    const c = (): void => void calls.push('c');
    expect(f.removeDoneCallback(a)).toBe(false);
    f.addDoneCallback(a);
    expect(f.removeDoneCallback(a)).toBe(true);
    expect(f.removeDoneCallback(a)).toBe(false);
    f.addDoneCallback(a);
    f.addDoneCallback(b);
    f.addDoneCallback(c);
    expect(f.removeDoneCallback(b)).toBe(true);
    expect(f.removeDoneCallback(b)).toBe(false);
    f.setResult(1);
    expect(calls).toEqual(['a', 'c']);
    expect(f.removeDoneCallback(a)).toBe(false);
  });
});

describe('unobserved failures', () => {
  it('never cause an unhandledRejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const failed = new Future();
      failed.setException(new Error('nobody looks'));
      const failedWhileWatched = new Future();
      failedWhileWatched.addDoneCallback(() => {});
      failedWhileWatched.setException(new Error('only a callback looks'));
      const cancelled = new Future();
      cancelled.cancel();
      const timedOutThenFailed = new Future();
      await expect(timedOutThenFailed.result(0)).rejects.toBeInstanceOf(TimeoutError);
      timedOutThenFailed.setException(new Error('late'));
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

describe('catch()', () => {
  it('passes a result through untouched, without calling the handler', async () => {
    const f = new Future<number>();
    const onRejected = vi.fn(() => 0);
    const p = f.catch(onRejected);
    f.setResult(5);
    expect(await p).toBe(5);
    expect(onRejected).not.toHaveBeenCalled();
  });

  it('fulfils with what the handler returns for the exception', async () => {
    const f = new Future<number>();
    const error = new RangeError('bad');
    f.setException(error);
    const seen: unknown[] = [];
    const value = await f.catch((e: unknown) => {
      seen.push(e);
      return 'recovered';
    });
    expect(value).toBe('recovered');
    expect(seen).toEqual([error]);
  });

  it('gives the handler a CancelledError for a cancelled future', async () => {
    const f = new Future<number>();
    f.cancel();
    expect(await f.catch((e: unknown) => e)).toBeInstanceOf(CancelledError);
  });

  it('runs the handler in a later microtask, as Promise#catch does, and rejects when it throws', async () => {
    const f = new Future<number>();
    f.setException(new Error('first'));
    const order: string[] = [];
    const p = f.catch(() => {
      order.push('handler');
      throw new Error('second');
    });
    order.push('sync');
    await expect(p).rejects.toThrow('second');
    expect(order).toEqual(['sync', 'handler']);
  });

  it('without a handler rejects with the exception', async () => {
    const f = new Future<number>();
    const error = new Error('x');
    f.setException(error);
    await expect(f.catch()).rejects.toBe(error);
  });
});

describe('finally()', () => {
  it('runs the callback with no arguments and passes the result through', async () => {
    const f = new Future<number>();
    const args: unknown[][] = [];
    const p = f.finally((...a: unknown[]) => {
      args.push(a);
      return 'ignored';
    });
    expect(args).toEqual([]);
    f.setResult(3);
    expect(await p).toBe(3);
    expect(args).toEqual([[]]);
  });

  it('runs the callback and passes the exception through', async () => {
    const f = new Future<number>();
    const error = new TypeError('nope');
    const fn = vi.fn();
    const p = f.finally(fn);
    f.setException(error);
    await expect(p).rejects.toBe(error);
    expect(fn).toHaveBeenCalledOnce();
  });

  it('passes a cancellation through as CancelledError', async () => {
    const f = new Future<number>();
    const fn = vi.fn();
    const p = f.finally(fn);
    f.cancel();
    await expect(p).rejects.toBeInstanceOf(CancelledError);
    expect(fn).toHaveBeenCalledOnce();
  });

  it('waits for a Promise the callback returns before settling', async () => {
    const f = new Future<number>();
    f.setResult(1);
    let release!: () => void;
    let settled = false;
    const p = f
      .finally(() => new Promise<void>((resolve) => (release = resolve)))
      .then((v) => {
        settled = true;
        return v;
      });
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    release();
    expect(await p).toBe(1);
  });

  it('rejects with what the callback throws or rejects with, instead of the outcome', async () => {
    const ok = new Future<number>();
    ok.setResult(1);
    const thrown = new Error('thrown');
    await expect(
      ok.finally(() => {
        throw thrown;
      }),
    ).rejects.toBe(thrown);
    const failed = new Future<number>();
    failed.setException(new Error('original'));
    const rejected = new Error('rejected');
    await expect(failed.finally(() => Promise.reject(rejected))).rejects.toBe(rejected);
  });

  it('without a callback settles like the future', async () => {
    const f = new Future<number>();
    f.setResult(9);
    expect(await f.finally()).toBe(9);
    expect(await f.finally(null)).toBe(9);
  });
});

describe('types', () => {
  it('catch and finally are typed as Promise#catch and Promise#finally', () => {
    const f = new Future<number>();
    f.setResult(1);
    expectTypeOf(f.catch(() => 'x')).toEqualTypeOf<Promise<number | string>>();
    expectTypeOf(f.catch()).toEqualTypeOf<Promise<number>>();
    expectTypeOf(f.finally(() => {})).toEqualTypeOf<Promise<number>>();
  });

  it('a Future is covariant in its result type, as a Promise is', async () => {
    const f = new Future<number[]>();
    const wide: Future<unknown> = f;
    const like: PromiseLike<readonly number[]> = f;
    f.setResult([1]);
    expect(await wide).toEqual([1]);
    expect(await like).toEqual([1]);
  });
});

describe('inspect', () => {
  it('shows the state and outcome', () => {
    const f = new Future<number>();
    expect(inspect(f)).toBe('Future <PENDING>');
    f.setResult(42);
    expect(inspect(f)).toBe('Future <FINISHED> { result: 42 }');
    const g = new Future();
    g.setException('oops');
    expect(inspect(g)).toBe("Future <FINISHED> { exception: 'oops' }");
    const c = new Future();
    c.cancel();
    expect(inspect(c)).toBe('Future <CANCELLED>');
  });
});

describe('timeouts past 2^31-1 ms (Node timers overflow there)', () => {
  it('result(30 days) waits 30 days, not 1 ms or 2^31 ms', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const f = running<number>();
    let error: unknown;
    f.result(THIRTY_DAYS).catch((e: unknown) => (error = e));
    await expectFiresAtThirtyDays(() => error !== undefined);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(f.state).toBe('RUNNING');
    f.setResult(1);
  });

  it('exception(30 days) waits 30 days, not 1 ms or 2^31 ms', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const f = running<number>();
    let error: unknown;
    f.exception(THIRTY_DAYS).catch((e: unknown) => (error = e));
    await expectFiresAtThirtyDays(() => error !== undefined);
    expect(error).toBeInstanceOf(TimeoutError);
    f.setResult(1);
  });
});
