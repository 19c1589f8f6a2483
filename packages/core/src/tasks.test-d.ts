import { expectTypeOf, test } from 'vitest';
import type { Future } from './future.js';
import type { Executor } from './executor.js';
import { defineTasks, tasksFrom } from './tasks.js';

const { fib } = defineTasks(import.meta.url, {
  fib(n: number): number {
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
  },
});

declare const pool: Executor;

test('defineTasks keeps the function types and submit checks arguments', () => {
  expectTypeOf(fib).toEqualTypeOf<(n: number) => number>();
  expectTypeOf(pool.submit(fib, 3)).toEqualTypeOf<Future<number>>();
  // @ts-expect-error a string is not a number
  pool.submit(fib, 'x');
  // @ts-expect-error missing argument
  pool.submit(fib);
});

test('tasksFrom types the handles as the module\'s function exports', () => {
  type Parse = typeof import('../test-fixtures/plain-module.mjs');
  const handles = tasksFrom<Parse>(new URL('../test-fixtures/plain-module.mjs', import.meta.url));
  const { add, shout } = handles;
  expectTypeOf(add).toEqualTypeOf<(a: number, b: number) => Promise<number>>();
  expectTypeOf(pool.submit(add, 1, 2)).toEqualTypeOf<Future<number>>();
  expectTypeOf(pool.submit(shout, 'x')).toEqualTypeOf<Future<string>>();
  expectTypeOf(pool.map(add, [1], [2]).toArray()).toEqualTypeOf<Promise<number[]>>();
  // @ts-expect-error add takes numbers
  pool.submit(add, 'x', 2);
  // @ts-expect-error notAFunction is not a function export, so there is no handle for it
  void handles.notAFunction;
});
