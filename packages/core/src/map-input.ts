/**
 * Reading `map`'s input: the iterables zipped into rows (one argument list
 * per call), stopping at the shortest, as Python's `map` does. Iterators
 * that did not end by themselves are closed when the shortest ends or the
 * map stops.
 */
import { isAsyncIterable, type AnyIterable } from './map-arguments.js';

const arrayIterator = Array.prototype[Symbol.iterator];

/** An array whose iteration is the built-in one, so a copy reads it as iterating would. */
function isPlainArray(value: Iterable<unknown>): value is unknown[] {
  return Array.isArray(value) && value[Symbol.iterator] === arrayIterator;
}

/** Reads zipped rows from sync iterables; `undefined` when the shortest ends. */
export class SyncZip {
  readonly #iterables: Iterable<unknown>[];
  readonly #its: Iterator<unknown>[];
  constructor(iterables: Iterable<unknown>[]) {
    this.#iterables = iterables;
    this.#its = iterables.map((it) => it[Symbol.iterator]());
  }
  /**
   * Reads every row, as columns. Arrays are copied rather than iterated
   * (200,000 iterator steps cost milliseconds before the first call could go out).
   */
  readAll(): unknown[][] {
    if (this.#iterables.every(isPlainArray)) {
      const length = Math.min(...this.#iterables.map((a) => (a as unknown[]).length));
      this.ended = true;
      return this.#iterables.map((a) => (a as unknown[]).slice(0, length));
    }
    return this.nextColumns(Infinity);
  }
  next(): unknown[] | undefined {
    // Filled by push, so it stays a packed array: a holey one is sent as a sparse one, key by key.
    const row: unknown[] = [];
    for (let i = 0; i < this.#its.length; i++) {
      const r = this.#its[i].next();
      if (r.done) {
        this.close(i);
        return undefined;
      }
      row.push(r.value);
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
export class AsyncZip {
  readonly #its: (Iterator<unknown> | AsyncIterator<unknown>)[];
  constructor(iterables: AnyIterable[]) {
    this.#its = iterables.map((it) => (isAsyncIterable(it) ? it[Symbol.asyncIterator]() : it[Symbol.iterator]()));
  }
  async next(): Promise<unknown[] | undefined> {
    const row: unknown[] = [];
    for (let i = 0; i < this.#its.length; i++) {
      const r = await this.#its[i].next();
      if (r.done) {
        await this.close(i);
        return undefined;
      }
      row.push(r.value);
    }
    return row;
  }
  async close(except = -1): Promise<void> {
    await Promise.all(this.#its.map((it, i) => (i === except ? undefined : it.return?.())));
  }
}

/** Rows (argument lists) to columns (one array per argument position). */
export function toColumns(rows: unknown[][]): unknown[][] {
  return rows[0].map((_, i) => rows.map((row) => row[i]));
}
