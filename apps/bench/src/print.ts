import { FIDELITY_LEGEND, compactFidelity } from './codec-fidelity.js';
import { caseTable, fmtBytes, fmtMedian, fmtMs, fmtRate, fmtRatio, fmtUs, table } from './format.js';
import { WIDE_SPREAD_NOTE, tooWide } from './stats.js';
import type { BenchResults, CodecsSection, ScalingSection } from './results.js';

function heading(text: string): string {
  return `\n${text}\n${'═'.repeat(text.length)}\n`;
}

function codecsText(c: CodecsSection): string {
  const parts: string[] = [heading('Codecs: encode + decode per value, encoded size')];
  for (const p of c.payloads) {
    const rows = c.timings.filter((t) => t.payload === p.id);
    const best = Math.min(...rows.filter((t) => t.roundTripUs).map((t) => t.roundTripUs!.median));
    const body = rows.map((t) => {
      const label = c.codecs.find((x) => x.id === t.codec)?.label ?? t.codec;
      if (!t.roundTripUs) return [label, `n/a (${t.reason ?? 'no figure'})`];
      return [
        label,
        t.encodeUs ? fmtUs(t.encodeUs.median) : '—',
        t.decodeUs ? fmtUs(t.decodeUs.median) : '—',
        fmtUs(t.roundTripUs.median),
        t.bytes !== undefined ? fmtBytes(t.bytes) : '—',
        fmtRatio(t.roundTripUs.median / best),
        t.faithful ? 'exact' : `LOSSY ${t.lossNote ?? ''}`,
      ];
    });
    parts.push(`${p.label}\n${table(['', 'encode', 'decode', 'enc+dec', 'size', 'vs fastest', 'round trip'], body, [false, true, true, true, true, true, false])}\n`);
  }
  const { rows, notes } = compactFidelity(c.fidelity, c.codecs.map((k) => k.id));
  const fid = table(['type', ...c.codecs.map((k) => k.label)], rows.map((r) => [r.type, ...r.cells.map((x) => x.short)]));
  const noteLines = notes.map((n, i) => `  [${i + 1}] ${n}`);
  parts.push(`Types each codec keeps or loses (${FIDELITY_LEGEND})\n${fid}\n${noteLines.join('\n')}\n`);
  return parts.join('\n');
}

function scalingText(s: ScalingSection): string {
  const parts: string[] = [heading('Scaling: round-trip time by payload size (1 worker)')];
  const rows = s.payload.series.map((x) => [x.label, ...x.points.map((p) => (p ? fmtMedian(p) : 'n/a'))]);
  parts.push(table(['', ...s.payload.sizes.map(fmtBytes)], rows, [false, ...s.payload.sizes.map(() => true)]));
  if (s.payload.series.some((x) => x.points.some((p) => p && tooWide(p)))) parts.push(`  ${WIDE_SPREAD_NOTE}`);
  const na = s.payload.series.filter((x) => x.reason);
  if (na.length) parts.push(na.map((x) => `  ${x.label}: n/a (${x.reason})`).join('\n'));
  const keys = Object.keys(s.workers.rows[0]?.burstOpsPerSec ?? {});
  parts.push('\nScaling: 1 vs 2 workers (burst throughput, fib time)');
  parts.push(
    table(
      ['', ...keys.map((k) => `burst ${k}`), 'speed-up', ...keys.map((k) => `fib ${k}`), 'speed-up'],
      s.workers.rows.map((r) => {
        const b = keys.map((k) => r.burstOpsPerSec[k]);
        const f = keys.map((k) => r.fibMs[k]);
        return [
          r.label,
          ...b.map((v) => (v == null ? 'n/a' : fmtRate(v, ' calls/s'))),
          b[0] && b[1] ? fmtRatio(b[1] / b[0]) : '',
          ...f.map((v) => (v == null ? 'n/a' : fmtMs(v))),
          f[0] && f[1] ? fmtRatio(f[0] / f[1]) : '',
        ];
      }),
      [false, true, true, true, true, true, true],
    ),
  );
  return parts.join('\n') + '\n';
}

/** The whole run as text tables for the terminal. */
export function resultsText(r: BenchResults): string {
  const parts: string[] = [];
  if (r.codecs) parts.push(codecsText(r.codecs));
  if (r.transports) {
    parts.push(heading('Transports: executor overhead against the bare medium'));
    for (const c of r.transports.cases) parts.push(caseTable(c) + '\n');
  }
  if (r.peers) {
    parts.push(heading('Peers: the same workloads on the pools people would pick instead'));
    for (const c of r.peers.cases) {
      const extra =
        c.id === 'peers.fib'
          ? [{ header: 'vs ideal', cell: (e: { extra?: Record<string, number> }) => (e.extra?.xIdeal ? fmtRatio(e.extra.xIdeal) : '') }]
          : [];
      parts.push(caseTable(c, extra) + '\n');
    }
  }
  if (r.scaling) parts.push(scalingText(r.scaling));
  if (r.workload) {
    parts.push(heading('Workload: map without tuning, and a real parse'));
    for (const c of r.workload.cases) parts.push(caseTable(c) + '\n');
  }
  if (r.ratios.length) {
    parts.push(heading('Ratios (time ÷ time: below 1 means the first is faster)'));
    parts.push(r.ratios.map((l) => `  ${l.text}`).join('\n') + '\n');
  }
  const na = Object.entries(r.meta.unavailable);
  if (na.length) parts.push(`Unavailable (their rows are n/a):\n${na.map(([k, v]) => `  ${k}: ${v}`).join('\n')}\n`);
  if (r.meta.warnings.length) parts.push(`Warnings:\n${r.meta.warnings.map((w) => `  ${w}`).join('\n')}\n`);
  return parts.join('\n');
}
