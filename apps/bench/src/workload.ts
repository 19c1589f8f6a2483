/**
 * The workload section: `map` with its default options against the best
 * hand-tuned `chunksize`, on tiny items (echo) and on a real, skewed
 * workload: parsing the `.js` files of this repo's own node_modules with
 * acorn (a few huge files and hundreds of small ones), where the peers and
 * a single thread run the same parse.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SingleThreadBaseline } from './baselines.js';
import type { Contender } from './contender.js';
import { fmtBytes, fmtCount } from './format.js';
import { OurContender } from './ours.js';
import { parseChecksum, type ParseOp } from './parse-op.js';
import { PeerContender } from './peers.js';
import type { CaseResult } from './results.js';
import { Session, type EntrySpec, type RunContext } from './session.js';
import type { Settings } from './settings.js';
import { parseSource } from './workers/acorn-parse.js';

const NODE_MODULES = fileURLToPath(new URL('../../../node_modules/', import.meta.url));
const OURS = ['thread', 'process', 'socket'] as const;

/** Every regular `.js` file under `dir` (symlinks are not followed: workspace links would loop back into the repo). */
function jsFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) jsFiles(path, out);
    else if (entry.isFile() && entry.name.endsWith('.js')) out.push(path);
  }
  return out;
}

/**
 * The sources to parse, picked at run time from node_modules, in path order:
 * all of them in a full run; in --quick every fourth file under 2 MB (the
 * two TypeScript compilers, 57% of the bytes, would make each sample last
 * seconds; what stays is still skewed, from a few bytes to over 1 MB); with
 * --tiny a dozen small files.
 */
export function pickSources(settings: Settings): { files: string[]; sources: string[] } {
  const all = jsFiles(NODE_MODULES).sort();
  const files = all.filter((path, i) => {
    if (settings.parseFiles === 'all') return true;
    const bytes = readFileSync(path).byteLength;
    if (settings.parseFiles === 'quarter') return i % 4 === 0 && bytes < 2 << 20;
    return i % 50 === 0 && bytes < 64 * 1024;
  });
  return { files, sources: files.map((f) => readFileSync(f, 'utf8')) };
}

/** One progress step per case. */
export const workloadSteps = 2;

/** `map.echo` and `map.parse`, on pools of `settings.workers` workers started for this section. */
export async function runWorkload(ctx: RunContext): Promise<{ cases: CaseResult[] }> {
  const s = ctx.settings;
  const w = s.workers;
  const close = s.closeTimeoutMs;
  const ours = OURS.map((t) => new OurContender(t, w, close));
  const cases: CaseResult[] = [];
  const session = new Session(ctx);
  try {
    const items = s.mapEchoItems;
    const echoRows: EntrySpec[] = ours.flatMap((contender) => [
      { contender, id: `${contender.id}-default`, label: `${contender.label}, map default`, patch: { chunksize: undefined } },
      ...s.mapEchoChunksizes.map((c) => ({ contender, id: `${contender.id}-chunksize-${c}`, label: `${contender.label}, chunksize ${fmtCount(c)}`, patch: { chunksize: c } })),
    ]);
    cases.push(
      await session.measure({
        id: 'map.echo',
        section: 'workload',
        title: `map(echo, ${fmtCount(items)} tiny items): default options vs chunksize ${s.mapEchoChunksizes.map(fmtCount).join(' / ')}, ${w} workers`,
        opName: 'item',
        ops: items,
        op: { kind: 'map', n: items },
        warmOp: { kind: 'map', n: Math.ceil(items / 4) },
        params: { items, workers: w, chunksizes: s.mapEchoChunksizes.join(',') },
        entries: echoRows,
        // The goal ratios divide two of these rows: one slow round must not decide a median.
        minRounds: 3,
      }),
    );

    const { sources } = pickSources(s);
    const bytes = sources.reduce((a, src) => a + Buffer.byteLength(src), 0);
    const biggest = sources.map((src) => Buffer.byteLength(src)).sort((a, b) => b - a);
    const expected = parseChecksum(sources.map(parseSource));
    const op: ParseOp = { kind: 'parse', sources, how: 'map', expected };
    const parseRows: EntrySpec[] = [
      ...ours.flatMap((contender): EntrySpec[] => [
        { contender, id: `${contender.id}-default`, label: `${contender.label}, map default`, patch: { how: 'map', chunksize: undefined } },
        ...s.parseChunksizes.map((c) => ({ contender, id: `${contender.id}-chunksize-${c}`, label: `${contender.label}, map chunksize ${c}`, patch: { how: 'map' as const, chunksize: c } })),
        { contender, id: `${contender.id}-submit`, label: `${contender.label}, submit per file`, patch: { how: 'submit' } },
      ]),
      ...(['piscina', 'tinypool', 'workerpool'] as const).map((id): EntrySpec => ({ contender: new PeerContender(id, w, close), patch: { how: 'submit' } })),
      { contender: new SingleThreadBaseline() as Contender, patch: { how: 'submit' } },
    ];
    const top2 = biggest.length > 1 ? ((biggest[0] + biggest[1]) / bytes) * 100 : 100;
    cases.push(
      await session.measure({
        id: 'map.parse',
        section: 'workload',
        title: `acorn parse of ${fmtCount(sources.length)} .js files from node_modules (${fmtBytes(bytes)}; the biggest two ${top2.toFixed(0)}% of it), ${w} workers`,
        opName: 'file',
        ops: sources.length,
        op,
        // No lighter warm-up op: each row's warm-up is a full parse, so every pool has parsed every file
        // before the timed rounds. A pool's first full pass is slow whatever the row (a throwaway script
        // measured 5.9-6.3 s of CPU for the first pass of a fresh thread pool against about 4.0 s for the
        // next ones, alike for default map, chunksize 1 and submit: acorn compiled in each worker, heaps
        // grown for the two TypeScript compilers); with a short warm-up op it could land in a timed round.
        params: { files: sources.length, bytes, workers: w, chunksizes: s.parseChunksizes.join(',') },
        entries: parseRows,
        minRounds: 3,
      }),
    );
  } finally {
    await session.close();
  }
  return { cases };
}
