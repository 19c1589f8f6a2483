/**
 * The tasks our executors run in the bench. Workers import this module by
 * URL (as pickle imports a function's module), so it must stay
 * self-contained: it builds to dist/workers/tasks.js on its own.
 */
import * as core from '@futures/core';

type DefineTasks = <T extends Record<string, (...args: any[]) => unknown>>(moduleUrl: string, fns: T) => T;

// Read through the namespace so that this module still loads, and the bench
// can report "n/a" with this message, while @futures/core is unbuilt.
const defineTasks = (core as unknown as { defineTasks?: DefineTasks }).defineTasks;
if (typeof defineTasks !== 'function') {
  throw new Error('@futures/core does not export defineTasks (is it built?)');
}

function fibPlain(n: number): number {
  return n < 2 ? n : fibPlain(n - 1) + fibPlain(n - 2);
}

export const { noop, fib, echo } = defineTasks(import.meta.url, {
  noop(): void {},
  fib(n: number): number {
    return fibPlain(n);
  },
  echo<T>(x: T): T {
    return x;
  },
});
