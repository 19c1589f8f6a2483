/**
 * The automatic chunk size of `map` (when `chunksize` is not given).
 *
 * A chunk should be long enough that the message and scheduling cost of one
 * call (tens of µs) is small next to its work, and short enough that no
 * worker sits idle at the end behind one big chunk. Neither can be known in
 * advance, so, as OpenMP's `guided` schedule with a measured grain (or
 * rayon's adaptive splitting, which splits only while work is stolen), the
 * chunker starts with chunks of one item and sizes the next chunk from the
 * measured pace of the ones that finished:
 *
 * - the time per item is the time the last {@link WINDOW} chunks took to
 *   complete, over their items, times the workers: with every worker busy,
 *   that is one worker's time per item; with this thread as the bottleneck
 *   (tiny items, whose results it must decode) it is the pace this thread
 *   can take, so chunks grow until its per-chunk cost is small; a chunk
 *   that met a pause on a busy machine moves it a little, and the big
 *   chunks weigh most;
 * - the next size aims at {@link TARGET_CHUNK_MS} of work by the pace of
 *   that window (with this thread as the bottleneck that is about half as
 *   much of its own time per chunk, enough that a process pool's costlier
 *   messages, ~0.4 ms each, stay a few percent of it); and while the items
 *   so far average over {@link SKEW_GUARD_ITEM_MS} (when a message costs
 *   little next to an item, so chunks save little), by their average too,
 *   aiming at only {@link SKEW_TARGET_MS} of it, whichever is smaller: in a
 *   skewed input (hundreds of small files and a few huge ones) a run of
 *   small items must not make chunks that can hold two huge ones, which
 *   would leave a worker idle at the end (in a parse of real files, the two
 *   biggest six files apart went in one chunk of ten whenever chunks aimed
 *   at the full target). Tiny items are not held back by it: one pause of
 *   this thread would shrink their chunks for the rest of the map. It
 *   grows at most {@link MAX_GROWTH}× the largest size finished so far (a
 *   few completions take it from 1 to thousands of items);
 * - once a chunk has run far longer than its items should (than their
 *   time by the window's pace, or than the {@link TARGET_CHUNK_MS} it aimed
 *   at: {@link OUTLIER_FACTOR}; judged once a window of chunks has
 *   finished, past the workers' first compilation of the task), it held an
 *   item far longer than the others, and chunks aim at only
 *   {@link OUTLIER_TARGET_MS} of the average item for the rest of the map
 *   (while that average, since the first window, is over
 *   {@link OUTLIER_GUARD_ITEM_MS}: a cold pool's first calls are slow).
 *   An average can stay low over hundreds of small items while a few huge
 *   ones hide among them: in a parse of this
 *   repo's node_modules (870 files; the two biggest, six apart, are 60% of
 *   the work) the items before them averaged well under a millisecond,
 *   chunks grew to 30-140 files, and when one chunk held both, one worker
 *   parsed them one after the other while the other idled (1.9 s where one
 *   file per call took 1.5 s). Files of tens of ms come before them (as in
 *   most real inputs) and flag the map in time; an input whose first
 *   outliers are the huge ones themselves is not protected. A pause of a
 *   thread can pass for an outlier too, which costs items that average
 *   over {@link OUTLIER_GUARD_ITEM_MS} a few more messages;
 * - when the number of items left is known, a chunk is at most the share of
 *   them that leaves every worker two more chunks (but not below a quarter
 *   of the aimed size, where the imbalance no longer matters and more
 *   messages would cost this thread more), so the tail spreads over the
 *   workers;
 * - two chunks per worker are in flight: one running and one ready, so no
 *   worker waits for a round trip to this thread (on a busy machine, a
 *   wake-up of this thread can take milliseconds), and no more: a pool
 *   dispatches a call ahead to a busy worker when the calls before it were
 *   short, so with more in flight a huge item that follows small ones
 *   holds the chunks behind it on its worker while the other workers run
 *   out of work (in a parse of real files, the second-biggest file queued
 *   behind the biggest cost 30% of the run). A pool gives a new call to its
 *   least busy worker, so at most one chunk of ours waits behind a huge
 *   item, and the other workers keep theirs. Sizes are decided late, from
 *   fresh measurements. The workers are the pool's `maxWorkers` (else
 *   this machine's parallelism) until long single calls show how many run at
 *   once (more, for an I/O-bound pool with many workers: then twice as
 *   many as ran, until some wait).
 *
 * It reads only what `map` can see of its own calls (their futures' states
 * and completion times), never the engine.
 */
