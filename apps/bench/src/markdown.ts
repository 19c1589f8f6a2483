import { fmtBytes, fmtCount, fmtMs, fmtRate, fmtRatio, fmtUs } from './format.js';
import type { BenchResults, CaseResult, Entry } from './results.js';
import { WIDE_SPREAD_NOTE, hasWideSpread, tooWide } from './stats.js';

export const START = '<!-- bench:start -->';
export const END = '<!-- bench:end -->';

/** `readme` with the text between the markers replaced, or undefined when the markers are missing. */
export function replaceBetweenMarkers(readme: string, body: string): string | undefined {
  const a = readme.indexOf(START);
  if (a < 0) return undefined;
  const b = readme.indexOf(END, a + START.length);
  if (b < 0) return undefined;
  return `${readme.slice(0, a + START.length)}\n${body.trimEnd()}\n${readme.slice(b)}`;
}

/** ` !` after a figure whose rounds disagree too much to trust (see {@link WIDE_SPREAD_NOTE}). */
function flag(e: Entry): string {
  return e.ms && tooWide(e.ms) ? ' !' : '';
}

function cell(c: CaseResult | undefined, id: string, show: (e: Entry) => string): string {
  const e = c?.entries.find((x) => x.id === id);
  if (!e) return '—';
  return e.ms ? show(e) + flag(e) : 'n/a';
}

/** The README's results block: the peers workloads as one table, the transport round trips, and the ratio lines. */
export function resultsMarkdown(r: BenchResults): string {
  const m = r.meta;
  const date = m.date.slice(0, 10);
  const lines: string[] = [];
  const py = m.versions.python3 ? `, Python ${m.versions.python3}` : '';
  lines.push(`Measured with \`${m.command}\` on ${date}: ${m.cpus} × ${m.cpuModel}, Node ${m.node}${py} (${m.mode} run, ${fmtMs(m.durationMs)}). Medians of interleaved rounds; the HTML report has the spread and charts. This block is generated: \`npm run bench -- --json bench-results/full.json && npm run --workspace apps/bench readme -- --json bench-results/full.json\`.`);
  lines.push('');
  if (r.peers) {
    const get = (id: string): CaseResult | undefined => r.peers!.cases.find((c) => c.id === id);
    const burst = get('peers.burst');
    const map = get('peers.map');
    const fib = get('peers.fib');
    const big = get('peers.payload16');
    const ids: { id: string; label: string }[] = [];
    for (const c of [burst, map, fib, big]) for (const e of c?.entries ?? []) if (!ids.some((x) => x.id === e.id)) ids.push({ id: e.id, label: e.label });
    const w = burst?.params.workers ?? 2;
    lines.push(
      `| ${w} workers | burst: ${fmtCount(Number(burst?.params.calls ?? 0))} tiny calls | map: ${fmtCount(Number(map?.params.items ?? 0))} items, chunksize ${map?.params.chunksize ?? ''} | fib(${fib?.params.n ?? ''}) × ${fmtCount(Number(fib?.params.count ?? 0))} | ${fmtBytes(Number(big?.params.bytes ?? 0))} Float64Array round trip |`,
    );
    lines.push('|---|---:|---:|---:|---:|');
    for (const { id, label } of ids) {
      lines.push(
        `| ${label} | ${cell(burst, id, (e) => fmtRate(e.opsPerSec!, ' calls/s'))} | ${cell(map, id, (e) => fmtRate(e.opsPerSec!, ' items/s'))} | ${cell(fib, id, (e) => `${fmtMs(e.ms!.median)}${e.extra?.xIdeal ? ` (${fmtRatio(e.extra.xIdeal)} ideal)` : ''}`)} | ${cell(big, id, (e) => fmtMs(e.ms!.median))} |`,
      );
    }
    lines.push('');
  }
  const rtt = r.transports?.cases.find((c) => c.id === 'transports.rtt');
  if (rtt) {
    const per = rtt.entries.map((e) => `${e.label.replace(/^(ours|floor): /, '')} ${e.ms ? fmtUs(e.perOpUs!) + flag(e) : 'n/a'}`);
    lines.push(`No-op round trip, 1 worker: ${per.join(' · ')}.`);
    lines.push('');
  }
  const wake = r.transports?.cases.find((c) => c.id === 'transports.wake');
  const asleep = wake?.entries.find((e) => e.id === 'floor-wake-asleep');
  const busy = wake?.entries.find((e) => e.id === 'floor-wake-busy');
  if (asleep?.ms && busy?.ms) {
    lines.push(
      `Where a round trip's time goes: \`postMessage\` takes the sender ${fmtUs(asleep.perOpUs!)}${flag(asleep)} when the other thread sleeps (it must be woken) and ${fmtUs(busy.perOpUs!)}${flag(busy)} when it is busy. A pool pays the first price on every exchange that finds the other side idle.`,
    );
    lines.push('');
  }
  const shown = [...(r.peers?.cases.filter((c) => ['peers.burst', 'peers.map', 'peers.fib', 'peers.payload16'].includes(c.id)) ?? []), ...(rtt ? [rtt] : []), ...(wake ? [wake] : [])];
  if (shown.some((c) => hasWideSpread(c.entries))) {
    lines.push(`${WIDE_SPREAD_NOTE}; a ratio built on such a figure is as uncertain.`);
    lines.push('');
  }
  if (r.ratios.length) {
    lines.push('Ratios (time ÷ time, below 1 = the first is faster):');
    lines.push('');
    for (const l of r.ratios) lines.push(`- ${l.value !== undefined ? `${l.name}: **${l.value.toFixed(2)}**` : l.text}`);
    lines.push('');
  }
  const na = Object.entries(m.unavailable);
  if (na.length) lines.push(`n/a: ${na.map(([k, v]) => `${k} (${v})`).join('; ')}.`, '');
  return lines.join('\n');
}
