/**
 * The acorn parse workload as each kind of contender runs it (see
 * workload.ts for the section): through our `map` or `submit`, one peer
 * task per file, or in this thread. Results are checked against the
 * checksum of a parse in this thread, so a pool that answers wrong is n/a.
 */
import { UnavailableError, workerFile, type Op } from './contender.js';
import type { ExecutorLike } from './ours.js';
import { reasonOf, timeMs } from './timing.js';
import { parseSource } from './workers/acorn-parse.js';

export type ParseOp = Extract<Op, { kind: 'parse' }>;
type Task = (...args: any[]) => unknown;

/** Checksum of the per-file results, weighted by position so that results out of order do not pass. */
export function parseChecksum(results: readonly unknown[]): number {
  let sum = 0;
  results.forEach((r, i) => (sum += (i + 1) * (typeof r === 'number' ? r : NaN)));
  return sum;
}

function checkParse(results: readonly unknown[], op: ParseOp, who: string): void {
  if (results.length !== op.sources.length || parseChecksum(results) !== op.expected) {
    throw new Error(`${who} parse returned ${results.length} results with checksum ${parseChecksum(results)}, expected ${op.sources.length} with ${op.expected}`);
  }
}

async function loadParseTask(): Promise<Task> {
  let mod: Record<string, unknown>;
  try {
    mod = await import(workerFile('parse-tasks.js').href);
  } catch (err) {
    throw new UnavailableError('acorn', `parse task failed to load: ${reasonOf(err)}`);
  }
  if (typeof mod.parse !== 'function') throw new UnavailableError('@futures/core', 'parse-tasks module lacks parse');
  return mod.parse as Task;
}

/** The parse on one of our executors: `map` (default or tuned `chunksize`) or one `submit` per file. */
export async function runParseOurs(pool: ExecutorLike, op: ParseOp, who: string): Promise<number> {
  const parse = await loadParseTask();
  let results: unknown[] = [];
  const ms = await timeMs(async () => {
    if (op.how === 'submit') {
      results = await Promise.all(op.sources.map((s) => pool.submit(parse, s)));
    } else {
      results = [];
      for await (const r of pool.map(parse, op.sources, op.chunksize === undefined ? {} : { chunksize: op.chunksize })) results.push(r);
    }
  });
  checkParse(results, op, who);
  return ms;
}

/** The parse on a peer library: one task per file (none of them has a map). */
export async function runParsePeer(call: (source: string) => Promise<unknown>, op: ParseOp, who: string): Promise<number> {
  let results: unknown[] = [];
  const ms = await timeMs(async () => {
    results = await Promise.all(op.sources.map(call));
  });
  checkParse(results, op, who);
  return ms;
}

/** The parse in this thread, one file after another: the baseline a pool of N workers should divide by N. */
export async function runParseLocal(op: ParseOp, who: string): Promise<number> {
  let results: unknown[] = [];
  const ms = await timeMs(() => {
    results = op.sources.map(parseSource);
  });
  checkParse(results, op, who);
  return ms;
}
