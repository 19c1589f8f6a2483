/**
 * `Executor.map`: Python's `Executor.map` over sync or async iterables.
 *
 * Contract (API.md): results come in input order; iterables are zipped and
 * stop at the shortest; without `buffersize` a sync input is read and every
 * call submitted before `map` returns, and an async input is read in the
 * background as fast as it yields; with `buffersize`, at most that many
 * submitted calls (chunks) run ahead of the consumer and the input is read
 * lazily. `timeout` counts from the `map` call. When the consumer stops early
 * or an item throws, every pending call is cancelled.
 */
import { TimeoutError } from './errors.js';
import type { Future } from './future.js';
import { setLongTimeout } from './long-timer.js';
import { Queue } from './queue.js';
import { describeValue, rejectUnknownOptions, validateInteger, validateTimeout } from './validate.js';

export interface MapOptions {
  /** Milliseconds from the `map` call after which the iterator throws `TimeoutError`. */
  timeout?: number;
  /** Items per message to a worker (default 1). */
  chunksize?: number;
  /** At most this many submitted calls (chunks) ahead of the consumer; the input is then read lazily. */
  buffersize?: number;
}

/**
 * What `map` returns: an async iterator over the results in input order,
 * plus {@link MapIterator.toArray}.
 *
 * It is not a sync iterable: `Array.from(pool.map(…))`, `[...pool.map(…)]`
 * and `for (… of pool.map(…))` do not compile, and in JavaScript they throw a
 * TypeError saying what to write instead (rather than silently seeing no
 * results).
 */
export interface MapIterator<R> extends AsyncIterableIterator<R> {
  /**
   * Every result, in input order, once all are in (Node 20 has no
   * `Array.fromAsync`). Rejects as the iteration would: with the first
   * failed call's error (the calls not started yet are cancelled) or with
   * `TimeoutError` when map's timeout passes. Holds all results in memory.
   */
  toArray(): Promise<R[]>;
}

/** How `mapCalls` schedules work on its executor. */
export interface MapHost {
  call(args: unknown[]): Future<unknown>;
  /** One message for many calls: `columns[i][j]` is argument i of call j (one column per iterable). */
  chunk(columns: unknown[][]): Future<unknown[]>;
}

type AnyIterable = Iterable<unknown> | AsyncIterable<unknown>;

const MAP_OPTION_KEYS = ['timeout', 'chunksize', 'buffersize'] as const;

function isSyncIterable(value: unknown): value is Iterable<unknown> {
  return value != null && typeof (value as Iterable<unknown>)[Symbol.iterator] === 'function';
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return value != null && typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';
}

/** Splits `map`'s rest arguments into iterables and options, checking each. */
export function splitMapArguments(rest: unknown[]): { iterables: AnyIterable[]; mapOptions: Required<Pick<MapOptions, 'chunksize'>> & MapOptions } {
  let options: MapOptions = {};
  let items = rest;
  const last = rest[rest.length - 1];
  if (rest.length > 0 && typeof last === 'object' && last !== null && !isSyncIterable(last) && !isAsyncIterable(last)) {
    options = last as MapOptions;
    items = rest.slice(0, -1);
  }
  if (items.length === 0) throw new TypeError('map() needs at least one iterable after fn');
  items.forEach((it, i) => {
    if (!isSyncIterable(it) && !isAsyncIterable(it)) {
      throw new TypeError(`map(): argument ${i + 2} must be an iterable or async iterable, got ${describeValue(it)}`);
    }
  });
  rejectUnknownOptions(options, MAP_OPTION_KEYS, 'map()');
  const timeout = validateTimeout(options.timeout, 'map(): timeout');
  const chunksize = options.chunksize === undefined ? 1 : validateInteger(options.chunksize, 'map(): chunksize', 1);
  const buffersize = options.buffersize === undefined ? undefined : validateInteger(options.buffersize, 'map(): buffersize', 1);
  return { iterables: items as AnyIterable[], mapOptions: { timeout, chunksize, buffersize } };
}

