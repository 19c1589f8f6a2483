/**
 * `Executor.map`: Python's `Executor.map` over sync or async iterables.
 *
 * Contract: results come in input order; iterables are zipped and
 * stop at the shortest; without `buffersize` a sync input is read and every
 * call submitted before `map` returns, and an async input is read in the
 * background as fast as it yields; with `buffersize`, at most that many
 * submitted calls run ahead of the consumer and the input is read lazily
 * (a call per item, or per chunk with `chunksize`: automatic chunks are for
 * inputs read whole). `timeout` counts from the `map` call. When the
 * consumer stops early or an item throws, every pending call is cancelled.
 */
import type { Future } from './future.js';
import { AdaptiveChunker, type ChunkTiming } from './chunking.js';
import { ColumnBuffer } from './column-buffer.js';
import { isSyncIterable, type AnyIterable, type MapOptions } from './map-arguments.js';
import { MapDeadline } from './map-deadline.js';
import { AsyncZip, SyncZip, toColumns } from './map-input.js';
import { Queue } from './queue.js';

export { splitMapArguments, type MapOptions } from './map-arguments.js';

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
  /** Whether a map without `chunksize` sizes its chunks itself (pools); false: one item per call (in-thread executors). */
  adaptive?: boolean;
  /** The most calls the executor runs at once, when it knows (a pool's `maxWorkers`); default: map guesses. */
  workers?: number;
  /**
   * Registers `flush`, which submits every item map has read but not sent,
   * to run before the executor shuts down (so `shutdown()` runs them, as it
   * runs every call submitted before it). Returns the unregistration.
   */
  beforeShutdown?(flush: () => void): () => void;
  /** Whether the executor takes one more PENDING call now (`maxQueue`); default: always. */
  hasRoom?(): boolean;
  /**
   * The executor has a `maxQueue`: a map waits for room, and so reads an
   * async input only as far as it can send it. Without one the input is read
   * as fast as it yields.
   */
  bounded?: boolean;
  /** Calls `wake` once, when there may be room again. */
  whenRoom?(wake: () => void): void;
  /** Clock in ms for the chunk sizes (tests pass a fake one); default `performance.now`. */
  now?: () => number;
}

/** One submitted unit: a single call, or a chunk whose result is an array. */
class Unit implements ChunkTiming {
  submittedAt?: number;
  startedAt?: number;
  constructor(
    readonly future: Future<unknown>,
    readonly chunk: boolean,
    readonly size: number,
  ) {}
  running(): boolean {
    return this.future.state !== 'PENDING';
  }
}

/**
 * Schedules `host` calls for the zipped `iterables` and returns an iterator
 * over their results in input order.
 */
export function mapCalls(host: MapHost, iterables: AnyIterable[], options: MapOptions): MapIterator<unknown> {
  return new MapCalls(host, iterables, options);
}

class MapCalls implements MapIterator<unknown> {
  readonly #host: MapHost;
  /** Items per unit when `chunksize` was given (or the host sends items one by one). */
  readonly #chunksize: number;
  /** Sizes the units when `chunksize` was not given; undefined with an explicit one. */
  readonly #chunker: AdaptiveChunker | undefined;
  /** With the chunker: rows read but not submitted yet. */
  readonly #rows: ColumnBuffer | undefined;
  /** With the chunker: submitted units not finished yet. */
  readonly #inFlight = new Set<Unit>();
  /** With the chunker: a unit failed or was cancelled, so no more are submitted (the consumer will stop there). */
  #halted = false;
  /** With the chunker: the background read of an async input is under way. */
  #reading = false;
  /**
   * Without the chunker or `buffersize`, an async input: the unit read but
   * not submitted yet, while the executor has no room (maxQueue); a shutdown
   * submits it first. At most one: the input is read on only once it has
   * gone, so maxQueue bounds what a map reads ahead (an endless input would
   * otherwise be read into memory, and one that yields without the event
   * loop would starve it).
   */
  #held: unknown[][] | undefined;
  /** The background read waits for the held unit to go. */
  #heldGone: (() => void) | undefined;
  /** What waits for room under the executor's maxQueue. */
  #roomThens: (() => void)[] = [];
  /** Removes this map's flush from the executor's shutdown. */
  #unregister: (() => void) | undefined;
  readonly #buffersize: number | undefined;
  readonly #deadline: MapDeadline | undefined;
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

