import type { Section } from './args.js';
import { UnavailableError, type Contender, type Op } from './contender.js';
import type { Progress } from './progress.js';
import type { Reaper } from './reaper.js';
import type { CaseResult, Entry } from './results.js';
import type { Settings } from './settings.js';
import { summarize } from './stats.js';
import { BenchTimeoutError, reasonOf, withTimeout } from './timing.js';

/** What every part of a run shares. */
export interface RunContext {
  settings: Settings;
  progress: Progress;
  reaper: Reaper;
  /** Package or program → why it is missing. */
  unavailable: Record<string, string>;
  warnings: string[];
  /**
   * Set while a sample runs: fails that sample at once. The process-wide
   * uncaught-exception handler calls it, so a pool that throws outside any
   * promise is reported n/a with its error instead of waiting for the time limit.
   */
  interrupt?: (err: unknown) => void;
}

/** One row of a case: a contender, optionally with its op adjusted (e.g. `transfer: true`) under its own id. */
export interface EntrySpec {
  contender: Contender;
  id?: string;
  label?: string;
  patch?: Partial<Op>;
}

/** A named workload, run on several contenders in interleaved rounds. */
export interface Measurement {
  id: string;
  section: Section;
  title: string;
  /** What one operation is (`call`, `item`, `round trip`), and how many one run of `op` does. */
  opName: string;
  ops: number;
  op: Op;
  /** A lighter op for the warm-up round (default: `op`). */
  warmOp?: Op;
  params: Record<string, number | string>;
  entries: EntrySpec[];
  /**
   * For echo ops: repeat the round trip so each sample lasts about
   * `sampleTargetMs`, per contender; samples are then milliseconds per round trip.
   */
  calibrate?: boolean;
  /**
   * Each sample leaves big buffers behind (the echo payloads): collect the whole heap before each
   * one, not only its young generation. A 16 MB buffer arriving makes V8 start marking the whole
   * heap, and that marking is finalized tens of ms later, often inside the next contender's
   * sample: that one then pays a full collection of the bench's heap (15-25 ms with a 30 MB heap,
   * against a 20 ms round trip) for its predecessor's garbage. A full collection before the clock
   * starts finishes such leftovers, so each sample pays for the collections its own buffers start.
   */
  bigGarbage?: boolean;
  /** Rounds run whatever the time budget (default `settings.minRounds`): for cases whose every figure is a ratio's input. */
  minRounds?: number;
}

interface Row {
  spec: EntrySpec;
  contender: Contender;
  id: string;
  label: string;
  op: Op;
  samples: number[];
  reps: number;
  reason?: string;
}

interface State {
  open: boolean;
  failures: number;
  /** Set when the contender must not be tried again in this session. */
  dead?: string;
}

/**
 * A collection of this thread's heap, when node runs with --expose-gc (as `npm run bench` does):
 * a scavenge, or with `full` the whole heap.
 */
function collectGarbage(full: boolean): void {
  (globalThis as { gc?: (options: { type: 'minor' | 'major' }) => void }).gc?.({ type: full ? 'major' : 'minor' });
}

/**
 * The order of round `r`: every row once, in a shuffle fixed by `r` (the
 * same in every run). Not a rotation: a rotation keeps each row behind the
 * same neighbour in every round, and a row's sample pays for work its
 * predecessor left running (a collection V8 started for that one's garbage,
 * buffers being freed), so one row would pay for the same neighbour every
 * time. Shuffled, each row follows a different one from round to round.
 */
