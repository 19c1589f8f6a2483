import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchResults, CaseResult } from './results.js';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

const POOLS_1W = ['inline', 'thread', 'process', 'socket', 'redis', 'floor-postmessage', 'floor-ipc', 'floor-socket', 'floor-socket-framed'];
/** The framed socket floor carries tiny messages only (round trip and burst), not payloads. */
const POOLS_PAYLOAD = POOLS_1W.filter((id) => id !== 'floor-socket-framed');
const POOLS_2W = ['thread', 'process', 'socket', 'redis', 'piscina', 'tinypool', 'tinypool-process', 'workerpool', 'workerpool-process', 'python-process', 'python-thread'];
const EXPECTED_CASES: Record<string, string[]> = {
  'transports.rtt': POOLS_1W,
  'transports.burst': POOLS_1W,
  'transports.wake': ['floor-wake-asleep', 'floor-wake-busy'],
  'peers.burst': POOLS_2W,
  'peers.map': POOLS_2W,
  'peers.fib': [...POOLS_2W, 'single-thread', 'parallel-floor', 'python-single'],
  'peers.payload16': [...POOLS_2W, 'thread-transfer', 'piscina-move'],
  'scaling.fib.w1': ['inline', 'thread', 'process', 'socket', 'redis'],
  'map.echo': ['thread', 'process', 'socket'].flatMap((t) => [`${t}-default`, `${t}-chunksize-100`]),
  'map.parse': [
    ...['thread', 'process', 'socket'].flatMap((t) => [`${t}-default`, `${t}-chunksize-1`, `${t}-submit`]),
    'piscina',
    'tinypool',
    'workerpool',
    'single-thread',
  ],
};
const RATIOS = [
  'thread burst ÷ piscina burst',
  'thread map ÷ python map',
  'fib ideal ratio (thread)',
  'fib ideal ratio of the parallel floor (threads, no pool)',
  'fib: thread ÷ parallel floor',
  'fib: process ÷ parallel floor',
  'fib: socket ÷ parallel floor',
  ...['round trip', 'burst'].flatMap((op) => [...['thread', 'process', 'socket'].map((t) => `${op}: ${t} ÷ bare medium`), `${op}: socket ÷ framed socket floor`]),
  'waking a thread: posting to it asleep ÷ busy (sender)',
  'process burst ÷ python submit',
  'process map ÷ python map',
  'socket burst ÷ python submit',
  'socket burst ÷ process burst',
  'socket map ÷ python map',
  'fib ideal ratio (redis)',
  'redis burst ÷ socket burst',
  'redis map ÷ socket map',
  ...['echo', 'acorn'].flatMap((w) => ['thread', 'process', 'socket'].map((t) => `default map ÷ best tuned map: ${w} (${t})`)),
];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  results: BenchResults;
  html: string;
}

