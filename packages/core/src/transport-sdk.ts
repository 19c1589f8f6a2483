/**
 * `@futures/core/transport`: the transport SDK. What a package needs to plug
 * a new way of reaching workers into the one pool engine:
 *
 * - the engine: {@link PoolExecutor} (subclass it with your transport) and
 *   {@link ExecutorBase} (for an executor of your own);
 * - the seam: {@link Transport}, {@link WorkerChannel}, {@link WorkerPort}
 *   and friends, the engine/worker protocol, and {@link runWorkerRuntime},
 *   which a worker entry runs;
 * - the error codec ({@link encodeError}, {@link decodeError}) and
 *   {@link brandError} for a pool's own `Broken…Error`;
 * - Node.js helpers: progress boards, the exit merging of process-like
 *   workers, option validators.
 */

// The engine
export { PoolExecutor, MAX_IN_FLIGHT, type PoolOptions, type PoolConfig } from './pool-executor.js';
export { ExecutorBase } from './executor.js';
export type { WorkerFigures, ExecutorStats, TimeSummary } from './call-stats.js';

// The seam between the engine and a transport
export {
  EXIT_GRACE_MS,
  type Transport,
  type TransportHost,
  type WorkerChannel,
  type WorkerEvents,
  type WorkerExit,
  type WorkerPort,
} from './transport.js';
export {
  SHORT_CALL_MS,
  CALL_STRIDE,
  RESULT_STRIDE,
  LISTENED,
  packRun,
  unpackRun,
  isPackedRun,
  packDone,
  unpackDone,
  isPackedDone,
  type PackedRun,
  type PackedRunMessage,
  type PackedDone,
  type ToWorker,
  type FromWorker,
  type TaskRef,
  type SerializedError,
  type ProgressReportMessage,
} from './protocol.js';
export { runWorkerRuntime } from './worker-runtime.js';
export { PROGRESS_RUNNING, PROGRESS_DONE, type ProgressReader, type ProgressWriter, type ProgressSlot } from './progress.js';

// Errors across the boundary
export { encodeError, decodeError } from './remote-error.js';
export { brandError } from './errors.js';

// Node.js helpers for transports
export { ExitMerger, type WorkerHalf } from './exit-merger.js';
export { inheritedExecArgv } from './exec-argv.js';
export { watchParent, PARENT_WATCH_MS } from './parent-watch.js';
export {
  SharedProgress,
  FileProgress,
  PROGRESS_FD,
  PROGRESS_FD_ENV,
  progressStdio,
  progressEnv,
  inheritedProgress,
} from './progress-board.js';
export {
  validateTimeout,
  validateInteger,
  validateString,
  validateStringArray,
  validateArray,
  validateFunction,
  validateSignal,
  validateOptionsObject,
  rejectUnknownOptions,
} from './validate.js';