export function roundOrder<T>(rows: readonly T[], r: number): T[] {
  const out = [...rows];
  // mulberry32: a small PRNG, seeded so runs are comparable.
  let seed = (r + 1) * 0x9e3779b9;
  const random = (): number => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** After this many failures a contender is not started again in the session. */
const MAX_FAILURES = 2;

/**
 * A set of contenders that are started once and measured on several cases,
 * then shut down together. A contender that fails or hangs in a case is
 * killed at once, reported n/a for that case, and restarted for the next.
 */
export class Session {
  readonly #ctx: RunContext;
  readonly #state = new Map<Contender, State>();

  constructor(ctx: RunContext) {
    this.#ctx = ctx;
  }

  async measure(m: Measurement): Promise<CaseResult> {
    const { settings, progress } = this.#ctx;
    progress.startCase(m.section, m.title);
    const rows: Row[] = m.entries
      .map((spec) => ({
        spec,
        contender: spec.contender,
        id: spec.id ?? spec.contender.id,
        label: spec.label ?? spec.contender.label,
        op: { ...m.op, ...spec.patch } as Op,
        samples: [],
        reps: 1,
      }))
      .filter((r) => r.contender.supports(r.op));

    for (const row of rows) {
      const reason = await this.#ensureOpen(row.contender);
      if (reason) row.reason = reason;
    }
    const live = (): Row[] => rows.filter((r) => r.reason === undefined);

    // Warm-up: not timed for the result; also where echo cases find how many round trips fill a sample.
    for (const row of live()) {
      progress.detail(`${row.label} · warm-up`);
      const started = Date.now();
      const warm = m.warmOp ? ({ ...m.warmOp, ...row.spec.patch } as Op) : row.op;
      let ms = await this.#sample(m, row, warm);
      if (ms !== undefined && m.calibrate && row.op.kind === 'echo') {
        // Twice: the first trip is cold and overestimates; the second estimate comes from a warm run of many trips.
        let trips = warm.kind === 'echo' ? warm.reps : 1;
        for (let pass = 0; pass < 2 && ms !== undefined; pass++) {
          const perTrip = ms / trips;
          row.reps = Math.max(1, Math.min(100_000, Math.ceil(settings.sampleTargetMs / Math.max(perTrip, 1e-4))));
          row.op = { ...row.op, reps: row.reps };
          if (row.reps === 1 || row.reps === trips) break;
          trips = row.reps;
          ms = await this.#sample(m, row, row.op);
        }
      }
      // The same rule for every contender: full runs until the warm-up time has gone. A fast pool
      // needs several runs before V8 has optimized its hot paths; a slow one is done after the first.
      while (ms !== undefined && Date.now() - started < settings.warmupMs) ms = await this.#sample(m, row, row.op);
    }

    const round = async (r: number, order: Row[], total: number): Promise<void> => {
      for (const row of roundOrder(order, r)) {
        if (row.reason !== undefined) continue;
        progress.detail(`${row.label} · round ${r + 1}/${total}`);
        const ms = await this.#sample(m, row, row.op);
        if (ms !== undefined) row.samples.push(m.calibrate ? ms / row.reps : ms);
      }
    };
    const t0 = Date.now();
    let rounds = 0;
    for (let r = 0; r < settings.rounds; r++) {
      if (r >= Math.min(settings.rounds, m.minRounds ?? settings.minRounds) && Date.now() - t0 > settings.caseBudgetMs) break;
      const order = live();
      if (order.length === 0) break;
      await round(r, order, settings.rounds);
      rounds++;
    }
    // More rounds for the rows whose samples are short: a slow patch of the machine moves their median most.
    const fast = live().filter((row) => row.samples.length > 0 && summarize(row.samples).median * (m.calibrate ? row.reps : 1) < settings.fastSampleMs);
    const t1 = Date.now();
    let extraRounds = 0;
    while (extraRounds < settings.extraRounds && fast.length > 0 && Date.now() - t1 < settings.extraBudgetMs) {
      await round(rounds + extraRounds, fast.filter((row) => row.reason === undefined), rounds + settings.extraRounds);
      extraRounds++;
    }
    progress.endCase();
    return {
      id: m.id,
      title: m.title,
      opName: m.opName,
      ops: m.calibrate ? 1 : m.ops,
      params: m.params,
      rounds,
      ...(extraRounds > 0 ? { extraRounds, fastSampleMs: settings.fastSampleMs } : {}),
      entries: this.#entries(rows, m.calibrate ? 1 : m.ops),
    };
  }

  /** Shut every contender of the session down (each has its own time limit and falls back to killing). */
  async close(): Promise<void> {
    for (const [c, st] of this.#state) {
      if (!st.open) continue;
      this.#ctx.progress.detail(`stopping ${c.label}`);
      st.open = false;
      const note = await c.close();
      this.#ctx.reaper.untrack(c);
      if (note) {
        this.#ctx.warnings.push(`${c.label}: ${note}`);
        this.#ctx.progress.note(`${c.label}: ${note}`);
      }
    }
  }

  async #ensureOpen(c: Contender): Promise<string | undefined> {
    let st = this.#state.get(c);
    if (!st) this.#state.set(c, (st = { open: false, failures: 0 }));
    if (st.dead) return st.dead;
    if (st.open) return undefined;
    this.#ctx.progress.detail(`starting ${c.label}`);
    this.#ctx.reaper.track(c);
    try {
      await withTimeout(c.open(), this.#ctx.settings.openTimeoutMs, `starting ${c.label}`);
      st.open = true;
      return undefined;
    } catch (err) {
      c.kill();
      this.#ctx.reaper.untrack(c);
      if (err instanceof UnavailableError) {
        this.#ctx.unavailable[err.requires] ??= err.message;
        st.dead = err.message;
        return st.dead;
      }
      const reason = `failed to start: ${reasonOf(err)}`;
      this.#ctx.progress.note(`${c.label}: ${reason}`);
      if (++st.failures >= MAX_FAILURES) st.dead = reason;
      return reason;
    }
  }

  /** One timed run; on error or timeout the row is n/a, the contender is killed, and undefined is returned. */
  async #sample(m: Measurement, row: Row, op: Op): Promise<number | undefined> {
    const c = row.contender;
    const st = this.#state.get(c)!;
    if (!st.open) {
      row.reason = st.dead ?? 'stopped after an earlier failure in this case';
      return undefined;
    }
    const interrupted = new Promise<never>((_, reject) => {
      this.#ctx.interrupt = reject;
    });
    // Every sample starts with an empty young generation, so no contender pays for the garbage the
    // one before it left (a minor collection: quick, and nothing left running in the background).
    // Where samples leave megabytes of buffers, a full one (see Measurement.bigGarbage).
    collectGarbage(m.bigGarbage === true);
    try {
      const ms = await withTimeout(Promise.race([c.run(op), interrupted]), this.#ctx.settings.sampleTimeoutMs, `${m.id} on ${row.label}`);
      if (!Number.isFinite(ms) || ms < 0) throw new Error(`bad time ${ms}`);
      return ms;
    } catch (err) {
      row.reason = reasonOf(err);
      this.#ctx.progress.note(`${m.id}: ${row.label} n/a (${row.reason})`);
      c.kill();
      this.#ctx.reaper.untrack(c);
      st.open = false;
      // A hang is not retried: each retry would cost a whole time limit.
      if (err instanceof BenchTimeoutError) st.dead = `not restarted after it hung (${row.reason})`;
      else if (++st.failures >= MAX_FAILURES) st.dead = `failed twice, last: ${row.reason}`;
      return undefined;
    } finally {
      this.#ctx.interrupt = undefined;
    }
  }

  #entries(rows: Row[], ops: number): Entry[] {
    const entries: Entry[] = rows.map((row) => {
      const base = { id: row.id, label: row.label, kind: row.contender.kind, requires: row.contender.requires };
      if (row.samples.length === 0) {
        return { ...base, status: 'n/a', reason: row.reason ?? 'no samples', samples: [] };
      }
      const ms = summarize(row.samples);
      const entry: Entry = {
        ...base,
        status: 'ok',
        samples: row.samples,
        ms,
        perOpUs: (ms.median * 1000) / ops,
        opsPerSec: ms.median > 0 ? ops / (ms.median / 1000) : Infinity,
      };
      if (row.reps > 1) entry.extra = { reps: row.reps };
      // A failure after some rounds still leaves a figure, with a note.
      if (row.reason !== undefined) entry.reason = `partial: ${row.reason}`;
      return entry;
    });
    const best = Math.min(...entries.filter((e) => e.ms).map((e) => e.ms!.median));
    for (const e of entries) if (e.ms && best > 0) e.ratio = e.ms.median / best;
    return entries;
  }
}
