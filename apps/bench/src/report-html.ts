import { FIDELITY_LEGEND, compactFidelity } from './codec-fidelity.js';
import { fmtBytes, fmtMedian, fmtMs, fmtRate, fmtRatio, fmtSpread, fmtUs } from './format.js';
import { WIDE_SPREAD_NOTE, hasWideSpread } from './stats.js';
import type { BenchResults, CaseResult, CodecsSection, Entry, ScalingSection } from './results.js';
import { barChart, esc, logLogChart, type Bar } from './svg.js';

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:900px;color:#111;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{margin-top:2.5rem;border-bottom:2px solid #e5e7eb;padding-bottom:.2rem}h3{margin:1.6rem 0 .4rem;font-size:1.02rem}
table{border-collapse:collapse;margin:.4rem 0 1rem;font-size:12.5px}th,td{padding:3px 8px;border-bottom:1px solid #e5e7eb;text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left}td.na{color:#6b7280;font-style:italic;text-align:left;white-space:normal}
table.fidelity td{white-space:normal;max-width:11rem}.kept{color:#047857}.lost{color:#b91c1c}.throws{color:#92400e}.meta td{text-align:left}.small{color:#4b5563;font-size:12.5px}
.legend span{display:inline-block;margin-right:1rem}.legend i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-1px;border-radius:2px}
svg{display:block;margin:.3rem 0 1rem;max-width:100%;height:auto}
svg .ct{font-weight:600;font-size:13px}svg .cl{font-size:12px}svg .cv{font-size:11.5px;fill:#111}svg .cn{font-size:11px;fill:#6b7280}
svg .na{font-size:11.5px;fill:#9ca3af;font-style:italic}svg .wh{stroke:#111;stroke-width:1;fill:none}svg .gr{stroke:#e5e7eb;stroke-width:1}svg .ax{font-size:11px;fill:#4b5563}
ul.ratios li{margin:.15rem 0;font-family:ui-monospace,monospace;font-size:12.5px}
`;

const LEGEND = `<p class="legend small"><span><i style="background:#2563eb"></i>ours</span><span><i style="background:#d97706"></i>peers</span><span><i style="background:#6b7280"></i>bare medium (floor)</span><span><i style="background:#059669"></i>no-pool baseline</span> Whiskers: min–max over rounds.</p>`;

function bars(c: CaseResult, value: (e: Entry) => number | undefined, lo: (e: Entry) => number | undefined, hi: (e: Entry) => number | undefined): Bar[] {
  return c.entries.map((e) => ({
    label: e.label,
    kind: e.kind,
    value: e.ms ? value(e) : undefined,
    lo: e.ms ? lo(e) : undefined,
    hi: e.ms ? hi(e) : undefined,
    note: e.reason,
  }));
}

/** Throughput bars (ops/s, whiskers from the fastest and slowest round). */
function rateChart(c: CaseResult): string {
  const rate = (ms: number): number => c.ops / (ms / 1000);
  return barChart({
    title: `${c.title}: ${c.opName}s per second`,
    bars: bars(c, (e) => e.opsPerSec, (e) => rate(e.ms!.max), (e) => rate(e.ms!.min)),
    format: (v) => fmtRate(v, '/s'),
    better: 'higher',
  });
}

/** Time bars (one run of the workload). */
function timeChart(c: CaseResult, title: string): string {
  return barChart({ title, bars: bars(c, (e) => e.ms!.median, (e) => e.ms!.min, (e) => e.ms!.max), format: fmtMs, better: 'lower' });
}

function caseTable(c: CaseResult, extra?: { header: string; cell(e: Entry): string }): string {
  const head = `<tr><th></th><th>median</th><th>spread</th><th>per ${esc(c.opName)}</th><th>${esc(c.opName)}s/s</th><th>vs fastest</th>${extra ? `<th>${esc(extra.header)}</th>` : ''}</tr>`;
  const rows = c.entries.map((e) => {
    if (!e.ms) return `<tr><td>${esc(e.label)}</td><td class="na" colspan="${extra ? 6 : 5}">n/a (${esc(e.reason ?? 'no figure')})</td></tr>`;
    const label = e.note ? `${esc(e.label)}<br><span class="small">${esc(e.note)}</span>` : esc(e.label);
    return `<tr><td>${label}</td><td>${esc(fmtMedian(e.ms))}</td><td>${fmtSpread(e.ms)}</td><td>${fmtUs(e.perOpUs!)}</td><td>${fmtRate(e.opsPerSec!, '')}</td><td>${e.ratio ? fmtRatio(e.ratio) : ''}</td>${extra ? `<td>${esc(extra.cell(e))}</td>` : ''}</tr>`;
  });
  const notes = [c.note, hasWideSpread(c.entries) ? WIDE_SPREAD_NOTE : undefined].filter((n): n is string => n !== undefined);
  return `<table>${head}${rows.join('')}</table>${notes.map((n) => `<p class="small">${esc(n)}</p>`).join('')}<p class="small">${esc(c.id)} · ${c.rounds} interleaved round${c.rounds === 1 ? '' : 's'}${c.extraRounds ? ` (+${c.extraRounds} for rows whose samples are under ${c.fastSampleMs} ms)` : ''} after a warm-up · spread = ± half the interquartile range; chart whiskers show min–max</p>`;
}

/** The codecs our transports use (thread, process, socket), drawn in "ours" blue; the others in grey. */
const OUR_CODECS = new Set(['structured-clone', 'v8', 'msgpackr-structured']);

function codecsHtml(c: CodecsSection): string {
  const parts = [
    '<h2>Codecs</h2><p>Encode + decode time per value and encoded size. Structured clone runs in memory, so only its round trip is timed. Blue: the codecs our thread, process and socket pools use; grey: the others.</p>',
  ];
  parts.push(`<ul class="small">${c.codecs.map((k) => `<li><b>${esc(k.label)}</b>: ${esc(k.note)}</li>`).join('')}</ul>`);
  for (const p of c.payloads) {
    const rows = c.timings.filter((t) => t.payload === p.id);
    const label = (id: string): string => c.codecs.find((k) => k.id === id)?.label ?? id;
    parts.push(`<h3>${esc(p.label)}</h3>`);
    parts.push(
      barChart({
        title: `${p.label}: encode + decode per value`,
        bars: rows.map((t) => ({
          label: `${label(t.codec)}${t.faithful === false ? ' (lossy)' : ''}`,
          kind: OUR_CODECS.has(t.codec) ? 'ours' : 'floor',
          value: t.roundTripUs?.median,
          lo: t.roundTripUs?.min,
          hi: t.roundTripUs?.max,
          note: t.reason,
        })),
        format: fmtUs,
        better: 'lower',
      }),
    );
    parts.push(
      `<table><tr><th></th><th>encode</th><th>decode</th><th>enc+dec</th><th>size</th><th>round trip</th></tr>${rows
        .map((t) =>
          t.roundTripUs
            ? `<tr><td>${esc(label(t.codec))}</td><td>${t.encodeUs ? fmtUs(t.encodeUs.median) : '—'}</td><td>${t.decodeUs ? fmtUs(t.decodeUs.median) : '—'}</td><td>${fmtUs(t.roundTripUs.median)}</td><td>${t.bytes !== undefined ? fmtBytes(t.bytes) : '—'}</td><td class="${t.faithful ? 'kept' : 'lost'}" style="text-align:left">${t.faithful ? 'exact' : `lossy: ${esc(t.lossNote ?? '')}`}</td></tr>`
            : `<tr><td>${esc(label(t.codec))}</td><td class="na" colspan="5">n/a (${esc(t.reason ?? '')})</td></tr>`,
        )
        .join('')}</table>`,
    );
  }
  parts.push('<h3>Types each codec keeps or loses</h3>');
  const { rows: fid, notes } = compactFidelity(c.fidelity, c.codecs.map((k) => k.id));
  parts.push(`<p class="small">${esc(FIDELITY_LEGEND)}</p>`);
  parts.push(
    `<table class="fidelity"><tr><th>type</th>${c.codecs.map((k) => `<th style="text-align:left">${esc(k.label)}</th>`).join('')}</tr>${fid
      .map(
        (r) =>
          `<tr><td>${esc(r.type)}</td>${r.cells.map((x) => `<td class="${x.kind}" style="text-align:left" title="${esc(x.full)}">${esc(x.short)}</td>`).join('')}</tr>`,
      )
      .join('')}</table>`,
  );
  if (notes.length) parts.push(`<ol class="small">${notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ol>`);
  return parts.join('\n');
}

function scalingHtml(s: ScalingSection): string {
  const parts = ['<h2>Scaling</h2><h3>Round-trip time by payload size (1 worker)</h3>'];
  parts.push(
    logLogChart({
      title: 'echo round trip: time against payload size',
      xLabel: 'payload',
      yLabel: 'time per round trip',
      series: s.payload.series.map((x) => ({
        label: x.label,
        kind: x.kind,
        points: x.points.map((p, i) => (p ? { x: s.payload.sizes[i], y: p.median, lo: p.min, hi: p.max } : null)),
      })),
      formatX: fmtBytes,
      formatY: fmtMs,
    }),
  );
  parts.push(
    `<table><tr><th></th>${s.payload.sizes.map((b) => `<th>${fmtBytes(b)}</th>`).join('')}</tr>${s.payload.series
      .map((x) =>
        x.points.some((p) => p)
          ? `<tr><td>${esc(x.label)}</td>${x.points.map((p) => `<td>${p ? fmtMs(p.median) : 'n/a'}</td>`).join('')}</tr>`
          : `<tr><td>${esc(x.label)}</td><td class="na" colspan="${s.payload.sizes.length}">n/a (${esc(x.reason ?? '')})</td></tr>`,
      )
      .join('')}</table>`,
  );
  const keys = Object.keys(s.workers.rows[0]?.burstOpsPerSec ?? {});
  parts.push('<h3>1 vs 2 workers</h3>');
  const wb: Bar[] = s.workers.rows.flatMap((r) => keys.map((k) => ({ label: `${r.label} ×${k.slice(1)}`, kind: 'ours' as const, value: r.burstOpsPerSec[k] ?? undefined, note: 'not measured' })));
  parts.push(barChart({ title: 'burst of tiny calls: calls per second', bars: wb, format: (v) => fmtRate(v, '/s'), better: 'higher' }));
  const wf: Bar[] = s.workers.rows.flatMap((r) => keys.map((k) => ({ label: `${r.label} ×${k.slice(1)}`, kind: 'ours' as const, value: r.fibMs[k] ?? undefined, note: 'not measured' })));
  parts.push(barChart({ title: 'CPU-bound fib: time for the whole batch', bars: wf, format: fmtMs, better: 'lower' }));
  return parts.join('\n');
}

/** The whole run as one self-contained HTML page (inline CSS and SVG only). */
export function reportHtml(r: BenchResults): string {
  const m = r.meta;
  const parts: string[] = [
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>futures bench ${esc(m.date)}</title><style>${CSS}</style></head><body>`,
    `<h1>futures bench: where the time goes</h1>`,
    `<table class="meta"><tr><td>date</td><td>${esc(m.date)}</td></tr><tr><td>command</td><td><code>${esc(m.command)}</code> (${esc(m.mode)})</td></tr><tr><td>machine</td><td>${m.cpus} × ${esc(m.cpuModel)}, ${m.totalMemoryMB} MB, ${esc(m.platform)}</td></tr><tr><td>node</td><td>${esc(m.node)}</td></tr><tr><td>versions</td><td>${esc(Object.entries(m.versions).map(([k, v]) => `${k} ${v}`).join(', '))}</td></tr><tr><td>duration</td><td>${fmtMs(m.durationMs)}</td></tr></table>`,
    LEGEND,
  ];
  const na = Object.entries(m.unavailable);
  if (na.length) parts.push(`<p class="small"><b>Unavailable</b> (rows marked n/a): ${na.map(([k, v]) => `${esc(k)}: ${esc(v)}`).join('; ')}</p>`);
  if (r.ratios.length) {
    parts.push(`<h2>Ratios</h2><p class="small">Time ÷ time: below 1 means the first is faster.</p><ul class="ratios">${r.ratios.map((l) => `<li>${esc(l.text)}</li>`).join('')}</ul>`);
  }
  if (r.transports) {
    parts.push('<h2>Transports</h2><p>Our executors with one worker next to the bare medium they use, so the executor\'s own overhead is the gap.</p>');
    for (const c of r.transports.cases) {
      parts.push(`<h3>${esc(c.title)}</h3>`);
      parts.push(c.id === 'transports.rtt' ? barChart({ title: 'time per call (latency)', bars: bars(c, (e) => e.perOpUs, (e) => (e.ms!.min * 1000) / c.ops, (e) => (e.ms!.max * 1000) / c.ops), format: fmtUs, better: 'lower' }) : rateChart(c));
      parts.push(caseTable(c));
    }
  }
  if (r.peers) {
    parts.push('<h2>Peers</h2><p>The same workloads on piscina, tinypool, workerpool and Python\'s concurrent.futures, interleaved round by round with ours.</p>');
    for (const c of r.peers.cases) {
      parts.push(`<h3>${esc(c.title)}</h3>`);
      if (c.id === 'peers.fib') parts.push(timeChart(c, 'time for the whole batch (baselines: no pool, one thread)'));
      else if (c.id === 'peers.payload16') parts.push(timeChart(c, 'time per round trip'));
      else parts.push(rateChart(c));
      parts.push(caseTable(c, c.id === 'peers.fib' ? { header: 'vs ideal', cell: (e) => (e.extra?.xIdeal ? fmtRatio(e.extra.xIdeal) : '') } : undefined));
    }
  }
  if (r.scaling) parts.push(scalingHtml(r.scaling));
  if (r.workload) {
    parts.push(
      "<h2>Workload</h2><p>map with its default options next to hand-tuned chunk sizes, on tiny items and on a real, skewed workload: parsing this repo's node_modules with acorn, where the peers (one task per file) and a single thread do the same.</p>",
    );
    for (const c of r.workload.cases) {
      parts.push(`<h3>${esc(c.title)}</h3>`);
      parts.push(c.id === 'map.parse' ? timeChart(c, 'time for all files') : rateChart(c));
      parts.push(caseTable(c));
    }
  }
  if (r.codecs) parts.push(codecsHtml(r.codecs));
  if (m.warnings.length) parts.push(`<h2>Warnings</h2><ul>${m.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>`);
  parts.push('</body></html>');
  return parts.join('\n');
}
