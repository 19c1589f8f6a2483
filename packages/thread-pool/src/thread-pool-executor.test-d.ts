import { expectTypeOf, test } from 'vitest';
import { defineTasks, FuturesError, QueueFullError, reportProgress, type Executor, type ExecutorStats, type Future, type TimeSummary } from '@futures/core';
import { ThreadPoolExecutor } from '@futures/thread-pool';

const { histogram } = defineTasks(import.meta.url, {
  async histogram(pixels: ArrayBuffer, bins: number): Promise<number[]> {
    return new Array<number>(bins).fill(pixels.byteLength);
  },
});

declare const pool: ThreadPoolExecutor;

test('ThreadPoolExecutor is an Executor whose futures are typed from the task', () => {
  expectTypeOf(pool).toExtend<Executor>();
  expectTypeOf(pool.submit(histogram, new ArrayBuffer(8), 4)).toEqualTypeOf<Future<number[]>>();
  expectTypeOf(pool.with({ transfer: [new ArrayBuffer(8)] }).submit(histogram, new ArrayBuffer(8), 4)).toEqualTypeOf<Future<number[]>>();
  // @ts-expect-error bins must be a number
  pool.submit(histogram, new ArrayBuffer(8), '4');
});

test('ThreadPoolExecutor options are typed', () => {
  new ThreadPoolExecutor({ maxWorkers: 2, name: 'img', resourceLimits: { maxOldGenerationSizeMb: 64 }, execArgv: [] });
  // @ts-expect-error not an option of ThreadPoolExecutor
  new ThreadPoolExecutor({ env: {} });
});

test('stats() is a typed snapshot; minWorkers and maxQueue are options', () => {
  new ThreadPoolExecutor({ maxWorkers: 4, minWorkers: 2, maxQueue: 1_000 });
  // @ts-expect-error maxQueue is a number
  new ThreadPoolExecutor({ maxQueue: '1000' });
  const s = pool.stats();
  expectTypeOf(s).toEqualTypeOf<ExecutorStats>();
  expectTypeOf(s.utilization).toEqualTypeOf<number>();
  expectTypeOf(s.waitTime).toEqualTypeOf<TimeSummary>();
  expectTypeOf(s.runTime.p99).toEqualTypeOf<number>();
  // @ts-expect-error stats() takes no argument
  pool.stats(true);
});

test('onProgress is a call option taking the reported value; reportProgress takes any value', () => {
  expectTypeOf(pool.with({ onProgress: (value: { done: number }) => void value.done }).submit(histogram, new ArrayBuffer(8), 4)).toEqualTypeOf<Future<number[]>>();
  expectTypeOf(reportProgress).parameters.toEqualTypeOf<[value: unknown]>();
  expectTypeOf(reportProgress).returns.toEqualTypeOf<void>();
  // @ts-expect-error onProgress must be a function
  pool.with({ onProgress: 'log' });
});

test('QueueFullError is a FuturesError with a code', () => {
  expectTypeOf(new QueueFullError()).toExtend<FuturesError>();
  expectTypeOf(new QueueFullError().code).toEqualTypeOf<string>();
});
