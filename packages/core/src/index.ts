/**
 * @futures/core: Python's concurrent.futures for Node.js.
 *
 * The public surface, by concern:
 * - futures and waiting: {@link Future}, {@link wait}, {@link asCompleted};
 * - executors: the {@link Executor} interface, {@link InlineExecutor}, and
 *   {@link PoolExecutor}, the pool engine that transports plug into;
 * - tasks: {@link defineTasks};
 * - errors: one class per failure, each with a stable `code` and `isInstance`;
 * - for transport authors: the {@link Transport} interface, the engine/worker
 *   protocol, {@link runWorkerRuntime}, the error codec and option checks.
 */

// Futures and waiting
export { Future, type FutureState } from './future.js';
export { wait, asCompleted, FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED } from './wait.js';

// Executors
export type { Executor, CallOptions, ShutdownOptions, MapOptions, MapArguments, Task, MapIterator } from './executor.js';
export { ExecutorBase } from './executor.js';
export { InlineExecutor, type InlineExecutorOptions } from './inline-executor.js';
export { PoolExecutor, MAX_IN_FLIGHT, type PoolOptions, type PoolConfig } from './pool-executor.js';

// Tasks
export { defineTasks, tasksFrom, type TaskHandles } from './tasks.js';

// Errors
export {
  FuturesError,
  CancelledError,
  TimeoutError,
  InvalidStateError,
  ShutdownError,
  BrokenExecutorError,
  RemoteError,
  brandError,
} from './errors.js';

// For transport authors
export type { Transport, TransportHost, WorkerChannel, WorkerEvents, WorkerExit, WorkerPort } from './transport.js';
export type { ToWorker, FromWorker, TaskRef, SerializedError } from './protocol.js';
export { runWorkerRuntime } from './worker-runtime.js';
export {
  SharedProgress,
  FileProgress,
  PROGRESS_RUNNING,
  PROGRESS_DONE,
  type ProgressReader,
  type ProgressWriter,
  type ProgressSlot,
} from './progress.js';
export { encodeError, decodeError } from './remote-error.js';
export {
  validateTimeout,
  validateInteger,
  validateString,
  validateArray,
  validateFunction,
  validateSignal,
  validateOptionsObject,
  rejectUnknownOptions,
} from './validate.js';
