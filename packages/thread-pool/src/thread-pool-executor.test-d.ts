import { expectTypeOf, test } from 'vitest';
import { defineTasks, type Executor, type Future } from '@futures/core';
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
