import type { CaseResult, Entry, Spread } from './results.js';
import { WIDE_SPREAD_NOTE, hasWideSpread, spreadPercent, tooWide } from './stats.js';

/** A duration in milliseconds, in the unit that keeps 3 significant digits readable. */
export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  if (ms >= 1) return `${ms.toFixed(2)} ms`;
  return fmtUs(ms * 1000);
}

export function fmtUs(us: number): string {
  if (us >= 1000) return fmtMs(us / 1000);
  if (us >= 100) return `${us.toFixed(0)} µs`;
  if (us >= 10) return `${us.toFixed(1)} µs`;
  if (us >= 1) return `${us.toFixed(2)} µs`;
  return `${(us * 1000).toFixed(0)} ns`;
}

export function fmtRate(perSec: number, unit = '/s'): string {
  if (!Number.isFinite(perSec)) return '∞';
  if (perSec >= 1e6) return `${(perSec / 1e6).toFixed(2)} M${unit}`;
  if (perSec >= 1e3) return `${(perSec / 1e3).toFixed(1)} k${unit}`;
  return `${perSec.toFixed(perSec >= 100 ? 0 : 1)}${unit}`;
}

export function fmtBytes(n: number): string {
  if (n >= 1 << 20) return `${+(n / (1 << 20)).toFixed(1)} MB`;
  if (n >= 1024) return `${+(n / 1024).toFixed(1)} KB`;
  return `${n} B`;
}

export function fmtCount(n: number): string {
  return n.toLocaleString('en-US');
}

export function fmtRatio(r: number): string {
  if (r > 0 && r < 0.01) return '<0.01×';
  return r >= 100 ? `${r.toFixed(0)}×` : r >= 10 ? `${r.toFixed(1)}×` : `${r.toFixed(2)}×`;
}

export function fmtSpread(s: Spread): string {
  return `±${spreadPercent(s).toFixed(spreadPercent(s) < 10 ? 1 : 0)}%`;
}

/** A median, with "!" when its rounds are too far apart to trust (see {@link WIDE_SPREAD_NOTE}). */
export function fmtMedian(s: Spread, fmt: (ms: number) => string = fmtMs): string {
  return `${fmt(s.median)}${tooWide(s) ? ' !' : ''}`;
}

/**
 * Columns padded to the widest cell; numbers right-aligned. A row shorter
 * than the header (an "n/a (reason)" row) lets its last cell run on, so it
 * does not widen the columns under it.
 */
export function table(header: string[], rows: string[][], rightAlign: boolean[] = []): string {
  const counts = (r: string[], i: number): boolean => r.length >= header.length || i < r.length - 1;
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (counts(r, i) ? (r[i] ?? '').length : 0))));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => {
        if (i === cells.length - 1 && cells.length < header.length) return c;
        return rightAlign[i] ? (c ?? '').padStart(widths[i]) : (c ?? '').padEnd(widths[i]);
      })
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function naCell(e: Entry): string {
  return `n/a (${e.reason ?? 'no figure'})`;
}

/** A case as an aligned table: median time of one run, spread, per-op time, rate, ratio to the fastest. */
export function caseTable(c: CaseResult, extraColumns: { header: string; cell(e: Entry): string }[] = []): string {
  const header = ['', 'median', 'spread', `per ${c.opName}`, `${c.opName}s/s`, 'vs fastest', ...extraColumns.map((x) => x.header)];
  const rows = c.entries.map((e) => {
    if (!e.ms) return [e.label, naCell(e)];
    return [
      e.label,
      fmtMedian(e.ms),
      fmtSpread(e.ms),
      fmtUs(e.perOpUs!),
      fmtRate(e.opsPerSec!, ''),
      e.ratio !== undefined ? fmtRatio(e.ratio) : '',
      ...extraColumns.map((x) => x.cell(e)),
      ...(e.reason || e.note ? [[e.reason, e.note].filter(Boolean).map((t) => `(${t})`).join(' ')] : []),
    ];
  });
  const extra = c.extraRounds ? `, +${c.extraRounds} for samples under ${c.fastSampleMs} ms` : '';
  const title = `${c.title}  [${c.id}; ${c.rounds} round${c.rounds === 1 ? '' : 's'}${extra}]`;
  const notes = [c.note, hasWideSpread(c.entries) ? WIDE_SPREAD_NOTE : undefined].filter(Boolean).map((n) => `  ${n}`);
  return [`${title}\n${table(header, rows, [false, true, true, true, true, true, ...extraColumns.map(() => true)])}`, ...notes].join('\n');
}
