import type { Section } from './args.js';
import { ParallelFloorBaseline, SingleThreadBaseline } from './baselines.js';
import type { Contender, Op } from './contender.js';
import { FramedSocketFloor, IpcFloor, SocketFloor, ThreadFloor, WakeFloor } from './floors.js';
import { fmtBytes, fmtCount } from './format.js';
import { OurContender } from './ours.js';
import { PeerContender } from './peers.js';
import { PythonContender } from './python.js';
import type { CaseResult, ScalingSection } from './results.js';
import { Session, type EntrySpec, type RunContext } from './session.js';

export interface PoolSections {
  transports: { cases: CaseResult[] } | null;
  peers: { cases: CaseResult[] } | null;
  scaling: ScalingSection | null;
}

type PythonProbe = { version: string } | { reason: string };

const OURS = ['thread', 'process', 'socket', 'redis'] as const;

/** How many cases the pool suites will run, for the progress bar. */
export function poolSteps(sections: readonly Section[], scalingSizes: number): number {
  const has = (s: Section): boolean => sections.includes(s);
  let n = 0;
  if (has('transports')) n += 3;
  else if (has('scaling')) n += 1;
  if (has('scaling')) n += 1 + scalingSizes;
  if (has('peers')) n += 4;
  else if (has('scaling')) n += 2;
  return n;
}

/**
 * Transports, peers and scaling. Two sessions of pools: one worker each
 * (transport overhead, payload scaling, 1-worker figures) and two workers
 * each (peers, 2-worker figures). Each session's pools start once and are
 * all shut down when it ends, even when a case failed.
 */
