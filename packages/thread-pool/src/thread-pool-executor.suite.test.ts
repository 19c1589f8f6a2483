// The shared executor suite (the public contract), run against ThreadPoolExecutor.
import { describeExecutorSuite } from '@futures/executor-tests';
import { ThreadPoolExecutor, BrokenThreadPoolError } from '@futures/thread-pool';

describeExecutorSuite('ThreadPoolExecutor', {
  create: (options) => new ThreadPoolExecutor(options),
  pool: true,
  module: ['@futures/thread-pool', 'ThreadPoolExecutor'],
  realWorkers: true,
  brokenError: BrokenThreadPoolError,
});
