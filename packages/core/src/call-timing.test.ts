import { describe, expect, it } from 'vitest';
import { CallTiming, LONG_CALL_MEMORY, LONG_CALL_MS, RECENT_MS } from './call-timing.js';
import { SHORT_CALL_MS } from './protocol.js';

describe('CallTiming', () => {
  it('judges short per function, from the latest results, and only recently', () => {
    const timing = new CallTiming();
    expect(timing.isShort(1, 0)).toBe(false);
    timing.record([1, SHORT_CALL_MS / 10, 2, 50], 0);
    expect(timing.isShort(1, 10)).toBe(true);
    expect(timing.isShort(2, 10)).toBe(false);
    expect(timing.isShort(1, RECENT_MS + 1)).toBe(false);
    timing.record([1, 200], 20);
    expect(timing.isShort(1, 30)).toBe(false);
  });

  it('does not judge a function short by its latest calls while one of its calls ran long lately', () => {
    const timing = new CallTiming();
    // A parse of a huge file (500 ms), then of tiny ones.
    timing.note(1, 500, 1000);
    timing.note(1, 0.01, 1001);
    expect(timing.isShort(1, 1002)).toBe(false);
    expect(timing.isShort(1, 1000 + Math.min(RECENT_MS, LONG_CALL_MEMORY * 500) - 1)).toBe(false);
    timing.note(1, 0.01, RECENT_MS + 2000);
    expect(timing.isShort(1, RECENT_MS + 2001)).toBe(true);
    // A call of LONG_CALL_MS is remembered for LONG_CALL_MEMORY times as long; one just under it is not remembered.
    timing.note(2, LONG_CALL_MS, 0);
    timing.note(2, 0.01, 1);
    expect(timing.isShort(2, 2)).toBe(false);
    expect(timing.isShort(2, LONG_CALL_MEMORY * LONG_CALL_MS)).toBe(true);
    timing.note(3, LONG_CALL_MS - 1, 0);
    expect(timing.isShort(3, 1)).toBe(false);
    timing.note(3, 0.01, 1);
    expect(timing.isShort(3, 2)).toBe(true);
  });
});
