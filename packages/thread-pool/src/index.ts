/**
 * @futures/thread-pool: `ThreadPoolExecutor`, Python's concurrent.futures
 * executor on `node:worker_threads`.
 */
export { ThreadPoolExecutor, type ThreadPoolOptions } from './thread-pool-executor.js';
export { BrokenThreadPoolError } from './broken-thread-pool-error.js';
