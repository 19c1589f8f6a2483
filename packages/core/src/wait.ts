/**
 * `wait` and `asCompleted`: Python's `concurrent.futures.wait` and
 * `as_completed` over {@link Future}s.
 *
 * Both register one shared done callback on each unfinished future and keep
 * counters, so a completion costs O(1) and a call over n futures O(n) in
 * total. When they finish early they detach that callback again.
 *
 * One difference from CPython: there a cancelled future only counts as done
 * once its executor has called `set_running_or_notify_cancel()`; here it
 * counts as soon as `cancel()` succeeds, as `future.done()` says.
 */

import { TimeoutError } from './errors.js';
import { Future } from './future.js';
import { setLongTimeout, type LongTimeout } from './long-timer.js';
import { Queue } from './queue.js';
import { describeValue, rejectUnknownOptions, validateOptionsObject, validateTimeout } from './validate.js';

/** `wait` returns when any future finishes or is cancelled. */
export const FIRST_COMPLETED = 'FIRST_COMPLETED' as const;
/** `wait` returns when any future finishes with an exception; if none does, as ALL_COMPLETED. */
export const FIRST_EXCEPTION = 'FIRST_EXCEPTION' as const;
/** `wait` returns when every future is done. */
export const ALL_COMPLETED = 'ALL_COMPLETED' as const;

export type ReturnWhen = typeof FIRST_COMPLETED | typeof FIRST_EXCEPTION | typeof ALL_COMPLETED;

const RETURN_WHEN: readonly string[] = [FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED];

export interface WaitOptions {
  /** Milliseconds; `undefined`/`Infinity` = no limit, `0` = only look at what is done now. */
  timeout?: number;
  /** When to return; default {@link ALL_COMPLETED}. */
  returnWhen?: ReturnWhen;
}

export interface AsCompletedOptions {
  /** Milliseconds from the `asCompleted` call; `undefined`/`Infinity` = no limit. */
  timeout?: number;
}

/** What {@link wait} resolves with (Python's `DoneAndNotDoneFutures`). */
export interface DoneAndNotDone<T> {
  /** Futures that are FINISHED or CANCELLED. */
  done: Set<Future<T>>;
  /** The others. */
  notDone: Set<Future<T>>;
}

/** The distinct futures of `fs`, in first-seen order; throws for anything that is not a Future. */
function collect<T>(fs: Iterable<Future<T>>, where: string): Set<Future<T>> {
  if (fs === null || typeof fs !== 'object' || typeof (fs as Partial<Iterable<unknown>>)[Symbol.iterator] !== 'function') {
    throw new TypeError(`${where}: fs must be an iterable of Futures, got ${describeValue(fs)}`);
  }
  const futures = new Set<Future<T>>();
  let index = 0;
  for (const f of fs) {
    if (!(f instanceof Future)) {
      throw new TypeError(`${where}: fs must contain only Futures, but item ${index} is ${describeValue(f)}`);
    }
    futures.add(f);
    index++;
  }
  return futures;
}

/**
 * Waits for the futures in `fs` to complete.
 *
 * A future counts as done when it is FINISHED or CANCELLED. Duplicates in
 * `fs` are counted once. If the timeout passes first, it resolves with what
 * is done at that moment (it does not throw).
 *
 * @param options.returnWhen `FIRST_COMPLETED`, `FIRST_EXCEPTION` (any future
 *   finishes with an exception; a cancelled one does not count; if none
 *   does, as `ALL_COMPLETED`) or `ALL_COMPLETED` (the default).
 * @param options.timeout milliseconds; `undefined`/`Infinity` = no limit.
 * @returns `{ done, notDone }`, two disjoint sets.
 * @throws TypeError (synchronously) when `fs` is not an iterable of Futures,
 *   an option is unknown or `returnWhen` is not one of the three constants;
 *   RangeError for a negative or NaN timeout.
 */
export function wait<T>(fs: Iterable<Future<T>>, options?: WaitOptions): Promise<DoneAndNotDone<T>> {
  const opts = validateOptionsObject<WaitOptions>(options, 'wait');
  rejectUnknownOptions(opts, ['timeout', 'returnWhen'], 'wait');
  const timeout = validateTimeout(opts.timeout, 'timeout');
  const returnWhen = opts.returnWhen ?? ALL_COMPLETED;
  if (!RETURN_WHEN.includes(returnWhen)) {
    throw new TypeError(`wait: returnWhen must be one of ${RETURN_WHEN.join(', ')}, got ${describeValue(returnWhen)}`);
  }
  const futures = collect(fs, 'wait');

  const done = new Set<Future<T>>();
  const notDone = new Set<Future<T>>();
  let failed = false;
  for (const f of futures) {
    if (f.done()) {
      done.add(f);
      if (f.hasException()) failed = true;
    } else {
      notDone.add(f);
    }
  }
  const satisfied = (): boolean =>
    notDone.size === 0 ||
    (returnWhen === FIRST_COMPLETED && done.size > 0) ||
    (returnWhen === FIRST_EXCEPTION && failed);
  if (satisfied() || timeout === 0) return Promise.resolve({ done, notDone });

  return new Promise((resolve) => {
    let timer: LongTimeout | undefined;
    const finish = (): void => {
      timer?.clear();
      for (const f of notDone) f.removeDoneCallback(onDone);
      resolve({ done, notDone });
    };
    const onDone = (f: Future<T>): void => {
      notDone.delete(f);
      done.add(f);
      if (f.hasException()) failed = true;
      if (satisfied()) finish();
    };
    for (const f of notDone) f.addDoneCallback(onDone);
    if (timeout !== undefined) timer = setLongTimeout(finish, timeout);
  });
}