/** Reads zipped rows from sync iterables; `undefined` when the shortest ends. */
class SyncZip {
  readonly #its: Iterator<unknown>[];
  constructor(iterables: Iterable<unknown>[]) {
    this.#its = iterables.map((it) => it[Symbol.iterator]());
  }
  next(): unknown[] | undefined {
    const row = new Array<unknown>(this.#its.length);
    for (let i = 0; i < this.#its.length; i++) {
      const r = this.#its[i].next();
      if (r.done) {
        this.close(i);
        return undefined;
      }
      row[i] = r.value;
    }
    return row;
  }
  /**
   * Reads up to `n` rows straight into columns (one per iterable), so a chunk
   * costs no array per item; `ended` is set when the shortest input ends.
   */
  nextColumns(n: number): unknown[][] {
    const its = this.#its;
    const columns = its.map(() => [] as unknown[]);
    for (let count = 0; count < n; count++) {
      for (let i = 0; i < its.length; i++) {
        const r = its[i].next();
        if (r.done) {
          for (let j = 0; j < i; j++) columns[j].pop();
          this.close(i);
          this.ended = true;
          return columns;
        }
        columns[i].push(r.value);
      }
    }
    return columns;
  }
  ended = false;
  /** Closes every iterator except `except` (which ended by itself). */
  close(except = -1): void {
    this.#its.forEach((it, i) => {
      if (i !== except) it.return?.();
    });
  }
}

