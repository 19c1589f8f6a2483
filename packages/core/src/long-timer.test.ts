import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_TIMER_DELAY, setLongTimeout } from './long-timer.js';

const DAY = 86_400_000;

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('setLongTimeout', () => {
  it('fires a short delay like setTimeout', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const fn = vi.fn();
    setLongTimeout(fn, 10);
    vi.advanceTimersByTime(9);
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fn).toHaveBeenCalledOnce();
  });

  it('fires a 30-day delay at 30 days, not after 1 ms or 2^31 ms', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const fn = vi.fn();
    setLongTimeout(fn, 30 * DAY);
    vi.advanceTimersByTime(1);
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(2 ** 31 - 1);
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(30 * DAY - 2 ** 31 - 1);
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fn).toHaveBeenCalledOnce();
    vi.advanceTimersByTime(365 * DAY);
    expect(fn).toHaveBeenCalledOnce();
  });

  it('fires exactly at a delay of 2^31-1 ms and at one just past it', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const atMax = vi.fn();
    const pastMax = vi.fn();
    setLongTimeout(atMax, MAX_TIMER_DELAY);
    setLongTimeout(pastMax, MAX_TIMER_DELAY + 1);
    vi.advanceTimersByTime(MAX_TIMER_DELAY);
    expect(atMax).toHaveBeenCalledOnce();
    expect(pastMax).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(pastMax).toHaveBeenCalledOnce();
  });

  it('Infinity never fires and holds no timer', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const fn = vi.fn();
    const timer = setLongTimeout(fn, Infinity);
    expect(vi.getTimerCount()).toBe(0);
    expect(timer.hasRef()).toBe(false);
    vi.advanceTimersByTime(1000 * DAY);
    expect(fn).not.toHaveBeenCalled();
    timer.clear();
  });

  it('clear() stops it, also between steps of a long delay', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const short = vi.fn();
    const long = vi.fn();
    setLongTimeout(short, 5).clear();
    const timer = setLongTimeout(long, 60 * DAY);
    vi.advanceTimersByTime(40 * DAY);
    timer.clear();
    timer.clear();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(100 * DAY);
    expect(short).not.toHaveBeenCalled();
    expect(long).not.toHaveBeenCalled();
  });

  it('unref() carries over to every later step; ref() restores it', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const handles: NodeJS.Timeout[] = [];
    const realSetTimeout = globalThis.setTimeout;
    vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: () => void, ms: number) => {
      const handle = realSetTimeout(fn, ms);
      handles.push(handle);
      return handle;
    }) as typeof setTimeout);
    const timer = setLongTimeout(() => {}, 60 * DAY);
    expect(timer.hasRef()).toBe(true);
    expect(handles[0].hasRef()).toBe(true);
    timer.unref();
    expect(timer.hasRef()).toBe(false);
    expect(handles[0].hasRef()).toBe(false);
    vi.advanceTimersByTime(MAX_TIMER_DELAY);
    expect(handles).toHaveLength(2);
    expect(handles[1].hasRef()).toBe(false);
    timer.ref();
    expect(handles[1].hasRef()).toBe(true);
    vi.advanceTimersByTime(MAX_TIMER_DELAY);
    expect(handles[2].hasRef()).toBe(true);
    timer.clear();
    expect(timer.hasRef()).toBe(false);
  });

  it('refuses a negative or NaN delay with a RangeError', () => {
    expect(() => setLongTimeout(() => {}, -1)).toThrow(RangeError);
    expect(() => setLongTimeout(() => {}, Number.NaN)).toThrow(/delay/);
  });
});
