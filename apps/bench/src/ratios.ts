import { fmtBytes, fmtMs, fmtRatio } from './format.js';
import type { CaseResult, Entry, RatioLine } from './results.js';

function find(cases: readonly CaseResult[], caseId: string, entryId: string): { c?: CaseResult; e?: Entry } {
  const c = cases.find((x) => x.id === caseId);
  return { c, e: c?.entries.find((x) => x.id === entryId) };
}

function why(e: Entry | undefined, name: string): string {
  return e ? `${name} n/a: ${e.reason ?? 'no figure'}` : `${name} not measured`;
}

/** `a ÷ b` of two medians (times), with a sentence that says who is faster and by how much. */
function ratio(cases: readonly CaseResult[], name: string, num: [string, string], den: [string, string]): RatioLine {
  const a = find(cases, ...num).e;
  const b = find(cases, ...den).e;
  const line: RatioLine = { name, numerator: num.join('/'), denominator: den.join('/'), text: '' };
  if (!a?.ms || !b?.ms) {
    line.text = `${name}: n/a (${!a?.ms ? why(a, num.join('/')) : why(b, den.join('/'))})`;
    return line;
  }
  const v = a.ms.median / b.ms.median;
  line.value = v;
  const who = v <= 1 ? `${a.label} is ${fmtRatio(1 / v)} as fast` : `${a.label} takes ${fmtRatio(v)} as long`;
  line.text = `${name} = ${v.toFixed(2)}  (${fmtMs(a.ms.median)} vs ${fmtMs(b.ms.median)}; ${who})`;
  return line;
}

function ideal(cases: readonly CaseResult[], id: string): RatioLine {
  const { e } = find(cases, 'peers.fib', id);
  const name = id === 'parallel-floor' ? 'fib ideal ratio of the parallel floor (threads, no pool)' : `fib ideal ratio (${id})`;
  const line: RatioLine = { name, numerator: `peers.fib/${id}`, denominator: `peers.fib/${id.startsWith('python') ? 'python-single' : 'single-thread'} ÷ workers`, text: '' };
  const x = e?.extra?.xIdeal;
  if (!e?.ms || x === undefined) {
    line.text = `${name}: n/a (${e?.ms ? 'no single-thread baseline' : why(e, `peers.fib/${id}`)})`;
    return line;
  }
  line.value = x;
  line.text = `${name} = ${x.toFixed(2)}  (${fmtMs(e.ms.median)} vs ideal ${fmtMs(e.extra!.idealMs)} = single-thread ÷ workers; 1.00 is perfect scaling)`;
  return line;
}

/** The fastest (lowest median) tuned row of `transport` in a workload case: `<transport>-chunksize-<n>`. */
export function bestTunedId(c: CaseResult | undefined, transport: string): string | undefined {
  const tuned = c?.entries.filter((e) => e.id.startsWith(`${transport}-chunksize-`) && e.ms) ?? [];
  tuned.sort((a, b) => a.ms!.median - b.ms!.median);
  return tuned[0]?.id;
}

/** Issue 14's goal: map with default options within 1.1× of the best hand-tuned chunksize, on tiny items and on the acorn parse. */
function workloadRatios(cases: readonly CaseResult[]): RatioLine[] {
  const lines: RatioLine[] = [];
  for (const [caseId, what] of [
    ['map.echo', 'echo'],
    ['map.parse', 'acorn'],
  ] as const) {
    const c = cases.find((x) => x.id === caseId);
    for (const t of ['thread', 'process', 'socket']) {
      lines.push(ratio(cases, `default map ÷ best tuned map: ${what} (${t})`, [caseId, `${t}-default`], [caseId, bestTunedId(c, t) ?? `${t}-chunksize`]));
    }
  }
  return lines;
}

/** Issue 14's goals for the cost of one call: each transport against its bare medium, in the same run (1 worker). */
function transportRatios(cases: readonly CaseResult[]): RatioLine[] {
  const media = [
    ['thread', 'floor-postmessage'],
    ['process', 'floor-ipc'],
    ['socket', 'floor-socket'],
  ] as const;
  const wake = ratio(cases, 'waking a thread: posting to it asleep ÷ busy (sender)', ['transports.wake', 'floor-wake-asleep'], ['transports.wake', 'floor-wake-busy']);
  return ['rtt', 'burst'].flatMap((op) => {
    const what = op === 'rtt' ? 'round trip' : 'burst';
    return [
      ...media.map(([t, floor]) => ratio(cases, `${what}: ${t} ÷ bare medium`, [`transports.${op}`, t], [`transports.${op}`, floor])),
      // Like for like: the bare socket floor neither frames nor decodes; the IPC floor does both (v8).
      ratio(cases, `${what}: socket ÷ framed socket floor`, [`transports.${op}`, 'socket'], [`transports.${op}`, 'floor-socket-framed']),
    ];
  }).concat(wake);
}

/** The ratios the issues quote: from the transports, peers and workload cases, for those that ran. */
export function ratioLines(cases: readonly CaseResult[]): RatioLine[] {
  return [
    ...(cases.some((c) => c.id.startsWith('transports.')) ? transportRatios(cases) : []),
    ...(cases.some((c) => c.id.startsWith('peers.')) ? peerRatios(cases) : []),
    ...(cases.some((c) => c.id.startsWith('map.')) ? workloadRatios(cases) : []),
  ];
}

function peerRatios(cases: readonly CaseResult[]): RatioLine[] {
  const py = 'python-process';
  const bytes = Number(cases.find((c) => c.id === 'peers.payload16')?.params.bytes ?? 16 << 20);
  const big = fmtBytes(bytes);
  return [
    ratio(cases, 'thread burst ÷ piscina burst', ['peers.burst', 'thread'], ['peers.burst', 'piscina']),
    ratio(cases, 'thread map ÷ python map', ['peers.map', 'thread'], ['peers.map', py]),
    ideal(cases, 'thread'),
    ideal(cases, 'process'),
    ideal(cases, 'socket'),
    ideal(cases, py),
    ideal(cases, 'parallel-floor'),
    ...['thread', 'process', 'socket'].map((t) => ratio(cases, `fib: ${t} ÷ parallel floor`, ['peers.fib', t], ['peers.fib', 'parallel-floor'])),
    ratio(cases, 'process burst ÷ python submit', ['peers.burst', 'process'], ['peers.burst', py]),
    ratio(cases, 'process map ÷ python map', ['peers.map', 'process'], ['peers.map', py]),
    ratio(cases, 'socket burst ÷ python submit', ['peers.burst', 'socket'], ['peers.burst', py]),
    ratio(cases, 'socket burst ÷ process burst', ['peers.burst', 'socket'], ['peers.burst', 'process']),
    ratio(cases, 'socket map ÷ python map', ['peers.map', 'socket'], ['peers.map', py]),
    ideal(cases, 'redis'),
    ratio(cases, 'redis burst ÷ socket burst', ['peers.burst', 'redis'], ['peers.burst', 'socket']),
    ratio(cases, 'redis map ÷ socket map', ['peers.map', 'redis'], ['peers.map', 'socket']),
    ratio(cases, `${big} round trip: thread ÷ process`, ['peers.payload16', 'thread'], ['peers.payload16', 'process']),
    ratio(cases, `${big} round trip: socket ÷ process`, ['peers.payload16', 'socket'], ['peers.payload16', 'process']),
  ];
}