  constructor(host: MapHost, iterables: AnyIterable[], options: MapOptions) {
    this.#host = host;
    this.#chunksize = options.chunksize ?? 1;
    this.#buffersize = options.buffersize;
    this.#deadline = options.timeout === undefined ? undefined : new MapDeadline(options.timeout);
    // With buffersize and no chunksize, buffersize counts calls, one per item, as in Python (API.md): chunks
    // sized on the fly would read far more items ahead of the consumer than it asked for.
    if (options.chunksize === undefined && options.buffersize === undefined && host.adaptive !== false) {
      this.#chunker = new AdaptiveChunker(host.now, host.workers);
      this.#rows = new ColumnBuffer(iterables.length);
    }
    if (iterables.every((it) => isSyncIterable(it))) {
      this.#sync = new SyncZip(iterables as Iterable<unknown>[]);
      try {
        if (this.#chunker === undefined) {
          // Python submits everything before map() returns (here as much as maxQueue lets in; the rest as room appears).
          this.#pumpSync();
        } else {
          // As Python, the whole input is read now; the calls go out as the chunk sizes are learned,
          // and an executor that shuts down first submits what is left (see #flush).
          this.#rows!.append(this.#sync.readAll());
          this.#inputEnded = true;
          this.#pumpAuto();
          this.#registerFlush();
        }
      } catch (error) {
        this.#finish();
        this.#cancelPending();
        throw error;
      }
    } else {
      this.#async = new AsyncZip(iterables);
      if (this.#chunker !== undefined) {
        this.#registerFlush();
        void this.#readRows();
      } else if (this.#buffersize === undefined) {
        void this.#readInBackground();
      }
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
      if (this.#chunker !== undefined) this.#kickAuto();
      else if (this.#async !== undefined && this.#buffersize !== undefined) this.#fillAsync();
      while (this.#pending.length === 0) {
        if (this.#inputEnded && !(this.#rows !== undefined && this.#rows.length > 0) && this.#held === undefined) {
          if (this.#inputError !== undefined) throw this.#inputError.error;
          this.#finish();
          return { value: undefined, done: true };
        }
        await this.#waitForInput();
      }
      const unit = this.#pending.peek()!;
      const value = await this.#resultOf(unit.future);
      this.#pending.shift();
      if (this.#chunker === undefined && this.#buffersize !== undefined) {
        if (this.#sync !== undefined && !this.#inputEnded) this.#pumpSync();
        if (this.#async !== undefined) this.#fillAsync();
      }
      if (!unit.chunk) return { value, done: false };
      this.#values = value as unknown[];
      this.#valueIndex = 0;
      return this.#next();
    } catch (error) {
      this.#stop();
      throw error;
    }
  }

  /** Whether the executor takes one more PENDING call (maxQueue). */
  #hasRoom(): boolean {
    return this.#host.hasRoom?.() !== false;
  }

  /** Calls `then` once the executor has room again (one wait with the executor however many; `then` checks whether the map still runs). */
  #awaitRoom(then: () => void): void {
    this.#roomThens.push(then);
    if (this.#roomThens.length > 1) return;
    this.#host.whenRoom!(() => {
      const thens = this.#roomThens;
      this.#roomThens = [];
      for (const f of thens) f();
    });
  }

  /**
   * Without the chunker: submits units from the sync input while there is
   * room (and within `buffersize`). Waiting for room, it asks the executor
   * to let it submit the rest before a shutdown, as Python's map has
   * submitted every call by then.
   */
  #pumpSync(force = false): void {
    const limit = this.#buffersize ?? Infinity;
    while (!this.#finished && !this.#inputEnded && this.#pending.length < limit) {
      if (!force && !this.#hasRoom()) {
        this.#unregister ??= this.#host.beforeShutdown?.(() => {
          this.#unregister = undefined;
          this.#pumpSyncOrEnd(true);
        });
        this.#awaitRoom(() => {
          this.#pumpSyncOrEnd(false);
          this.#wake?.();
        });
        return;
      }
      if (!this.#submitSync()) break;
    }
    if (this.#inputEnded) this.#unregisterFlush();
  }

  /** {@link #pumpSync}; a submit that throws (shutdown, broken pool) ends the input there. */
  #pumpSyncOrEnd(force: boolean): void {
    try {
      this.#pumpSync(force);
    } catch (error) {
      this.#endInput(error);
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
      this.#pending.push(new Unit(this.#host.call(row), false, 1));
      return true;
    }
    const columns = zip.nextColumns(this.#chunksize);
    if (zip.ended) this.#inputEnded = true;
    if (columns[0].length > 0) this.#pending.push(new Unit(this.#host.chunk(columns), true, columns[0].length));
    return !this.#inputEnded;
  }

  /**
   * Reads up to `chunksize` rows from the async input. At its end the input
   * is marked ended; an error it threw is kept, to come after these rows.
   */
  async #readUnit(): Promise<unknown[][]> {
    const unit: unknown[][] = [];
    let row: unknown[] | undefined;
    try {
      while (unit.length < this.#chunksize && !this.#finished && (row = await this.#async!.next()) !== undefined) unit.push(row);
    } catch (error) {
      this.#inputError = { error };
      row = undefined;
    }
    if (row === undefined) this.#inputEnded = true;
    return unit;
  }

  /** Submits one unit read from the async input (a call, or a chunk with `chunksize`). */
  #submitUnit(unit: unknown[][]): void {
    this.#pending.push(this.#chunksize === 1 ? new Unit(this.#host.call(unit[0]), false, 1) : new Unit(this.#host.chunk(toColumns(unit)), true, unit.length));
  }

  /** Reads one unit from the async input and submits it once there is room; false when the input is exhausted. */
  async #submitAsync(): Promise<boolean> {
    const unit = await this.#readUnit();
    if (this.#finished) return false;
    while (unit.length > 0 && !this.#hasRoom() && !this.#finished) await new Promise<void>((resolve) => this.#awaitRoom(resolve));
    if (this.#finished) return false;
    if (unit.length > 0) this.#submitUnit(unit);
    this.#wake?.();
    return !this.#inputEnded;
  }

  /** Without `buffersize`: reads the async input as fast as it yields, and submits each unit as room allows. */
  async #readInBackground(): Promise<void> {
    while (!this.#finished && !this.#inputEnded) {
      if (this.#held !== undefined) {
        await new Promise<void>((resolve) => (this.#heldGone = resolve));
        continue;
      }
      const unit = await this.#readUnit();
      if (this.#finished) return;
      if (unit.length > 0) this.#held = unit;
      this.#submitHeldOrEnd(false);
    }
    this.#wake?.();
  }

  /**
   * Submits the held unit if there is room (or with `force`, at shutdown).
   * Waiting for room, it asks the executor to let it submit the unit before
   * a shutdown, as Python's map has submitted every call it read.
   */
  #submitHeld(force: boolean): void {
    const unit = this.#held;
    if (!this.#finished && unit !== undefined) {
      if (!force && !this.#hasRoom()) {
        this.#unregister ??= this.#host.beforeShutdown?.(() => {
          this.#unregister = undefined;
          this.#submitHeldOrEnd(true);
        });
        // A wait that finds the unit gone (submitted at shutdown meanwhile) does nothing.
        this.#awaitRoom(() => this.#submitHeldOrEnd(false));
        return;
      }
      this.#submitUnit(unit);
      this.#held = undefined;
      this.#wake?.();
    }
    this.#unregisterFlush();
    this.#releaseReader();
  }

  /** The held unit has gone (submitted, or dropped): the background read goes on, or sees the map end. */
  #releaseReader(): void {
    const resume = this.#heldGone;
    this.#heldGone = undefined;
    resume?.();
  }

  /** {@link #submitHeld}; a submit that throws (shutdown, broken pool) ends the input there, dropping what is held. */
  #submitHeldOrEnd(force: boolean): void {
    try {
      this.#submitHeld(force);
    } catch (error) {
      this.#held = undefined;
      this.#endInput(error);
      this.#releaseReader();
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

  /** With the chunker (never with `buffersize`): submits units while there is room (in flight) and rows to send. */
  #pumpAuto(): void {
    const chunker = this.#chunker!;
    const rows = this.#rows!;
    while (!this.#finished && !this.#halted && chunker.mayLaunch(this.#inFlight, this.#inFlight.size)) {
      if (!this.#hasRoom()) {
        if (rows.length > 0) this.#awaitRoom(() => this.#kickAuto());
        break;
      }
      if (rows.length === 0) break;
      this.#launch(Math.min(rows.length, chunker.nextSize(this.#inputEnded ? rows.length : Infinity)));
    }
    if (this.#inputEnded && rows.length === 0) this.#unregisterFlush();
  }

  /** Submits the next `size` buffered rows as one unit. */
  #launch(size: number): void {
    const rows = this.#rows!;
    const unit = size === 1 ? new Unit(this.#host.call(rows.takeRow()), false, 1) : new Unit(this.#host.chunk(rows.take(size)), true, size);
    this.#pending.push(unit);
    this.#inFlight.add(unit);
    this.#chunker!.submitted(unit);
    unit.future.addDoneCallback(() => this.#unitDone(unit));
    this.#wake?.();
  }

  #unitDone(unit: Unit): void {
    this.#inFlight.delete(unit);
    if (this.#finished) return;
    if (unit.future.cancelled() || unit.future.hasException()) {
      // The consumer stops at this unit: nothing after it is needed.
      this.#halted = true;
      this.#rows!.clear();
      this.#unregisterFlush();
      return;
    }
    this.#chunker!.finished(unit, this.#inFlight);
    this.#kickAuto();
  }

  /** Pumps, and restarts a lazy async read that has room again. */
  #kickAuto(): void {
    this.#kickPump();
    if (this.#async !== undefined && !this.#reading && !this.#inputEnded && !this.#finished && !this.#halted) void this.#readRows();
  }

  /** The input ends here with `error` (thrown when the consumer gets this far); rows not submitted are dropped. */
  #endInput(error: unknown): void {
    this.#inputError ??= { error };
    this.#inputEnded = true;
    this.#rows?.clear();
    this.#unregisterFlush();
    this.#wake?.();
  }

  /** With the chunker: reads an async input into the row buffer, as fast as it yields (under maxQueue, as far as it can send). */
  async #readRows(): Promise<void> {
    const rows = this.#rows!;
    this.#reading = true;
    try {
      while (!this.#finished && !this.#inputEnded && !this.#halted) {
        const row = await this.#async!.next();
        if (this.#finished) return;
        if (row === undefined) {
          this.#inputEnded = true;
          break;
        }
        rows.pushRow(row);
        this.#kickPump();
        // Under maxQueue, once a chunk's worth is read that the pump could not send (no room, or as many
        // units in flight as the chunker allows), wait, as a map waits for room: the pump's wait for room
        // or a unit's end restarts this read (#kickAuto). Read on, an endless input would fill memory, and
        // one that yields without the event loop would starve it.
        if (this.#host.bounded === true && rows.length >= this.#chunker!.nextSize(Infinity)) break;
      }
    } catch (error) {
      if (!this.#finished) {
        // Rows read before the error still run; the error comes after them.
        this.#inputError = { error };
        this.#inputEnded = true;
      }
    } finally {
      this.#reading = false;
    }
    this.#kickPump();
    this.#wake?.();
  }

  /** Pumps; a submit that throws ends the input there. */
  #kickPump(): void {
    try {
      this.#pumpAuto();
    } catch (error) {
      this.#endInput(error);
    }
  }

  #registerFlush(): void {
    if (this.#inputEnded && this.#rows!.length === 0) return;
    this.#unregister = this.#host.beforeShutdown?.(() => this.#flush());
  }

  #unregisterFlush(): void {
    const unregister = this.#unregister;
    this.#unregister = undefined;
    unregister?.();
  }

  /**
   * The executor is about to shut down: every row already read becomes a
   * submitted call now (Python's map has submitted them all), so that
   * shutdown runs them, or cancels them with `cancelFutures`.
   */
  #flush(): void {
    this.#unregister = undefined;
    const rows = this.#rows!;
    try {
      while (!this.#finished && !this.#halted && rows.length > 0) {
        this.#launch(Math.min(rows.length, this.#chunker!.nextSize(this.#inputEnded ? rows.length : Infinity)));
      }
    } catch (error) {
      this.#endInput(error);
    }
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
    return this.#deadline === undefined ? promise : this.#deadline.race(promise);
  }

  #cancelPending(): void {
    // Shift before cancelling: a cancel runs done callbacks, which must not see the queue mid-walk.
    let unit: Unit | undefined;
    while ((unit = this.#pending.shift()) !== undefined) unit.future.cancel();
  }

  #finish(): void {
    this.#finished = true;
    this.#values = [];
    this.#rows?.clear();
    this.#held = undefined;
    this.#unregisterFlush();
    this.#releaseReader();
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
