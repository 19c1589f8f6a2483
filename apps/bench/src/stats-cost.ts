/**
 * `npm run stats-cost -w @futures/bench`: does leaving `stats()` on cost the
 * burst anything? A/B on one pool: rounds alternate between the executor as
 * shipped (every call counted and timed into `node:perf_hooks` histograms)
 * and the same executor with its call accounting stubbed out, and the
 * medians of the two are compared. Each round is the bench's burst: submit
 * N tiny calls, then await them all.
 */
import { ThreadPoolExecutor } from '@futures/thread-pool';
import { ProcessPoolExecutor } from '@futures/process-pool';
import { workerFile } from './contender.js';
import { timeMs } from './timing.js';

// Imported by URL, as the bench does: the workers import the same built file.
const { noop } = (await import(workerFile('tasks.js').href)) as typeof import('./workers/tasks.js');

const CALLS = Number(process.env.CALLS ?? 20_000);
const ROUNDS = Number(process.env.ROUNDS ?? 15);

type Pool = ThreadPoolExecutor | ProcessPoolExecutor;

/** The executor's call accounting (protected in TypeScript, reachable at run time), with its prototype methods. */
interface Accounting {
  submitted?(): number;
  started?(call: { startedAt: number }, now?: number): void;
  settled?(call: unknown, future: unknown): void;
}

/**
 * Turns the accounting of `pool` off (no-op methods) or on (the shipped
 * ones). Both are own properties, so the object keeps one shape either way
 * (deleting a property would make it slower, and skew the comparison).
 */
function setAccounting(pool: Pool, on: boolean): void {
  const accounting = (pool as unknown as { callStats: Accounting }).callStats;
  const shipped = Object.getPrototypeOf(accounting) as Required<Accounting>;
  Object.assign(
    accounting,
    on
      ? { submitted: shipped.submitted, started: shipped.started, settled: shipped.settled }
      : {
          submitted: () => 0,
          started: (call: { startedAt: number }) => void (call.startedAt = 0),
          settled: () => {},
        },
  );
}

async function burst(pool: Pool): Promise<number> {
  return timeMs(async () => {
    const fs: PromiseLike<unknown>[] = new Array(CALLS);
    for (let i = 0; i < CALLS; i++) fs[i] = pool.submit(noop);
    await Promise.all(fs);
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** The accounting's own cost per call (ns), alone: what a call pays for stats() on the submitting thread. */
function isolatedCost(pool: Pool): number {
  const accounting = (pool as unknown as { callStats: Required<Accounting> }).callStats;
  const done = { cancelled: () => false, hasException: () => false };
  const n = 1_000_000;
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const call = { submittedAt: accounting.submitted(), startedAt: -1 };
      accounting.started(call, performance.now());
      accounting.settled(call, done);
    }
    best = Math.min(best, ((performance.now() - t0) / n) * 1e6);
  }
  return best;
}

async function measure(name: string, pool: Pool): Promise<void> {
  try {
    for (let i = 0; i < 3; i++) await burst(pool); // warm up: workers started, calls known to be short
    const on: number[] = [];
    const off: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      // Alternate which goes first, so drift (GC, the other helpers on the machine) hits both alike.
      for (const accounting of r % 2 === 0 ? [true, false] : [false, true]) {
        setAccounting(pool, accounting);
        (accounting ? on : off).push(await burst(pool));
      }
    }
    setAccounting(pool, true);
    const a = median(off);
    const b = median(on);
    const rate = (ms: number) => `${Math.round(CALLS / (ms / 1000)).toLocaleString('en-US')} calls/s`;
    console.log(
      `${name.padEnd(8)} stats off ${a.toFixed(1)} ms (${rate(a)}), stats on ${b.toFixed(1)} ms (${rate(b)}): ` +
        `on ÷ off ${(b / a).toFixed(3)}; spread of rounds off ${(Math.min(...off)).toFixed(1)}–${Math.max(...off).toFixed(1)} ms, on ${Math.min(...on).toFixed(1)}–${Math.max(...on).toFixed(1)} ms`,
    );
    const s = pool.stats();
    console.log(`${''.padEnd(8)} stats(): ${s.completed.toLocaleString('en-US')} calls counted, runTime p50 ${s.runTime.p50.toFixed(3)} ms, waitTime p99 ${s.waitTime.p99.toFixed(1)} ms`);
    // Last: it records a million made-up calls into this pool's histograms.
    const ns = isolatedCost(pool);
    console.log(`${''.padEnd(8)} the accounting alone: ${ns.toFixed(0)} ns per call, ${((ns * CALLS) / 1e6).toFixed(1)} ms per burst (${((ns * CALLS) / 1e4 / a).toFixed(1)}% of it)`);
  } finally {
    await pool.shutdown();
  }
}

console.log(`burst of ${CALLS.toLocaleString('en-US')} tiny calls, 2 workers, median of ${ROUNDS} alternating rounds each`);
await measure('thread', new ThreadPoolExecutor({ maxWorkers: 2 }));
await measure('process', new ProcessPoolExecutor({ maxWorkers: 2 }));
