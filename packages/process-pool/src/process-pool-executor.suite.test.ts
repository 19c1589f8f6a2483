// The shared executor suite (the public contract), run against ProcessPoolExecutor.
import { describeExecutorSuite } from '@futures/executor-tests';
import { ProcessPoolExecutor, BrokenProcessPoolError } from '@futures/process-pool';
import { afterAll, expect } from 'vitest';
import { childrenOf } from './process-probes.testing.js';

describeExecutorSuite('ProcessPoolExecutor', {
  create: (options) => new ProcessPoolExecutor(options),
  pool: true,
  module: ['@futures/process-pool', 'ProcessPoolExecutor'],
  realWorkers: true,
  brokenError: BrokenProcessPoolError,
  childProcesses: true,
});

afterAll(() => {
  expect(childrenOf(process.pid)).toEqual([]);
});