/** Reads zipped rows from async (or mixed) iterables. */
class AsyncZip {
  readonly #its: (Iterator<unknown> | AsyncIterator<unknown>)[];
  constructor(iterables: AnyIterable[]) {
    this.#its = iterables.map((it) => (isAsyncIterable(it) ? it[Symbol.asyncIterator]() : it[Symbol.iterator]()));
  }
  async next(): Promise<unknown[] | undefined> {
    const row = new Array<unknown>(this.#its.length);
    for (let i = 0; i < this.#its.length; i++) {
      const r = await this.#its[i].next();
      if (r.done) {
        await this.close(i);
        return undefined;
      }
      row[i] = r.value;
    }
    return row;
  }
  async close(except = -1): Promise<void> {
    await Promise.all(this.#its.map((it, i) => (i === except ? undefined : it.return?.())));
  }
}

/** Rows (argument lists) to columns (one array per argument position). */
function toColumns(rows: unknown[][]): unknown[][] {
  return rows[0].map((_, i) => rows.map((row) => row[i]));
}

/** One submitted unit: a single call, or a chunk whose result is an array. */
interface Unit {
  future: Future<unknown>;
  chunk: boolean;
}

/**
 * Schedules `host` calls for the zipped `iterables` and returns an iterator
 * over their results in input order.
 */
export function mapCalls(host: MapHost, iterables: AnyIterable[], options: MapOptions & { chunksize: number }): MapIterator<unknown> {
  return new MapCalls(host, iterables, options);
}

class MapCalls implements MapIterator<unknown> {
  readonly #host: MapHost;
  readonly #chunksize: number;
  readonly #buffersize: number | undefined;
  readonly #deadline: number | undefined;
  readonly #timeout: number | undefined;
  readonly #sync: SyncZip | undefined;
  readonly #async: AsyncZip | undefined;
  /** Submitted units not yet handed to the consumer, in input order. */
  readonly #pending = new Queue<Unit>();
  /** Results of the chunk being handed out. */
  #values: unknown[] = [];
  #valueIndex = 0;
  #inputEnded = false;
  #inputError: { error: unknown } | undefined;
  #finished = false;
  /** Wakes a consumer waiting for the background reader. */
  #wake: (() => void) | undefined;
  /** Serializes concurrent next() calls. */
  #tail: Promise<unknown> = Promise.resolve();
  /** No next() is under way, so the fast path may hand out a value without waiting behind one. */
  #tailIdle = true;

  constructor(host: MapHost, iterables: AnyIterable[], options: MapOptions & { chunksize: number }) {
    this.#host = host;
    this.#chunksize = options.chunksize;
    this.#buffersize = options.buffersize;
    this.#timeout = options.timeout;
    this.#deadline = options.timeout === undefined ? undefined : performance.now() + options.timeout;
    if (iterables.every((it) => isSyncIterable(it))) {
      this.#sync = new SyncZip(iterables as Iterable<unknown>[]);
      const limit = this.#buffersize ?? Infinity;
      try {
        while (this.#pending.length < limit && this.#submitSync()) {
          // Python submits everything before map() returns.
        }
      } catch (error) {
        this.#cancelPending();
        throw error;
      }
    } else {
      this.#async = new AsyncZip(iterables);
      if (this.#buffersize === undefined) void this.#readInBackground();
    }
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /**
   * Not in {@link MapIterator}'s type, so TypeScript already refuses sync
   * iteration; this is for JavaScript, where `Array.from` would return `[]`.
   */
  [Symbol.iterator](): never {
    throw new TypeError(
      'map() returns an async iterator: read it with for await (const x of pool.map(...)) or await pool.map(...).toArray(); ' +
        'Array.from(), spreading and for...of cannot see its results',
    );
  }

  async toArray(): Promise<unknown[]> {
    const out: unknown[] = [];
    for await (const value of this) out.push(value);
    return out;
  }

  next(): Promise<IteratorResult<unknown>> {
    // Fast path: the rest of a chunk that already arrived.
    if (this.#valueIndex < this.#values.length && this.#tailIdle) {
      const value = this.#values[this.#valueIndex];
      this.#values[this.#valueIndex++] = undefined;
      return Promise.resolve({ value, done: false });
    }
    const result = this.#tail.then(() => this.#next());
    this.#tailIdle = false;
    this.#tail = result.then(
      () => {
        this.#tailIdle = true;
      },
      () => {
        this.#tailIdle = true;
      },
    );
    return result;
  }

  async return(value?: unknown): Promise<IteratorResult<unknown>> {
    this.#stop();
    return { value, done: true };
  }

  async throw(error?: unknown): Promise<IteratorResult<unknown>> {
    this.#stop();
    throw error;
  }

  async #next(): Promise<IteratorResult<unknown>> {
    if (this.#finished) return { value: undefined, done: true };
    if (this.#valueIndex < this.#values.length) {
      const value = this.#values[this.#valueIndex];
      this.#values[this.#valueIndex++] = undefined;
      return { value, done: false };
    }
    try {
      if (this.#async !== undefined && this.#buffersize !== undefined) this.#fillAsync();
      while (this.#pending.length === 0) {
        if (this.#inputEnded) {
          if (this.#inputError !== undefined) throw this.#inputError.error;
          this.#finish();
          return { value: undefined, done: true };
        }
        await this.#waitForInput();
      }
      const unit = this.#pending.peek()!;
      const value = await this.#resultOf(unit.future);
      this.#pending.shift();
      if (this.#sync !== undefined && this.#buffersize !== undefined && !this.#inputEnded) this.#submitSync();
      if (this.#async !== undefined && this.#buffersize !== undefined) this.#fillAsync();
      if (!unit.chunk) return { value, done: false };
      this.#values = value as unknown[];
      this.#valueIndex = 0;
      return this.#next();
    } catch (error) {
      this.#stop();
      throw error;
    }
  }

  /** Reads one unit from the sync input and submits it; false when the input is exhausted. */
  #submitSync(): boolean {
    const zip = this.#sync!;
    if (this.#chunksize === 1) {
      const row = zip.next();
      if (row === undefined) {
        this.#inputEnded = true;
        return false;
      }
      this.#pending.push({ future: this.#host.call(row), chunk: false });
      return true;
    }
    const columns = zip.nextColumns(this.#chunksize);
    if (zip.ended) this.#inputEnded = true;
    if (columns[0].length > 0) this.#pending.push({ future: this.#host.chunk(columns), chunk: true });
    return !this.#inputEnded;
  }

  /** Reads one unit from the async input and submits it; false when the input is exhausted. */
  async #submitAsync(): Promise<boolean> {
    const chunk: unknown[][] = [];
    let row: unknown[] | undefined;
    try {
      while (chunk.length < this.#chunksize && !this.#finished && (row = await this.#async!.next()) !== undefined) chunk.push(row);
    } catch (error) {
      this.#inputError = { error };
      row = undefined;
    }
    if (this.#finished) return false;
    if (row === undefined) this.#inputEnded = true;
    if (chunk.length > 0) {
      this.#pending.push(
        this.#chunksize === 1 ? { future: this.#host.call(chunk[0]), chunk: false } : { future: this.#host.chunk(toColumns(chunk)), chunk: true },
      );
    }
    this.#wake?.();
    return !this.#inputEnded;
  }

  async #readInBackground(): Promise<void> {
    try {
      while (!this.#finished && (await this.#submitAsync())) {
        // As fast as the input yields.
      }
    } catch (error) {
      // A submit that throws (shutdown, broken pool) ends the input with that error.
      this.#inputError = { error };
      this.#inputEnded = true;
      this.#wake?.();
    }
  }

  /** The background read that keeps `buffersize` units submitted, if one is under way. */
  #filling: Promise<void> | undefined;

  /**
   * Tops the buffer up in the background; the consumer waits on `#waitForInput`
   * (which keeps map's deadline) rather than on a slow input.
   */
  #fillAsync(): void {
    if (this.#filling !== undefined) return;
    this.#filling = (async () => {
      try {
        while (!this.#inputEnded && !this.#finished && this.#pending.length < this.#buffersize!) {
          await this.#submitAsync();
        }
      } catch (error) {
        // A submit that throws (shutdown, broken pool) ends the input with that error.
        this.#inputError = { error };
        this.#inputEnded = true;
        this.#wake?.();
      } finally {
        this.#filling = undefined;
      }
    })();
  }

  #waitForInput(): Promise<void> {
    return this.#withDeadline(new Promise<void>((resolve) => (this.#wake = resolve))).finally(() => {
      this.#wake = undefined;
    });
  }

  async #resultOf(future: Future<unknown>): Promise<unknown> {
    if (this.#deadline === undefined || future.done()) return future.result();
    return this.#withDeadline(future.result());
  }

  /** Rejects with map's TimeoutError when the deadline passes first. */
  #withDeadline<T>(promise: Promise<T>): Promise<T> {
    if (this.#deadline === undefined) return promise;
    const remaining = this.#deadline - performance.now();
    return new Promise<T>((resolve, reject) => {
      const timer = setLongTimeout(() => reject(new TimeoutError(`map() timed out after ${this.#timeout} ms`)), Math.max(0, remaining));
      promise.then(
        (v) => {
          timer.clear();
          resolve(v);
        },
        (e) => {
          timer.clear();
          reject(e);
        },
      );
    });
  }

  #cancelPending(): void {
    // Shift before cancelling: a cancel runs done callbacks, which must not see the queue mid-walk.
    let unit: Unit | undefined;
    while ((unit = this.#pending.shift()) !== undefined) unit.future.cancel();
  }

  #finish(): void {
    this.#finished = true;
    this.#values = [];
  }

  /** The consumer stopped or an item failed: cancel what has not started and close the input. */
  #stop(): void {
    if (this.#finished) return;
    this.#finish();
    this.#cancelPending();
    if (!this.#inputEnded) {
      this.#inputEnded = true;
      this.#sync?.close();
      void this.#async?.close().catch(() => {});
    }
    this.#wake?.();
  }
}