export async function runPools(ctx: RunContext, sections: readonly Section[], python: PythonProbe): Promise<PoolSections> {
  const s = ctx.settings;
  const has = (x: Section): boolean => sections.includes(x);
  const out: PoolSections = { transports: null, peers: null, scaling: null };
  const close = s.closeTimeoutMs;
  const burst: Op = { kind: 'burst', n: s.burstCalls };
  const fib: Op = { kind: 'fib', n: s.fibN, count: s.fibCount };
  const burstTitle = (w: number): string => `burst: ${fmtCount(s.burstCalls)} tiny calls submitted at once, ${w} worker${w > 1 ? 's' : ''}`;
  const fibTitle = (w: number): string => `CPU-bound: fib(${s.fibN}) × ${fmtCount(s.fibCount)}, ${w} worker${w > 1 ? 's' : ''}`;

  let w1: { burst?: CaseResult; fib?: CaseResult; payload: CaseResult[] } = { payload: [] };
  if (has('transports') || has('scaling')) {
    const inline = new OurContender('inline', 1, close);
    const ours = OURS.map((t) => new OurContender(t, 1, close));
    const floors: Contender[] = [new ThreadFloor(), new IpcFloor(close), new SocketFloor(close), new FramedSocketFloor(close)];
    const all = [inline, ...ours, ...floors].map((contender): EntrySpec => ({ contender }));
    const session = new Session(ctx);
    try {
      const cases: CaseResult[] = [];
      if (has('transports')) {
        cases.push(
          await session.measure({
            id: 'transports.rtt',
            section: 'transports',
            title: `round trip: ${fmtCount(s.rttCalls)} no-op calls one after another, 1 worker`,
            opName: 'call',
            ops: s.rttCalls,
            op: { kind: 'rtt', n: s.rttCalls },
            params: { calls: s.rttCalls, workers: 1 },
            entries: all,
          }),
        );
      }
      w1.burst = await session.measure({
        id: 'transports.burst',
        section: has('transports') ? 'transports' : 'scaling',
        title: burstTitle(1),
        opName: 'call',
        ops: s.burstCalls,
        op: burst,
        warmOp: { kind: 'burst', n: Math.ceil(s.burstCalls / 4) },
        params: { calls: s.burstCalls, workers: 1 },
        entries: has('transports') ? all : ours.map((contender) => ({ contender })),
      });
      if (has('transports')) {
        cases.push(w1.burst);
        // Where a round trip's time goes on this machine: the price of waking the other side.
        cases.push(
          await session.measure({
            id: 'transports.wake',
            section: 'transports',
            title: `waking the other side: ${fmtCount(s.wakeMessages)} messages posted to a thread that sleeps or is busy, the sender's time`,
            opName: 'message',
            ops: s.wakeMessages,
            op: { kind: 'wake', n: s.wakeMessages },
            params: { messages: s.wakeMessages },
            entries: [new WakeFloor('asleep'), new WakeFloor('busy')].map((contender) => ({ contender })),
          }),
        );
        out.transports = { cases };
      }
      if (has('scaling')) {
        w1.fib = await session.measure({
          id: 'scaling.fib.w1',
          section: 'scaling',
          title: fibTitle(1),
          opName: 'call',
          ops: s.fibCount,
          op: fib,
          warmOp: { kind: 'fib', n: s.fibN, count: Math.ceil(s.fibCount / 10) },
          params: { n: s.fibN, count: s.fibCount, workers: 1 },
          entries: [inline, ...ours].map((contender) => ({ contender })),
        });
        for (const bytes of s.scalingSizes) {
          w1.payload.push(
            await session.measure({
              id: `scaling.payload.${bytes}`,
              section: 'scaling',
              title: `echo round trip of a ${fmtBytes(bytes)} Uint8Array, 1 worker`,
              opName: 'round trip',
              ops: 1,
              op: { kind: 'echo', bytes, type: 'u8', reps: 1 },
              params: { bytes, workers: 1 },
              entries: all,
              calibrate: true,
              bigGarbage: true,
            }),
          );
        }
      }
    } finally {
      await session.close();
    }
  }

  let w2: { burst?: CaseResult; fib?: CaseResult } = {};
  if (has('peers') || has('scaling')) {
    const w = s.workers;
    const ours = OURS.map((t) => new OurContender(t, w, close));
    const peers: Contender[] = has('peers')
      ? [
          new PeerContender('piscina', w, close),
          new PeerContender('tinypool', w, close),
          new PeerContender('tinypool-process', w, close),
          new PeerContender('workerpool', w, close),
          new PeerContender('workerpool-process', w, close),
          new PythonContender('process', w, python, close),
          new PythonContender('thread', w, python, close),
        ]
      : [];
    const baselines: Contender[] = has('peers')
      ? [new SingleThreadBaseline(), new ParallelFloorBaseline(w), new PythonContender('single', 1, python, close)]
      : [];
    const pools = [...ours, ...peers].map((contender): EntrySpec => ({ contender }));
    const session = new Session(ctx);
    try {
      const cases: CaseResult[] = [];
      const section: Section = has('peers') ? 'peers' : 'scaling';
      w2.burst = await session.measure({
        id: 'peers.burst',
        section,
        title: burstTitle(w),
        opName: 'call',
        ops: s.burstCalls,
        op: burst,
        warmOp: { kind: 'burst', n: Math.ceil(s.burstCalls / 4) },
        params: { calls: s.burstCalls, workers: w },
        entries: pools,
      });
      cases.push(w2.burst);
      if (has('peers')) {
        cases.push(
          await session.measure({
            id: 'peers.map',
            section,
            title: `map(echo, ${fmtCount(s.mapItems)} items, { chunksize: ${s.mapChunksize} }), ${w} workers`,
            opName: 'item',
            ops: s.mapItems,
            op: { kind: 'map', n: s.mapItems, chunksize: s.mapChunksize },
            warmOp: { kind: 'map', n: Math.ceil(s.mapItems / 4), chunksize: s.mapChunksize },
            params: { items: s.mapItems, chunksize: s.mapChunksize, workers: w },
            entries: pools,
          }),
        );
      }
      w2.fib = await session.measure({
        id: 'peers.fib',
        section,
        title: fibTitle(w),
        opName: 'call',
        ops: s.fibCount,
        op: fib,
        warmOp: { kind: 'fib', n: s.fibN, count: Math.ceil(s.fibCount / 10) },
        params: { n: s.fibN, count: s.fibCount, workers: w },
        entries: [...pools, ...baselines.map((contender) => ({ contender }))],
      });
      addIdeal(w2.fib, w);
      cases.push(w2.fib);
      if (has('peers')) {
        const thread = ours[0];
        const piscina = peers[0];
        cases.push(
          await session.measure({
            id: 'peers.payload16',
            section,
            title: `echo round trip of a ${fmtBytes(s.bigPayloadBytes)} Float64Array, ${w} workers`,
            opName: 'round trip',
            ops: 1,
            op: { kind: 'echo', bytes: s.bigPayloadBytes, type: 'f64', reps: 1 },
            params: { bytes: s.bigPayloadBytes, workers: w },
            calibrate: true,
            bigGarbage: true,
            entries: [
              ...pools,
              { contender: thread, id: 'thread-transfer', label: 'ours: thread, transfer list', patch: { transfer: true } },
              { contender: piscina, id: 'piscina-move', label: 'piscina run(Piscina.move())', patch: { transfer: true } },
            ],
          }),
        );
        compareCopiesOnly(cases[cases.length - 1], BIG_PAYLOAD_NO_COPY);
        out.peers = { cases };
      }
    } finally {
      await session.close();
    }
  }

  if (has('scaling')) out.scaling = scalingSection(w1, w2, s.scalingSizes, s.workers);
  return out;
}

