import { describe, expect, it } from 'vitest';
import { spreadPercent, summarize } from './stats.js';

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
