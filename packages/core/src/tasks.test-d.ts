import { expectTypeOf, test } from 'vitest';
import type { Future } from './future.js';
import type { Executor } from './executor.js';
import { defineTasks } from './tasks.js';

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