import { availableParallelism } from 'node:os';

/**
 * Work per chunk the size aims at, in ms: far above a message round trip
 * (so tiny items cost this thread little per item, even over a process
 * pool's pipe), small next to any map long enough for balance to matter.
 */
export const TARGET_CHUNK_MS = 12;
/** While the items so far average more than this (ms), the chunk size also follows their average (see above). */
export const SKEW_GUARD_ITEM_MS = 0.5;
/**
 * ...aiming at this much of it (ms): a few items per chunk while they average
 * around a millisecond, one from 1.5 ms on. Each message then still costs a
 * few percent of its chunk at most (a round trip is tens of µs on threads, a
 * few hundred on processes), and two huge items must come closer together
 * to share one.
 */
export const SKEW_TARGET_MS = 3;
/**
 * A chunk that ran more than this many times as long as its items should
 * have (by the window's pace, and at most {@link TARGET_CHUNK_MS}), plus
 * {@link OUTLIER_SLACK_MS}, held an item far longer than the others (see
 * {@link OUTLIER_TARGET_MS}).
 */
export const OUTLIER_FACTOR = 2;
/**
 * Room for a short pause of this thread or of a worker (ms). Kept small: a
 * chunk aimed at {@link TARGET_CHUNK_MS} is an outlier past 29 ms, early
 * enough that the chunks already in flight do not reach a huge item that
 * follows (with 10 ms, one chunk of 80 files still held the two biggest in
 * one of six replays on processes). A longer pause flags tiny items too,
 * which then cost only bigger messages' worth (see above).
 */
export const OUTLIER_SLACK_MS = 5;
/**
 * Once a chunk has held an outlier item, a chunk holds at most this much
 * work (ms) by the average item, for the rest of the map...
 */
export const OUTLIER_TARGET_MS = 1;
/**
 * ...while the items since the first window average more than this (ms):
 * at most 20 items per chunk. Tiny items are not held back (a pause of a
 * process pool's worker under load passed for an outlier in an echo map,
 * and chunks of 1 ms of its cold pace, 46 echoes, took 2.2 s where 1.3 s
 * was usual).
 */
export const OUTLIER_GUARD_ITEM_MS = 0.05;
/** Chunks the time per item is averaged over. */
export const WINDOW = 8;
/** A chunk's size is at most this many times the largest size that has finished. */
export const MAX_GROWTH = 8;
/**
 * Chunks this long (ms) are never dispatched ahead (the dispatch contract: a pool
 * dispatches ahead only calls seen to be well under a millisecond), and no
 * stall of this thread makes a short one look that long, so the number of
 * them RUNNING at once is the number of busy workers.
 */
const LONG_CHUNK_MS = 8;
/** Chunks in flight per worker (see above). */
export const PER_WORKER = 2;
/** Most chunks of one map in flight at once, however many workers it sees. */
const MAX_IN_FLIGHT = 256;
/**
 * A chunk in flight this many times longer than its items should take (by
 * the average so far), plus {@link OVERDUE_SLACK_MS}, is held behind a long
 * call on its worker (dispatched ahead, or its result waiting for company
 * while the worker runs a huge item): it no longer counts against the
 * limit, so the other workers keep two chunks each. New chunks do not go to
 * the held worker: a pool gives a new call to its least busy worker.
 */
const OVERDUE_FACTOR = 4;
/** Room for a round trip and a pause of this thread, in ms. */
const OVERDUE_SLACK_MS = 5;
/**
 * However many are overdue, at most one more per worker than the limit is in
 * flight: when every worker is held by a huge item, more chunks would only
 * queue behind them.
 */
