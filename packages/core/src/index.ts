/**
 * @futures/core: Python's concurrent.futures for Node.js. The user API:
 *
 * - futures and waiting: {@link Future}, {@link wait}, {@link asCompleted};
 * - executors: the {@link Executor} interface and {@link InlineExecutor}
 *   (pools come from `@futures/thread-pool`, `@futures/process-pool`,
 *   `@futures/socket`);
 * - tasks: {@link defineTasks}, {@link tasksFrom}, and {@link reportProgress}
 *   for progress from a running one;
 * - errors: one class per failure, each with a stable `code` and `isInstance`.
 *
 * What only transport authors need (the pool engine, `Transport`, the worker
 * runtime, the wire protocol, the error codec, option checks, progress
 * boards) is in `@futures/core/transport`.
 */

// Futures and waiting
export { Future, type FutureState, type DoneCallback } from './future.js';
export {
  wait,
  asCompleted,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  ALL_COMPLETED,
  type WaitOptions,
  type AsCompletedOptions,
  type DoneAndNotDone,
} from './wait.js';

// Executors
export type { ExecutorStats, TimeSummary } from './call-stats.js';
export type { Executor, CallOptions, ShutdownOptions, MapOptions, MapArguments, Task, MapIterator } from './executor.js';
export { InlineExecutor, type InlineExecutorOptions } from './inline-executor.js';

// Tasks (and progress reports from a running one)
export { defineTasks, tasksFrom, type TaskHandles } from './tasks.js';
export { reportProgress } from './task-progress.js';

// Errors
export {
  FuturesError,
  CancelledError,
  TimeoutError,
  InvalidStateError,
  ShutdownError,
  QueueFullError,
  BrokenExecutorError,
  RemoteError,
} from './errors.js';
