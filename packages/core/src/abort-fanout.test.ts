import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AbortFanout } from './abort-fanout.js';

afterEach(() => {
  vi.restoreAllMocks();
});

function listeners(signal: AbortSignal): number {
  return getEventListeners(signal, 'abort').length;
}

describe('AbortFanout', () => {
  it('adds one listener for 100 callbacks on one signal and calls them all on abort', () => {
    const warn = vi.spyOn(process, 'emitWarning');
    const fanout = new AbortFanout();
    const ac = new AbortController();
    const calls: number[] = [];
    for (let i = 0; i < 100; i++) fanout.add(ac.signal, () => calls.push(i));
    expect(listeners(ac.signal)).toBe(1);
    expect(fanout.size(ac.signal)).toBe(100);
    ac.abort();
    expect(calls).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(listeners(ac.signal)).toBe(0);
    expect(fanout.size(ac.signal)).toBe(0);
    expect(warn).not.toHaveBeenCalled();
  });

  it('removes the listener with the last callback, and a removed callback is not called', () => {
    const fanout = new AbortFanout();
    const ac = new AbortController();
    const a = vi.fn();
    const b = vi.fn();
    fanout.add(ac.signal, a);
    fanout.add(ac.signal, b);
    expect(fanout.delete(ac.signal, a)).toBe(true);
    expect(fanout.delete(ac.signal, a)).toBe(false);
    expect(listeners(ac.signal)).toBe(1);
    expect(fanout.delete(ac.signal, b)).toBe(true);
    expect(listeners(ac.signal)).toBe(0);
    fanout.add(ac.signal, b);
    expect(listeners(ac.signal)).toBe(1);
    ac.abort();
    expect(a).not.toHaveBeenCalled();
    expect(b).toHaveBeenCalledOnce();
  });

  it('keeps signals apart, and each owner has its own listener', () => {
    const one = new AbortFanout();
    const two = new AbortFanout();
    const x = new AbortController();
    const y = new AbortController();
    const onX = vi.fn();
    const onY = vi.fn();
    const onXTwo = vi.fn();
    one.add(x.signal, onX);
    one.add(y.signal, onY);
    two.add(x.signal, onXTwo);
    expect(listeners(x.signal)).toBe(2);
    x.abort();
    expect(onX).toHaveBeenCalledOnce();
    expect(onXTwo).toHaveBeenCalledOnce();
    expect(onY).not.toHaveBeenCalled();
    expect(one.delete(y.signal, onY)).toBe(true);
    expect(listeners(y.signal)).toBe(0);
  });

  it('registers a callback once however often it is added', () => {
    const fanout = new AbortFanout();
    const ac = new AbortController();
    const fn = vi.fn();
    fanout.add(ac.signal, fn);
    fanout.add(ac.signal, fn);
    ac.abort();
    expect(fn).toHaveBeenCalledOnce();
  });

  it('a throwing callback does not stop the others; the first error is rethrown to the event target', () => {
    const fanout = new AbortFanout();
    const ac = new AbortController();
    const after = vi.fn();
    const boom = new Error('boom');
    fanout.add(ac.signal, () => {
      throw boom;
    });
    fanout.add(ac.signal, () => {
      throw new Error('second');
    });
    fanout.add(ac.signal, after);
    // Called directly: dispatched by abort(), the throw would become an
    // uncaught exception (as for any EventTarget listener).
    const [listener] = getEventListeners(ac.signal, 'abort') as (() => void)[];
    expect(() => listener()).toThrow(boom);
    expect(after).toHaveBeenCalledOnce();
    expect(fanout.size(ac.signal)).toBe(0);
  });
});