describe('bench --quick --tiny', () => {
  let dir: string;
  let run: Run;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'futures-bench-test-'));
    const json = join(dir, 'results.json');
    const reports = join(dir, 'reports');
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [MAIN, '--quick', '--tiny', '--json', json, '--report-dir', reports], { timeout: 55_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
    const results = JSON.parse(readFileSync(json, 'utf8')) as BenchResults;
    const htmlFile = readdirSync(reports).find((f) => f.startsWith('bench-') && f.endsWith('.html'));
    run = { code, stdout, stderr, results, html: htmlFile ? readFileSync(join(reports, htmlFile), 'utf8') : '' };
  }, 60_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const allCases = (r: BenchResults): CaseResult[] => [
    ...(r.transports?.cases ?? []),
    ...(r.peers?.cases ?? []),
    ...(r.scaling?.payload.cases ?? []),
    ...(r.scaling?.workers.cases ?? []),
    ...(r.workload?.cases ?? []),
  ];

  it('exits 0 and writes meta', () => {
    expect(run.code, run.stderr).toBe(0);
    const { meta } = run.results;
    expect(meta.mode).toBe('tiny');
    expect(meta.node).toBe(process.version);
    expect(meta.cpus).toBeGreaterThan(0);
    expect(Date.parse(meta.date)).not.toBeNaN();
    expect(meta.command).toContain('--json');
    expect(meta.sections).toEqual(['codecs', 'transports', 'peers', 'scaling', 'workload']);
    // Read from each package's own package.json, which piscina and msgpackr do not export.
    for (const name of ['piscina', 'tinypool', 'workerpool', 'msgpackr', 'acorn']) expect(meta.versions[name], name).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('has every codec on every payload, and the type-loss table', () => {
    const c = run.results.codecs!;
    expect(c.payloads.map((p) => p.id)).toEqual(['frame-1', 'frame-100', 'small', 'records', 'nested', 'mapset', 'f64-1mb', 'f64-16mb', 'strings']);
    expect(c.codecs.map((k) => k.id)).toEqual(['json', 'v8', 'structured-clone', 'msgpackr', 'msgpackr-structured']);
    for (const p of c.payloads) {
      for (const k of c.codecs) {
        const t = c.timings.find((x) => x.payload === p.id && x.codec === k.id);
        expect(t?.status, `${p.id}/${k.id}: ${t?.reason}`).toBe('ok');
        expect(t!.roundTripUs!.median).toBeGreaterThan(0);
        if (k.id !== 'structured-clone') expect(t!.bytes).toBeGreaterThan(0);
      }
    }
    // JSON turns a Map into an object; v8 keeps it.
    const map = c.fidelity.find((f) => f.type === 'Map')!;
    expect(map.results.json).toMatch(/^lost/);
    expect(map.results.v8).toBe('kept');
  });

  it('has every case with every contender, n/a only when its package is reported unavailable', () => {
    const cases = allCases(run.results);
    const expected: Record<string, string[]> = { ...EXPECTED_CASES };
    for (const bytes of [1, 64 * 1024]) expected[`scaling.payload.${bytes}`] = POOLS_PAYLOAD;
    for (const [id, entries] of Object.entries(expected)) {
      const c = cases.find((x) => x.id === id);
      expect(c, `case ${id}`).toBeDefined();
      expect(c!.entries.map((e) => e.id).sort()).toEqual([...entries].sort());
      for (const e of c!.entries) {
        if (e.status === 'ok') {
          expect(e.ms!.median, `${id}/${e.id}`).toBeGreaterThanOrEqual(0);
          expect(e.samples.length).toBeGreaterThan(0);
        } else {
          expect(run.results.meta.unavailable, `${id}/${e.id} is n/a: ${e.reason}`).toHaveProperty([e.requires]);
        }
      }
    }
  });

  it('fills the scaling section and the quoted ratios', () => {
    const s = run.results.scaling!;
    expect(s.payload.sizes).toEqual([1, 64 * 1024]);
    expect(s.payload.series.map((x) => x.id).sort()).toEqual([...POOLS_PAYLOAD].sort());
    expect(s.workers.rows.map((r) => r.id)).toEqual(['thread', 'process', 'socket', 'redis']);
    expect(Object.keys(s.workers.rows[0].burstOpsPerSec)).toEqual(['w1', 'w2']);
    const names = run.results.ratios.map((r) => r.name);
    for (const name of RATIOS) expect(names).toContain(name);
    // Peers are always installed here, so this one always has a value.
    expect(run.results.ratios.find((r) => r.name === 'thread burst ÷ piscina burst')!.text).toContain('÷');
  });

  it('fits the type-loss table in a terminal, with a legend and the errors as notes', () => {
    const start = run.stdout.indexOf('Types each codec keeps or loses');
    const block = run.stdout.slice(start, run.stdout.indexOf('\n\n', start));
    expect(block).toContain('✓ kept');
    for (const line of block.split('\n').slice(1)) expect(line.length, line).toBeLessThanOrEqual(120);
    expect(block).toMatch(/\[1\] /);
  });

  it('compares the big round trip like with like: rows that copy nothing are marked and are not the reference', () => {
    const c = run.results.peers!.cases.find((x) => x.id === 'peers.payload16')!;
    expect(c.note).toMatch(/copies the payload both ways/);
    const copying = c.entries.filter((e) => e.ms && !['python-thread', 'thread-transfer', 'piscina-move'].includes(e.id));
    expect(Math.min(...copying.map((e) => e.ratio!))).toBeCloseTo(1, 10);
    for (const id of ['thread-transfer', 'piscina-move']) expect(c.entries.find((e) => e.id === id)?.note).toMatch(/not a reference/);
  });

  it('leaves no process behind', () => {
    expect(run.results.meta.warnings.filter((w) => w.includes('left running'))).toEqual([]);
  });

  it('prints tables and writes a self-contained HTML report with charts', () => {
    for (const heading of ['Codecs:', 'Transports:', 'Peers:', 'Scaling:', 'Workload:', 'Ratios']) expect(run.stdout).toContain(heading);
    expect(run.stdout).toMatch(/HTML report: .*\.html/);
    expect(run.html).toMatch(/^<!doctype html>/);
    for (const heading of ['<h2>Codecs</h2>', '<h2>Transports</h2>', '<h2>Peers</h2>', '<h2>Scaling</h2>', '<h2>Workload</h2>', '<h2>Ratios</h2>']) expect(run.html).toContain(heading);
    expect(run.html.match(/<svg /g)?.length).toBeGreaterThan(10);
    expect(run.html).not.toMatch(/<script|<link|src="http/);
  });
});
