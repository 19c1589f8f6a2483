/**
 * What an executor knows about its calls: how many are PENDING, RUNNING,
 * and done (completed, failed, cancelled), how long they waited and ran
 * (`node:perf_hooks` histograms), and whether `maxQueue` leaves room for
 * another PENDING call. Shared by every executor (the pools and
 * `InlineExecutor`), so `stats()` and `maxQueue` mean the same everywhere.
 *
 * Cost: per call, two or three `performance.now()` readings and two
 * histogram records (native, constant time, no allocation): about 0.2 µs on
 * the submitting thread (`npm run stats-cost -w @futures/bench`); the
 * histograms hold a fixed few kilobytes however many calls there are.
 */
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';
import { QueueFullError } from './errors.js';
import type { Future } from './future.js';

/** A distribution of durations, in milliseconds (all 0 while `count` is 0). */
export interface TimeSummary {
  count: number;
  mean: number;
  min: number;
  max: number;
  p50: number;
  p90: number;
  p99: number;
}

/**
 * A snapshot of an executor, from `stats()`. Calls are counted as
 * submitted: a chunk of `map` counts once.
 */
export interface ExecutorStats {
  /** Workers alive (starting, ready, or retiring). `InlineExecutor`: `maxWorkers`, or the calls running when it is unbounded. */
  workers: number;
  /** Workers with at least one call dispatched to them. `InlineExecutor`: calls running. */
  busyWorkers: number;
  /** Calls PENDING: submitted, not started (what `maxQueue` bounds). */
  queued: number;
  /** Calls RUNNING: dispatched to a worker (including those dispatched ahead), not done. */
  running: number;
  /** Calls done with a result. */
  completed: number;
  /** Calls done with an error (a crash, a timeout, an abort while running included). */
  failed: number;
  /** Calls cancelled before they started. */
  cancelled: number;
  /** The busy share of worker time since the executor was made (0..1). */
  utilization: number;
  /** From submit to RUNNING, for calls that started. */
  waitTime: TimeSummary;
  /** From RUNNING to done, for calls that started and are done. */
  runTime: TimeSummary;
}

/** The executor's worker figures, which only it knows. */
export type WorkerFigures = Pick<ExecutorStats, 'workers' | 'busyWorkers' | 'utilization'>;

/** A call as {@link CallStats} follows it: the executor keeps these two times on its own record of the call. */
export interface TrackedCall {
  /** `performance.now()` at submit. */
  submittedAt: number;
  /** `performance.now()` when it became RUNNING; -1 before. */
  startedAt: number;
}

/** Histogram values are integers: durations are recorded in microseconds, at least 1. */
const US_PER_MS = 1000;

function summarize(h: RecordableHistogram): TimeSummary {
  if (h.count === 0) return { count: 0, mean: 0, min: 0, max: 0, p50: 0, p90: 0, p99: 0 };
  return {
    count: h.count,
    mean: h.mean / US_PER_MS,
    min: h.min / US_PER_MS,
    max: h.max / US_PER_MS,
    p50: h.percentile(50) / US_PER_MS,
    p90: h.percentile(90) / US_PER_MS,
    p99: h.percentile(99) / US_PER_MS,
  };
}

function record(h: RecordableHistogram, ms: number): void {
  h.record(Math.max(1, Math.round(ms * US_PER_MS)));
}

export class CallStats {
  /** Most PENDING calls before `submit` throws `QueueFullError` (Infinity: no limit). */
  maxQueue = Infinity;
  /** Names the executor in the `QueueFullError` message. */
  where = 'executor';
  #queued = 0;
  #running = 0;
  #completed = 0;
  #failed = 0;
  #cancelled = 0;
  readonly #wait = createHistogram();
  readonly #run = createHistogram();
  /** Called (once each, on a microtask) when a PENDING call leaves and there is room again. */
  #roomWaiters: (() => void)[] = [];
  #roomScheduled = false;

  /** Whether one more PENDING call fits under `maxQueue`. */
  hasRoom(): boolean {
    return this.#queued < this.maxQueue;
  }

  /** Throws `QueueFullError` when `maxQueue` calls are PENDING already. */
  admit(): void {
    if (this.#queued >= this.maxQueue) {
      throw new QueueFullError(`${this.where}: the queue is full (maxQueue: ${this.maxQueue} calls are pending)`);
    }
  }

  /** Calls `wake` once, after a PENDING call has left (started, cancelled, failed) and there is room. */
  whenRoom(wake: () => void): void {
    this.#roomWaiters.push(wake);
    if (this.hasRoom()) this.#scheduleRoom();
  }

  /** A call was submitted (it is PENDING). Returns its `submittedAt`. */
  submitted(): number {
    this.#queued++;
    return performance.now();
  }

  /** `call` became RUNNING at `now` (`performance.now()`, which the caller often has at hand). Sets its `startedAt`. */
  started(call: TrackedCall, now = performance.now()): void {
    call.startedAt = now;
    this.#queued--;
    this.#running++;
    record(this.#wait, now - call.submittedAt);
    this.#left();
  }

  /** `call`'s future is done (`future`): counted by outcome; a call that never started leaves the queue. */
  settled(call: TrackedCall, future: Future<unknown>): void {
    if (call.startedAt < 0) {
      this.#queued--;
      this.#left();
    } else {
      this.#running--;
      record(this.#run, performance.now() - call.startedAt);
    }
    if (future.cancelled()) this.#cancelled++;
    else if (future.hasException()) this.#failed++;
    else this.#completed++;
  }

  /** The snapshot, with the executor's worker figures. */
  snapshot(workers: WorkerFigures): ExecutorStats {
    return {
      workers: workers.workers,
      busyWorkers: workers.busyWorkers,
      queued: this.#queued,
      running: this.#running,
      completed: this.#completed,
      failed: this.#failed,
      cancelled: this.#cancelled,
      utilization: workers.utilization,
      waitTime: summarize(this.#wait),
      runTime: summarize(this.#run),
    };
  }

  #left(): void {
    if (this.#roomWaiters.length > 0 && this.hasRoom()) this.#scheduleRoom();
  }

  #scheduleRoom(): void {
    if (this.#roomScheduled) return;
    this.#roomScheduled = true;
    // Never call back into a waiter (which submits) from inside the engine's dispatch loop.
    queueMicrotask(() => {
      this.#roomScheduled = false;
      const waiters = this.#roomWaiters;
      this.#roomWaiters = [];
      for (const wake of waiters) wake();
    });
  }
}
