import { expectTypeOf, test } from 'vitest';
import { defineTasks, type Executor, type Future } from '@futures/core';
import { ProcessPoolExecutor } from '@futures/process-pool';

const { wordCount } = defineTasks(import.meta.url, {
  wordCount(text: string): Map<string, number> {
    return new Map([[text, 1]]);
  },
});

declare const pool: ProcessPoolExecutor;

test('ProcessPoolExecutor is an Executor whose futures are typed from the task', () => {
  expectTypeOf(pool).toExtend<Executor>();
  expectTypeOf(pool.submit(wordCount, 'a b')).toEqualTypeOf<Future<Map<string, number>>>();
  expectTypeOf(pool.terminateWorkers()).toEqualTypeOf<Promise<void>>();
  expectTypeOf(pool.killWorkers()).toEqualTypeOf<Promise<void>>();
  // @ts-expect-error text must be a string
  pool.submit(wordCount, 1);
});

test('ProcessPoolExecutor options are typed', () => {
  new ProcessPoolExecutor({ maxWorkers: 2, maxTasksPerChild: 10, execArgv: ['--max-old-space-size=512'], env: { LANG: 'C' } });
  // @ts-expect-error not an option of ProcessPoolExecutor
  new ProcessPoolExecutor({ resourceLimits: {} });
});