const OVERDUE_EXTRA_PER_WORKER = 1;

/** Items that make `target` ms of work, when `items` took `ms` of one worker's time. */
function aimedSize(items: number, ms: number, target = TARGET_CHUNK_MS): number {
  return ms > 0 ? Math.floor((target * items) / ms) : Infinity;
}

/** One submitted chunk as the chunker tracks it. */
export interface ChunkTiming {
  /** Items in the chunk. */
  readonly size: number;
  /** Whether its call has been seen RUNNING (or finished). */
  running(): boolean;
  /** Set by the chunker. */
  submittedAt?: number;
  startedAt?: number;
}

/** Decides the size of each next chunk and how many may be in flight. */
export class AdaptiveChunker {
  readonly #now: () => number;
  /** Completion times and sizes of the last {@link WINDOW} chunks that finished. */
  readonly #recentAt: number[] = [];
  readonly #recentSizes: number[] = [];
  /** When the window began: the completion before its first, or the first submission. */
  #windowStart: number | undefined;
  /** The first submission, and the items finished since. */
  #firstSubmit: number | undefined;
  #itemsDone = 0;
  /** Largest chunk size that has finished. */
  #largestDone = 0;
  /** Workers seen busy with this map's chunks at once. */
  #workers: number;
  /** When the chunks in flight were last polled. */
  #lastPoll = -Infinity;
  /** Single items in a row, up to the last that finished, that each took at least {@link LONG_CHUNK_MS}. */
  #longRun = 0;
  /** A chunk has held an outlier item (see {@link OUTLIER_FACTOR}). */
  #outliers = false;
  /** When the first window of chunks had finished, and the items finished by then. */
  #baseAt = 0;
  #baseItems = Infinity;

  /**
   * @param now clock in ms (tests pass a fake one).
   * @param workers first guess of the workers available: the pool's `maxWorkers` (default: this machine's parallelism).
   */
  constructor(now: () => number = () => performance.now(), workers: number = availableParallelism()) {
    this.#now = now;
    this.#workers = Math.max(1, workers);
  }

