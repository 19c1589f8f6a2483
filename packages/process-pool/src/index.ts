/**
 * @futures/process-pool: `ProcessPoolExecutor`, Python's concurrent.futures
 * executor on `node:child_process` with the v8 serializer.
 */
export { ProcessPoolExecutor, type ProcessPoolOptions } from './process-pool-executor.js';
export { BrokenProcessPoolError } from './broken-process-pool-error.js';
