/**
 * Inline SVG charts for the HTML report: no scripts, no external assets, so
 * the report is one file that renders anywhere.
 */
import type { ContenderKind } from './results.js';

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const KIND_COLOR: Record<ContenderKind, string> = {
  ours: '#2563eb',
  peer: '#d97706',
  floor: '#6b7280',
  baseline: '#059669',
};

export interface Bar {
  label: string;
  kind: ContenderKind;
  /** Absent: the row is drawn as "n/a" with `note`. */
  value?: number;
  lo?: number;
  hi?: number;
  note?: string;
}

/** Horizontal bars with min–max whiskers; the value is printed at the end of each bar. Log axis when values span 20× or more. */
export function barChart(opts: { title: string; bars: Bar[]; format(v: number): string; better: 'higher' | 'lower' }): string {
  const { bars } = opts;
  const W = 820;
  const labelW = 270;
  const valueW = 110;
  const rowH = 22;
  const top = 30;
  const plotW = W - labelW - valueW;
  const H = top + bars.length * rowH + 10;
  const max = Math.max(1e-12, ...bars.map((b) => Math.max(b.value ?? 0, b.hi ?? 0)));
  // When values span 20× or more, linear bars squash all but the slowest into slivers: use a log axis from the decade below the smallest.
  const positive = bars.flatMap((b) => [b.value, b.lo].filter((v): v is number => v !== undefined && v > 0));
  const min = positive.length ? Math.min(...positive) : max;
  const log = max / min >= 20;
  const floor = 10 ** Math.floor(Math.log10(min));
  const x = (v: number): number =>
    labelW + (log ? (Math.log10(Math.max(v, floor)) - Math.log10(floor)) / (Math.log10(max) - Math.log10(floor)) : v / max) * plotW;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(opts.title)}">`,
    `<text x="0" y="16" class="ct">${esc(opts.title)}</text>`,
    `<text x="${W}" y="16" text-anchor="end" class="cn">${log ? 'log scale · ' : ''}${opts.better === 'higher' ? 'longer is better →' : '← shorter is better'}</text>`,
  ];
  bars.forEach((b, i) => {
    const y = top + i * rowH;
    out.push(`<text x="${labelW - 8}" y="${y + 15}" text-anchor="end" class="cl">${esc(b.label)}</text>`);
    if (b.value === undefined) {
      out.push(`<text x="${labelW + 4}" y="${y + 15}" class="na">n/a${b.note ? ` (${esc(b.note.slice(0, 90))})` : ''}</text>`);
      return;
    }
    const w = Math.max(1, x(b.value) - labelW);
    out.push(`<rect x="${labelW}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowH - 6}" fill="${KIND_COLOR[b.kind]}" rx="2"><title>${esc(`${b.label}: ${opts.format(b.value)}`)}</title></rect>`);
    if (b.lo !== undefined && b.hi !== undefined && b.hi > b.lo) {
      const cy = y + rowH / 2;
      out.push(`<path d="M${x(b.lo).toFixed(1)} ${cy}H${x(b.hi).toFixed(1)}M${x(b.lo).toFixed(1)} ${cy - 4}v8M${x(b.hi).toFixed(1)} ${cy - 4}v8" class="wh"/>`);
    }
    out.push(`<text x="${(x(Math.max(b.value, b.hi ?? 0)) + 6).toFixed(1)}" y="${y + 15}" class="cv">${esc(opts.format(b.value))}</text>`);
  });
  out.push('</svg>');
  return out.join('');
}

export interface Series {
  label: string;
  kind: ContenderKind;
  points: ({ x: number; y: number; lo?: number; hi?: number } | null)[];
}

const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#0891b2', '#ea580c', '#4b5563', '#be185d', '#65a30d'];

/** Log-log lines (e.g. round-trip time against payload size); floors are dashed. */
export function logLogChart(opts: { title: string; xLabel: string; yLabel: string; series: Series[]; formatX(v: number): string; formatY(v: number): string }): string {
  const W = 820;
  const H = 420;
  const left = 70;
  const right = 230;
  const top = 34;
  const bottom = 50;
  const pts = opts.series.flatMap((s) => s.points.filter((p): p is NonNullable<typeof p> => p !== null && p.y > 0));
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(opts.title)}">`,
    `<text x="0" y="16" class="ct">${esc(opts.title)}</text>`,
  ];
  if (pts.length === 0) {
    out.push(`<text x="${left}" y="${top + 40}" class="na">no data</text></svg>`);
    return out.join('');
  }
  const xs = pts.map((p) => Math.log10(p.x));
  const ys = pts.map((p) => Math.log10(p.y));
  const x0 = Math.min(...xs);
  const x1 = Math.max(...xs, x0 + 1);
  const y0 = Math.floor(Math.min(...ys));
  const y1 = Math.ceil(Math.max(...ys, y0 + 1));
  const px = (v: number): number => left + ((Math.log10(v) - x0) / (x1 - x0)) * (W - left - right);
  const py = (v: number): number => top + (1 - (Math.log10(v) - y0) / (y1 - y0)) * (H - top - bottom);
  // Grid: a line per power of ten on y, per measured size on x.
  for (let e = y0; e <= y1; e++) {
    const y = py(10 ** e);
    out.push(`<path d="M${left} ${y.toFixed(1)}H${W - right}" class="gr"/><text x="${left - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end" class="ax">${esc(opts.formatY(10 ** e))}</text>`);
  }
  const sizes = [...new Set(pts.map((p) => p.x))].sort((a, b) => a - b);
  for (const s of sizes) {
    const x = px(s);
    out.push(`<path d="M${x.toFixed(1)} ${top}V${H - bottom}" class="gr"/><text x="${x.toFixed(1)}" y="${H - bottom + 16}" text-anchor="middle" class="ax">${esc(opts.formatX(s))}</text>`);
  }
  out.push(`<text x="${(left + (W - right)) / 2}" y="${H - 10}" text-anchor="middle" class="cn">${esc(opts.xLabel)} (log scale)</text>`);
  out.push(`<text transform="translate(14 ${(top + H - bottom) / 2}) rotate(-90)" text-anchor="middle" class="cn">${esc(opts.yLabel)} (log scale)</text>`);
  opts.series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length];
    const dash = s.kind === 'floor' ? ' stroke-dasharray="5 4"' : '';
    let d = '';
    let pen = false;
    for (const p of s.points) {
      if (!p || p.y <= 0) {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${px(p.x).toFixed(1)} ${py(p.y).toFixed(1)}`;
      pen = true;
    }
    if (d) out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"${dash}/>`);
    for (const p of s.points) {
      if (!p || p.y <= 0) continue;
      out.push(`<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="3" fill="${color}"><title>${esc(`${s.label}, ${opts.formatX(p.x)}: ${opts.formatY(p.y)}`)}</title></circle>`);
    }
    const ly = top + 8 + i * 20;
    out.push(`<path d="M${W - right + 14} ${ly}h22" stroke="${color}" stroke-width="2"${dash}/><text x="${W - right + 42}" y="${ly + 4}" class="cl">${esc(s.label)}${s.points.some((p) => p) ? '' : ' (n/a)'}</text>`);
  });
  out.push('</svg>');
  return out.join('');
}