  /** How many chunks may be in flight (submitted, not finished). */
  inFlightLimit(): number {
    return Math.min(MAX_IN_FLIGHT, PER_WORKER * this.#workers);
  }

  /**
   * Whether one more chunk may go out now, with `inFlight` (`count` of them)
   * submitted and not finished: fewer than {@link inFlightLimit} that are
   * not overdue (see {@link OVERDUE_FACTOR}).
   */
  mayLaunch(inFlight: Iterable<ChunkTiming>, count: number): boolean {
    const limit = this.inFlightLimit();
    if (count < limit) return true;
    if (count >= limit + OVERDUE_EXTRA_PER_WORKER * this.#workers || this.#itemsDone === 0) return false;
    const now = this.#now();
    // One worker's time per item, from everything finished so far.
    const msPerItem = ((this.#recentAt[this.#recentAt.length - 1] - this.#firstSubmit!) * this.#workers) / this.#itemsDone;
    let live = 0;
    for (const c of inFlight) {
      if (now - (c.submittedAt ?? now) <= OVERDUE_FACTOR * c.size * msPerItem + OVERDUE_SLACK_MS) live++;
    }
    return live < limit;
  }

  /** Size of the next chunk; `remaining` is the number of items left to submit (Infinity when unknown). */
  nextSize(remaining: number): number {
    if (this.#recentAt.length === 0) return 1;
    const last = this.#recentAt[this.#recentAt.length - 1];
    const items = this.#recentSizes.reduce((a, b) => a + b, 0);
    let size = Math.min(aimedSize(items, (last - this.#windowStart!) * this.#workers), this.#largestDone * MAX_GROWTH);
    const overallMs = (last - this.#firstSubmit!) * this.#workers;
    if (overallMs > SKEW_GUARD_ITEM_MS * this.#itemsDone) {
      size = Math.min(size, aimedSize(this.#itemsDone, overallMs, SKEW_TARGET_MS));
    }
    if (this.#outliers && this.#itemsDone > this.#baseItems) {
      // Paced from the end of the first window: the workers' first compilation of the task is not an item's time.
      const items = this.#itemsDone - this.#baseItems;
      const ms = (last - this.#baseAt) * this.#workers;
      if (ms > OUTLIER_GUARD_ITEM_MS * items) size = Math.min(size, aimedSize(items, ms, OUTLIER_TARGET_MS));
    }
    if (Number.isFinite(remaining)) size = Math.min(size, Math.max(Math.ceil(remaining / (2 * this.#workers)), Math.floor(size / 4)));
    return Math.max(1, Math.min(size, remaining));
  }

  /** Records that `chunk` was just submitted. */
  submitted(chunk: ChunkTiming): void {
    chunk.submittedAt = this.#now();
    this.#windowStart ??= chunk.submittedAt;
    this.#firstSubmit ??= chunk.submittedAt;
  }

  /**
   * Records that `chunk` finished; `inFlight` are the chunks still in flight
   * (polled here for the ones that started since the last completion).
   */
  finished(chunk: ChunkTiming, inFlight: Iterable<ChunkTiming>): void {
    const now = this.#now();
    const since = this.#lastPoll;
    const startOf = (c: ChunkTiming): number => Math.max(c.submittedAt ?? now, since);
    const ms = now - (chunk.startedAt ?? startOf(chunk));
    this.#windowStart ??= chunk.submittedAt ?? now;
    this.#firstSubmit ??= chunk.submittedAt ?? now;
    if (this.#recentAt.length === WINDOW && !this.#outliers) {
      // Judged by the pace of the window, not of the whole map: the outliers so far would raise that one.
      // Not before a window has finished: the first calls wait for the workers to compile the task.
      const windowMs = (this.#recentAt[this.#recentAt.length - 1] - this.#windowStart!) * this.#workers;
      const msPerItem = windowMs / this.#recentSizes.reduce((a, b) => a + b, 0);
      // A chunk aims at TARGET_CHUNK_MS: one that ran far longer held an outlier whatever the window's pace.
      if (ms > OUTLIER_FACTOR * Math.min(chunk.size * msPerItem, TARGET_CHUNK_MS) + OUTLIER_SLACK_MS) this.#outliers = true;
    }
    this.#itemsDone += chunk.size;
    let running = 1;
    let waiting = 0;
    for (const c of inFlight) {
      if (c === chunk) continue;
      if (c.running()) {
        running++;
        c.startedAt ??= startOf(c);
      } else {
        waiting++;
      }
    }
    this.#lastPoll = now;
    this.#recentAt.push(now);
    this.#recentSizes.push(chunk.size);
    if (this.#recentAt.length === WINDOW && this.#baseItems === Infinity) {
      this.#baseAt = now;
      this.#baseItems = this.#itemsDone;
    }
    if (this.#recentAt.length > WINDOW) {
      this.#windowStart = this.#recentAt.shift();
      this.#recentSizes.shift();
    }
    this.#largestDone = Math.max(this.#largestDone, chunk.size);
    this.#longRun = chunk.size === 1 && ms >= LONG_CHUNK_MS ? this.#longRun + 1 : 0;
    if (this.#longRun > WINDOW) {
      // After a window of long single calls, none of ours is dispatched ahead (a pool dispatches ahead
      // only calls seen to be short), so `running` counts busy workers: with some of ours still
      // queued, that is every worker; with none queued there may be more (try twice as many). Before
      // that, a call RUNNING may be one dispatched ahead behind a busy worker, which would make this
      // see workers that are not there and keep more chunks in flight, the very thing that lets a
      // huge item hold others behind it. (Chunks do not count either: one can finish late because
      // this thread was busy with the results of others, or still starting up.)
      this.#workers = waiting > 0 ? running : Math.max(this.#workers, 2 * running);
    }
  }
}
