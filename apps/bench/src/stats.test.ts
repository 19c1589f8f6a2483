import { describe, expect, it } from 'vitest';
import { spreadPercent, summarize, tooWide } from './stats.js';

describe('summarize', () => {
  it('gives median, quartiles and extremes whatever the order', () => {
    expect(summarize([5, 1, 4, 2, 3])).toEqual({ median: 3, min: 1, max: 5, q1: 2, q3: 4, n: 5 });
  });

  it('interpolates the median of an even count', () => {
    expect(summarize([10, 20]).median).toBe(15);
  });

  it('refuses an empty sample', () => {
    expect(() => summarize([])).toThrow(RangeError);
  });

  it('reports the spread as ± half the interquartile range', () => {
    const s = summarize([9, 10, 11]);
    // q1 = 9.5, q3 = 10.5: ±0.5 on 10
    expect(spreadPercent(s)).toBeCloseTo(5);
    // One outlier moves the extremes, not the quartiles much.
    expect(spreadPercent(summarize([10, 10, 10, 10, 40]))).toBe(0);
  });
});

describe('tooWide', () => {
  it('flags a figure whose rounds disagree: a wide ± or a slowest round over twice the fastest', () => {
    expect(tooWide(summarize([10, 10.2, 10.4]))).toBe(false);
    expect(tooWide(summarize([8, 10, 13]))).toBe(true);
    // Quick mode's bare postMessage: one round of 136 µs among rounds of 14.5 µs.
    expect(tooWide(summarize([14.5, 14.5, 14.6, 14.5, 136]))).toBe(true);
  });
});
