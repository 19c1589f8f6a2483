import { expectTypeOf, test } from 'vitest';
import type { Executor, MapIterator } from './executor.js';

declare const pool: Executor;
declare function countNodes(tree: string): number;
declare function add(a: number, b: number): Promise<number>;
declare function greet(name: string, punctuation?: string): string;
declare function sum(...xs: number[]): number;
declare function label(prefix: string, ...ns: number[]): string;
declare function anything(...args: any[]): any;
declare function numbers(): AsyncGenerator<number>;

test('each iterable yields the type of the parameter at its position', () => {
  expectTypeOf(pool.map(countNodes, ['a', 'b'])).toEqualTypeOf<MapIterator<number>>();
  // @ts-expect-error countNodes takes a string, not a number
  pool.map(countNodes, [1, 2, 3]);
  expectTypeOf(pool.map(add, [1, 2], new Set([3, 4]))).toEqualTypeOf<MapIterator<number>>();
  // @ts-expect-error the second iterable must yield numbers
  pool.map(add, [1, 2], ['x']);
  // @ts-expect-error add needs an iterable for b too
  pool.map(add, [1, 2]);
  // @ts-expect-error add takes two parameters, not three
  pool.map(add, [1], [2], [3]);
  expectTypeOf(pool.map(add, numbers(), [1])).toEqualTypeOf<MapIterator<number>>();
});

test('options come last, after all iterables or after those of the required parameters', () => {
  pool.map(add, [1], [2], { timeout: 1_000, chunksize: 10, buffersize: 4 });
  pool.map(greet, ['ann']);
  pool.map(greet, ['ann'], ['!']);
  pool.map(greet, ['ann'], { chunksize: 2 });
  pool.map(greet, ['ann'], ['!'], { buffersize: 1 });
  // @ts-expect-error an unknown option
  pool.map(greet, ['ann'], { chunkSize: 2 });
  // @ts-expect-error the optional parameter is a string
  pool.map(greet, ['ann'], [1]);
});

test('a rest parameter takes any number of iterables of its type', () => {
  pool.map(sum, [1], [2], [3], { timeout: 5 });
  // @ts-expect-error sum takes numbers
  pool.map(sum, [1], ['2']);
  pool.map(label, ['a'], [1], [2]);
  // @ts-expect-error the first parameter is a string
  pool.map(label, [1], [1]);
  pool.map(anything, [1], ['x'], [{}]);
});

test('with() views are typed alike', () => {
  expectTypeOf(pool.with({ timeout: 5 }).map(countNodes, ['a'])).toEqualTypeOf<MapIterator<number>>();
  // @ts-expect-error countNodes takes a string
  pool.with({ timeout: 5 }).map(countNodes, [1]);
});

test('results are collected with toArray(); the sync mistakes do not compile', async () => {
  expectTypeOf(pool.map(countNodes, ['a']).toArray()).toEqualTypeOf<Promise<number[]>>();
  // @ts-expect-error Array.from cannot read an async iterator
  Array.from(pool.map(countNodes, ['a']));
  // @ts-expect-error nor can spreading
  void [...pool.map(countNodes, ['a'])];
  // @ts-expect-error nor for...of
  for (const n of pool.map(countNodes, ['a'])) void n;
  for await (const n of pool.map(countNodes, ['a'])) expectTypeOf(n).toEqualTypeOf<number>();
});