/** Rows of the big round trip that do not copy the payload both ways, and why. */
const BIG_PAYLOAD_NO_COPY: Record<string, string> = {
  'python-thread': 'shares memory, copies nothing',
  'thread-transfer': 'moves the buffer in',
  'piscina-move': 'moves the buffer in',
};

/**
 * Like with like: "vs fastest" against the fastest row that copies the
 * payload both ways; the rows in `noCopy` keep a ratio to it but are marked,
 * and never become the reference themselves.
 */
function compareCopiesOnly(c: CaseResult, noCopy: Record<string, string>): void {
  const copying = c.entries.filter((e) => e.ms && !(e.id in noCopy));
  if (copying.length === 0) return;
  const best = Math.min(...copying.map((e) => e.ms!.median));
  for (const e of c.entries) {
    if (e.ms && best > 0) e.ratio = e.ms.median / best;
    if (e.id in noCopy) e.note = `${noCopy[e.id]}: not a reference`;
  }
  c.note = '"vs fastest": against the fastest row that copies the payload both ways (marked rows share or move it)';
}

/** fib: how far each pool (and the no-pool parallel floor) is from the ideal, its language's single-thread time ÷ workers. */
function addIdeal(c: CaseResult, workers: number): void {
  const median = (id: string): number | undefined => c.entries.find((e) => e.id === id)?.ms?.median;
  const node = median('single-thread');
  const py = median('python-single');
  for (const e of c.entries) {
    // The parallel floor is a baseline too, but how far it is from the ideal is the point of it.
    if (!e.ms || (e.kind === 'baseline' && e.id !== 'parallel-floor')) continue;
    const single = e.id.startsWith('python-') ? py : node;
    if (single) e.extra = { ...e.extra, idealMs: single / workers, xIdeal: e.ms.median / (single / workers) };
  }
}

function scalingSection(
  w1: { burst?: CaseResult; fib?: CaseResult; payload: CaseResult[] },
  w2: { burst?: CaseResult; fib?: CaseResult },
  sizes: number[],
  workers: number,
): ScalingSection {
  const ids: { id: string; label: string; kind: ScalingSection['payload']['series'][number]['kind'] }[] = [];
  for (const c of w1.payload) for (const e of c.entries) if (!ids.some((x) => x.id === e.id)) ids.push({ id: e.id, label: e.label, kind: e.kind });
  const series = ids.map(({ id, label, kind }) => {
    const points = sizes.map((b) => w1.payload.find((c) => c.params.bytes === b)?.entries.find((e) => e.id === id)?.ms ?? null);
    const reason = w1.payload.flatMap((c) => c.entries).find((e) => e.id === id && e.status === 'n/a')?.reason;
    return { id, label, kind, points, ...(reason ? { reason } : {}) };
  });
  const key1 = 'w1';
  const key2 = `w${workers}`;
  const rows = OURS.map((id) => {
    const pick = (c: CaseResult | undefined) => c?.entries.find((e) => e.id === id);
    return {
      id,
      label: `ours: ${id}`,
      burstOpsPerSec: { [key1]: pick(w1.burst)?.opsPerSec ?? null, [key2]: pick(w2.burst)?.opsPerSec ?? null },
      fibMs: { [key1]: pick(w1.fib)?.ms?.median ?? null, [key2]: pick(w2.fib)?.ms?.median ?? null },
    };
  });
  return {
    payload: { sizes, series, cases: w1.payload },
    workers: { rows, cases: [w1.burst, w1.fib, w2.burst, w2.fib].filter((c): c is CaseResult => c !== undefined) },
  };
}
