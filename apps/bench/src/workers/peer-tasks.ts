/**
 * Worker module for piscina and tinypool (and, through workerpool-worker.ts,
 * workerpool): the same tasks our executors run, in each library's calling
 * convention (one argument, task chosen by export name).
 */

export { parseSource as parse } from './acorn-parse.js';

function fibPlain(n: number): number {
  return n < 2 ? n : fibPlain(n - 1) + fibPlain(n - 2);
}

export function noop(): void {}

export function fib(n: number): number {
  return fibPlain(n);
}

export function echo<T>(x: T): T {
  return x;
}

/** What a chunked map sends to one worker: a batch of items, each run through `echo`. */
export function echoChunk<T>(xs: T[]): T[] {
  return xs.map(echo);
}
