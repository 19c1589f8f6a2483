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

/** A figure whose ± (half the interquartile range) is above this percentage is flagged as too wide to trust. */
export const WIDE_SPREAD_PERCENT = 10;

/**
 * Whether a figure's rounds disagree too much to trust it: its ± is above
 * {@link WIDE_SPREAD_PERCENT}, or its slowest round took over twice its
 * fastest (with 3 rounds, as in --quick, one bad round can move the median
 * without widening the quartiles much).
 */
export function tooWide(s: Spread): boolean {
  return spreadPercent(s) > WIDE_SPREAD_PERCENT || (s.min > 0 && s.max > 2 * s.min);
}

/** Whether any of `entries` (a case's rows) has a figure too wide to trust (see {@link tooWide}). */
export function hasWideSpread(entries: readonly { ms?: Spread }[]): boolean {
  return entries.some((e) => e.ms !== undefined && tooWide(e.ms));
}

/** The footnote that explains the "!" next to a flagged figure. */
export const WIDE_SPREAD_NOTE = `! = rounds too far apart to trust (± above ${WIDE_SPREAD_PERCENT}%, or slowest round over 2× the fastest): rerun, or run in full`;