/**
 * Yields the futures in `fs` as they complete (FINISHED or CANCELLED): first
 * those already done, then the others in the order they finish. Each future
 * is yielded once, even if it appears more than once in `fs`.
 *
 * ```ts
 * for await (const f of asCompleted(futures, { timeout: 5_000 })) console.log(await f);
 * ```
 *
 * TypeScript types such a loop variable as the future's result type, since
 * it assumes `for await` awaits each value; it does not for an async
 * iterator, and the variable holds the Future. `await f` is right either
 * way; to call Future methods on it, or use it as a Map key, write
 * `f as unknown as Future<T>` or call `next()` yourself.
 *
 * @param options.timeout milliseconds, counted from this call. When the
 *   iterator has to wait for a future past that time it throws a
 *   `TimeoutError` that says how many futures were unfinished; the futures
 *   themselves are left alone.
 * @throws TypeError (synchronously) when `fs` is not an iterable of Futures
 *   or an option is unknown; RangeError for a negative or NaN timeout.
 *
 * Stopping early (`break`, `return()`) detaches it from the futures.
 */
export function asCompleted<T>(fs: Iterable<Future<T>>, options?: AsCompletedOptions): AsyncIterableIterator<Future<T>> {
  const opts = validateOptionsObject<AsCompletedOptions>(options, 'asCompleted');
  rejectUnknownOptions(opts, ['timeout'], 'asCompleted');
  const timeout = validateTimeout(opts.timeout, 'timeout');
  const deadline = timeout === undefined ? undefined : performance.now() + timeout;
  return new AsCompletedIterator(collect(fs, 'asCompleted'), deadline);
}

interface Waiter<T> {
  resolve(result: IteratorResult<Future<T>, undefined>): void;
  reject(error: unknown): void;
}

const END: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * The iterator of {@link asCompleted}. Not an async generator: `yield` in one
 * awaits a thenable, which would turn each Future into its result.
 *
 * Completed futures go to a queue; a
 * `next()` takes from it or, when it is empty, waits. A deadline timer exists
 * only while a `next()` is waiting, so an abandoned iterator holds no timer.
 */
class AsCompletedIterator<T> implements AsyncIterableIterator<Future<T>> {
  readonly #futures: Set<Future<T>>;
  readonly #deadline: number | undefined;
  /** Completed and not yet yielded. */
  readonly #ready = new Queue<Future<T>>();
  #unfinished = 0;
  /** Pending `next()` calls; there are some only while #ready is empty. */
  #waiters = new Queue<Waiter<T>>();
  #timer: LongTimeout | undefined = undefined;
  #closed = false;
  readonly #onDone = (f: Future<T>): void => {
    this.#unfinished--;
    const waiter = this.#waiters.shift();
    if (waiter === undefined) {
      this.#ready.push(f);
      return;
    }
    waiter.resolve({ done: false, value: f });
    if (this.#unfinished === 0) this.#close();
    else if (this.#waiters.length === 0) this.#clearTimer();
  };

  constructor(futures: Set<Future<T>>, deadline: number | undefined) {
    this.#futures = futures;
    this.#deadline = deadline;
    for (const f of futures) {
      if (f.done()) {
        this.#ready.push(f);
      } else {
        this.#unfinished++;
        f.addDoneCallback(this.#onDone);
      }
    }
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<Future<T>, undefined>> {
    if (this.#ready.length > 0) return Promise.resolve({ done: false, value: this.#ready.shift()! });
    if (this.#closed || this.#unfinished === 0) {
      this.#close();
      return Promise.resolve(END);
    }
    const remaining = this.#deadline === undefined ? undefined : this.#deadline - performance.now();
    if (remaining !== undefined && remaining <= 0) {
      const error = this.#timeoutError();
      this.#close();
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
      if (remaining !== undefined && this.#timer === undefined) {
        this.#timer = setLongTimeout(() => {
          this.#timer = undefined;
          const first = this.#waiters.shift();
          const error = this.#timeoutError();
          this.#close();
          first?.reject(error);
        }, remaining);
      }
    });
  }

  /** Stops early: detaches from the futures that are not done. */
  return(): Promise<IteratorResult<Future<T>, undefined>> {
    this.#close();
    return Promise.resolve(END);
  }

  #timeoutError(): TimeoutError {
    return new TimeoutError(`${this.#unfinished} (of ${this.#futures.size}) futures unfinished`);
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) {
      this.#timer.clear();
      this.#timer = undefined;
    }
  }

  /** Ends the iteration: later `next()` calls, and any still waiting, get `done: true`. */
  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#clearTimer();
    this.#ready.clear();
    if (this.#unfinished > 0) for (const f of this.#futures) if (!f.done()) f.removeDoneCallback(this.#onDone);
    const waiters = this.#waiters;
    this.#waiters = new Queue<Waiter<T>>();
    for (const w of waiters) w.resolve(END);
  }
}
