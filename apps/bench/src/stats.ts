import type { Spread } from './results.js';

/** Linear-interpolated quantile of sorted numbers (q in [0, 1]). */
function quantile(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Median, extremes and quartiles of a non-empty sample. */
export function summarize(samples: readonly number[]): Spread {
  if (samples.length === 0) throw new RangeError('summarize: no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    median: quantile(sorted, 0.5),
    min: sorted[0],
    max: sorted[sorted.length - 1],
    q1: quantile(sorted, 0.25),
    q3: quantile(sorted, 0.75),
    n: sorted.length,
  };
}

/**
 * Half the interquartile range relative to the median, in percent: the "±"
 * shown next to a figure. Quartiles rather than extremes, because one round
 * that met a GC pause on a 2-core machine should not make a figure look vague.
 */
export function spreadPercent(s: Spread): number {
  return s.median > 0 ? ((s.q3 - s.q1) / 2 / s.median) * 100 : 0;
}
