/**
 * The `Executor` interface and the base class that gives every executor the
 * same `submit`/`map`/`with`/`shutdown` surface, argument checks and view
 * semantics. Executors implement two hooks: run one call, run one chunk.
 */
import type { TransferListItem } from 'node:worker_threads';
import { CallStats, type ExecutorStats, type WorkerFigures } from './call-stats.js';
import { carriedTransfers } from './carried-transfers.js';
import { Future } from './future.js';
import { mapCalls, splitMapArguments, type MapIterator, type MapOptions } from './map.js';

export type { MapIterator, MapOptions };
import {
  rejectUnknownOptions,
  validateArray,
  validateFunction,
  validateOptionsObject,
  validateSignal,
  validateTimeout,
} from './validate.js';

/** Options carried by every call made through a `with(...)` view. */
export interface CallOptions {
  /** Aborts the call: before it starts the future is CANCELLED; while it runs its worker is ended and the future fails with `signal.reason`. */
  signal?: AbortSignal;
  /** Limit on running time in ms: past it the worker is ended and the future fails with `TimeoutError`. */
  timeout?: number;
  /** Transfer list (ArrayBuffers, MessagePorts) for transports that can move memory; others ignore it. */
  transfer?: TransferListItem[];
  /**
   * Receives each `reportProgress(value)` the call makes while it runs
   * (`value` as the transport's codec carries it). One that throws is
   * reported with `process.emitWarning`; the call and the executor go on.
   * Cost: one message per report; calls without it pay nothing.
   */
  onProgress?: (value: any) => void;
}

export interface ShutdownOptions {
  /** Resolve only when pending work is done and every worker has exited (default true). */
  wait?: boolean;
  /** Cancel every call that has not started yet (default false). */
  cancelFutures?: boolean;
}

export type Task = (...args: any[]) => any;

/** The contract shared by every executor. */
export interface Executor {
  /** Schedules `fn(...args)` and returns a Future for its result. */
  submit<F extends Task>(fn: F, ...args: Parameters<F>): Future<Awaited<ReturnType<F>>>;
  /**
   * `fn` applied to the zipped items of `iterables` (sync or async), results in input order.
   * The last argument is options when it is a non-iterable object. Each iterable's items
   * must fit the parameter at its position; `await pool.map(...).toArray()` collects them.
   */
  map<F extends Task>(fn: F, ...iterablesThenOptions: MapArguments<Parameters<F>>): MapIterator<Awaited<ReturnType<F>>>;
  /** A view of this executor whose calls carry `options`. */
  with(options: CallOptions): Executor;
  /** Stops accepting calls; see {@link ShutdownOptions}. Idempotent. */
  shutdown(options?: ShutdownOptions): Promise<void>;
  /** `shutdown({ wait: true })`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** One iterable (sync or async) per parameter type in `P`. */
type IterablesFor<P extends readonly unknown[]> = { [K in keyof P]: Iterable<P[K]> | AsyncIterable<P[K]> };

/** The prefixes of tuple `T` (`[]`, `[a]`, `[a, b]`, ...), so that optional parameters may go without an iterable. */
type Prefixes<T extends readonly unknown[], Done extends unknown[] = []> = T extends readonly [infer Head, ...infer Rest]
  ? Done | Prefixes<Rest, [...Done, Head]>
  : Done;

/** Iterables for the parameters `P` (one per parameter, up to the optional ones), then perhaps options. */
type IterablesThenOptions<P extends readonly unknown[]> = P extends unknown ? IterablesFor<P> | [...IterablesFor<P>, MapOptions] : never;

/**
 * The arguments of `map(fn, ...)` for a function with parameters `P`: one
 * iterable per parameter (the optional ones may be left out, a rest parameter
 * takes any number), each yielding that parameter's type, optionally followed
 * by {@link MapOptions}. Without `P`: any iterables.
 */
export type MapArguments<P extends readonly unknown[] = unknown[]> = number extends P['length']
  ? IterablesThenOptions<P>
  : IterablesThenOptions<Extract<Prefixes<Required<P>>, P>>;

const CALL_OPTION_KEYS = ['signal', 'timeout', 'transfer', 'onProgress'] as const;
const SHUTDOWN_OPTION_KEYS = ['wait', 'cancelFutures'] as const;

/** Validates `with(...)` options once, when the view is made. */
export function validateCallOptions(options: unknown, where: string): CallOptions {
  const o = validateOptionsObject<CallOptions>(options, where);
  rejectUnknownOptions(o, CALL_OPTION_KEYS, where);
  const out: CallOptions = {};
  if (o.signal !== undefined) out.signal = validateSignal(o.signal, `${where}: signal`);
  const timeout = validateTimeout(o.timeout, `${where}: timeout`);
  if (timeout !== undefined) out.timeout = timeout;
  if (o.transfer !== undefined) out.transfer = validateArray(o.transfer, `${where}: transfer`) as TransferListItem[];
  if (o.onProgress !== undefined) {
    validateFunction(o.onProgress, `${where}: onProgress`);
    out.onProgress = o.onProgress;
  }
  return out;
}

/** Validates `shutdown(...)` options. */
export function validateShutdownOptions(options: unknown): Required<ShutdownOptions> {
  const o = validateOptionsObject<ShutdownOptions>(options, 'shutdown()');
  rejectUnknownOptions(o, SHUTDOWN_OPTION_KEYS, 'shutdown()');
  for (const key of SHUTDOWN_OPTION_KEYS) {
    if (o[key] !== undefined && typeof o[key] !== 'boolean') {
      throw new TypeError(`shutdown(): ${key} must be a boolean, got ${typeof o[key]}`);
    }
  }
  return { wait: o.wait ?? true, cancelFutures: o.cancelFutures ?? false };
}

const NO_OPTIONS: CallOptions = Object.freeze({});

/**
 * Base of every executor. Subclasses implement {@link ExecutorBase.submitCall}
 * and {@link ExecutorBase.submitChunk} (both receive validated input) and
 * {@link ExecutorBase.shutdown}.
 */
export abstract class ExecutorBase implements Executor {
  /** Maps with input read but not submitted yet: each flushes it before this executor shuts down. */
  readonly #beforeShutdown = new Set<() => void>();
  /** Calls by state, their wait and run times, and `maxQueue` (subclasses set it from their options). */
  protected readonly callStats = new CallStats();

