/**
 * `map`'s arguments: the iterables and the trailing options object, told
 * apart and checked once, up front, before anything is read or submitted.
 */
import { describeValue, rejectUnknownOptions, validateInteger, validateTimeout } from './validate.js';

export interface MapOptions {
  /** Milliseconds from the `map` call after which the iterator throws `TimeoutError`. */
  timeout?: number;
  /**
   * Items per message to a worker, exactly. Without it (and without
   * `buffersize`, which then counts calls of one item each), a pool sizes each
   * chunk from the measured pace of the ones before: one item at first, then
   * about 12 ms of work per chunk, smaller near the end so the tail spreads
   * over the workers (items that take longer than that go one by one);
   * `InlineExecutor` sends items one by one.
   */
  chunksize?: number;
  /**
   * At most this many submitted calls ahead of the consumer (chunks, with
   * `chunksize` > 1; otherwise one item each, as in Python); the input is
   * then read lazily.
   */
  buffersize?: number;
}

/** What `map` zips: sync or async iterables. */
export type AnyIterable = Iterable<unknown> | AsyncIterable<unknown>;

const MAP_OPTION_KEYS = ['timeout', 'chunksize', 'buffersize'] as const;

/** Whether `value` can be read with `for...of`. */
export function isSyncIterable(value: unknown): value is Iterable<unknown> {
  return value != null && typeof (value as Iterable<unknown>)[Symbol.iterator] === 'function';
}

/** Whether `value` can be read with `for await...of`. */
export function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return value != null && typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';
}

/** Splits `map`'s rest arguments into iterables and options, checking each. */
export function splitMapArguments(rest: unknown[]): { iterables: AnyIterable[]; mapOptions: MapOptions } {
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
  const chunksize = options.chunksize === undefined ? undefined : validateInteger(options.chunksize, 'map(): chunksize', 1);
  const buffersize = options.buffersize === undefined ? undefined : validateInteger(options.buffersize, 'map(): buffersize', 1);
  return { iterables: items as AnyIterable[], mapOptions: { timeout, chunksize, buffersize } };
}