  /**
   * The future of a call whose signal was aborted before it was submitted:
   * CANCELLED at once, and counted in `stats()` as a call submitted and
   * cancelled before it started, so that the outcomes add up to the calls.
   */
  protected cancelledAtSubmit(): Future<unknown> {
    const future = new Future<unknown>();
    const call = { submittedAt: this.callStats.submitted(), startedAt: -1 };
    future.cancel();
    this.callStats.settled(call, future);
    return future;
  }

  /**
   * Whether a map without `chunksize` sizes its chunks from measured call
   * times (true: pools, where each message costs a round trip) or sends
   * items one by one (false: executors that run calls in this thread).
   */
  protected adaptiveMap(): boolean {
    return true;
  }

  /** The most calls that run at once, which sizes a map's chunks in flight; undefined: unknown (map guesses). */
  protected mapWorkers(): number | undefined {
    return undefined;
  }

  /**
   * Schedules one call. `fn` is known to be a function; implementations
   * throw `ShutdownError` / the broken error when they cannot take it.
   */
  protected abstract submitCall(fn: Task, args: unknown[], options: CallOptions): Future<unknown>;

  /**
   * Schedules `fn` over a chunk of calls, one message and one future for the
   * whole chunk: `columns[i][j]` is argument i of call j.
   */
  protected abstract submitChunk(fn: Task, columns: unknown[][], options: CallOptions): Future<unknown[]>;

  /** The worker figures of {@link ExecutorBase.stats}: how many workers, how many busy, and their busy share of time. */
  protected abstract workerFigures(): WorkerFigures;

  /**
   * A snapshot of this executor: workers, calls by state, utilization, and
   * how long calls waited and ran (ms; see {@link ExecutorStats}). Cheap
   * enough to leave on: every call is counted and timed whether or not this
   * is ever called (two or three clock readings and two histogram records per
   * call, about 0.25 µs: a few percent of a burst of calls that do nothing,
   * nothing next to calls that do work; `npm run stats-cost -w @futures/bench`);
   * the snapshot itself reads the histograms' percentiles.
   */
  stats(): ExecutorStats {
    return this.callStats.snapshot(this.workerFigures());
  }

  /** Throws if `fn` cannot be used with this executor (not a function, native, ...). */
  protected abstract checkTask(fn: unknown, argName: string): void;

  /**
   * Throws `ShutdownError` after shutdown (or the broken error of a broken
   * pool). Checked before `maxQueue`, as Python checks shutdown first: a
   * full queue must not hide that the executor takes no more calls. The
   * default does nothing (an executor of your own then reports shutdown from
   * `submitCall` only, after the queue bound).
   */
  protected checkOpen(): void {}

  /**
   * The executor's own shutdown (see {@link ExecutorBase.shutdown}), called
   * with validated options once every map has submitted what it holds.
   */
  protected abstract shutdownExecutor(options: Required<ShutdownOptions>): Promise<void>;

  /**
   * Stops accepting calls. Calls already submitted still run unless
   * `cancelFutures`; with `wait` (default) resolves when they are done and
   * every worker has exited. Idempotent.
   *
   * Python's map has submitted every call before it returns, so `shutdown()`
   * runs them all. A map here may hold items it read but has not submitted
   * (it sends chunks as it learns their size), so each map submits them
   * first, however shutdown is reached (a view, `Symbol.asyncDispose`).
   */
  shutdown(options?: ShutdownOptions): Promise<void> {
    const validated = validateShutdownOptions(options);
    for (const flush of [...this.#beforeShutdown]) flush();
    this.#beforeShutdown.clear();
    return this.shutdownExecutor(validated);
  }

  submit<F extends Task>(fn: F, ...args: Parameters<F>): Future<Awaited<ReturnType<F>>> {
    this.checkTask(fn, 'submit(): fn');
    this.checkOpen();
    this.callStats.admit();
    return this.submitCall(fn, args, NO_OPTIONS) as Future<Awaited<ReturnType<F>>>;
  }

  map<F extends Task>(fn: F, ...iterablesThenOptions: MapArguments<Parameters<F>>): MapIterator<Awaited<ReturnType<F>>> {
    return this.mapWith(fn, iterablesThenOptions as unknown[], NO_OPTIONS) as MapIterator<Awaited<ReturnType<F>>>;
  }

  with(options: CallOptions): Executor {
    return new ExecutorView(this, validateCallOptions(options, 'with()'));
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown({ wait: true });
  }

  /** @internal Used by views. */
  submitWith(fn: Task, args: unknown[], options: CallOptions): Future<unknown> {
    this.checkTask(fn, 'submit(): fn');
    this.checkOpen();
    this.callStats.admit();
    return this.submitCall(fn, args, options);
  }

  /** @internal Used by `map` and by views. */
  mapWith(fn: Task, rest: unknown[], options: CallOptions): MapIterator<unknown> {
    this.checkTask(fn, 'map(): fn');
    const { iterables, mapOptions } = splitMapArguments(rest);
    // After the arguments' own errors, as for submit; a map that would wait for room must not hide it either.
    this.checkOpen();
    // A transfer list goes to each call as the part of it that the call's own items carry (carried-transfers.ts).
    const { transfer } = options;
    const optionsFor = (values: unknown[]): CallOptions =>
      transfer === undefined ? options : { ...options, transfer: carriedTransfers(transfer, values) };
    return mapCalls(
      {
        call: (args) => this.submitCall(fn, args, optionsFor(args)),
        chunk: (columns) => this.submitChunk(fn, columns, optionsFor(columns.flat())),
        adaptive: this.adaptiveMap(),
        workers: this.mapWorkers(),
        // map waits for room under maxQueue rather than failing (its own flush at shutdown goes past it:
        // those items are read already, and shutdown runs every call submitted before it).
        hasRoom: () => this.callStats.hasRoom(),
        bounded: this.callStats.maxQueue !== Infinity,
        whenRoom: (wake) => this.callStats.whenRoom(wake),
        beforeShutdown: (flush) => {
          this.#beforeShutdown.add(flush);
          return () => this.#beforeShutdown.delete(flush);
        },
      },
      iterables,
      mapOptions,
    );
  }
}

/** What `executor.with(options)` returns: the same executor, with per-call options. */
class ExecutorView implements Executor {
  readonly #base: ExecutorBase;
  readonly #options: CallOptions;

  constructor(base: ExecutorBase, options: CallOptions) {
    this.#base = base;
    this.#options = options;
  }

  submit<F extends Task>(fn: F, ...args: Parameters<F>): Future<Awaited<ReturnType<F>>> {
    return this.#base.submitWith(fn, args, this.#options) as Future<Awaited<ReturnType<F>>>;
  }

  map<F extends Task>(fn: F, ...iterablesThenOptions: MapArguments<Parameters<F>>): MapIterator<Awaited<ReturnType<F>>> {
    return this.#base.mapWith(fn, iterablesThenOptions as unknown[], this.#options) as MapIterator<Awaited<ReturnType<F>>>;
  }

  with(options: CallOptions): Executor {
    return new ExecutorView(this.#base, { ...this.#options, ...validateCallOptions(options, 'with()') });
  }

  shutdown(options?: ShutdownOptions): Promise<void> {
    return this.#base.shutdown(options);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.#base.shutdown({ wait: true });
  }
}
