import type { ResourceLimits } from 'node:worker_threads';
import { PoolExecutor, rejectUnknownOptions, validateOptionsObject, validateStringArray, type PoolOptions } from '@futures/core/transport';
import { ThreadTransport } from './thread-transport.js';

const WHERE = 'ThreadPoolExecutor';
const RESOURCE_LIMIT_KEYS = ['maxOldGenerationSizeMb', 'maxYoungGenerationSizeMb', 'codeRangeSizeMb', 'stackSizeMb'] as const;

/** Options of {@link ThreadPoolExecutor}: those of every pool, plus what a `Worker` takes. */
export interface ThreadPoolOptions extends PoolOptions {
  /**
   * Heap and stack limits of each worker thread (`Worker`'s `resourceLimits`).
   * A worker that runs out fails its call with `BrokenThreadPoolError` and is replaced.
   */
  resourceLimits?: ResourceLimits;
  /**
   * Node.js options of each worker thread. Default: inherited from the main
   * thread, so a loader such as tsx (`--import tsx`) applies in the workers too.
   */
  execArgv?: string[];
}

function validateResourceLimits(value: unknown): ResourceLimits | undefined {
  if (value === undefined) return undefined;
  const where = `${WHERE}: resourceLimits`;
  const limits = validateOptionsObject<ResourceLimits>(value, where);
  rejectUnknownOptions(limits, RESOURCE_LIMIT_KEYS, where);
  for (const key of RESOURCE_LIMIT_KEYS) {
    const n = limits[key];
    if (n === undefined) continue;
    if (typeof n !== 'number') throw new TypeError(`${where}.${key} must be a number of megabytes, got ${typeof n}`);
    if (!(n > 0 && Number.isFinite(n))) throw new RangeError(`${where}.${key} must be a positive number of megabytes, got ${n}`);
  }
  return { ...limits };
}

/**
 * An executor that runs calls on a pool of `node:worker_threads` workers.
 * Arguments and results cross by structured clone; `with({ transfer })`
 * moves ArrayBuffers instead of copying them, and a `SharedArrayBuffer` is
 * shared. Threads are named `${name}-1`, `${name}-2`, ... (default name
 * `futures`), which is how they show in the inspector.
 *
 * A thread that throws outside a call, calls `process.exit`, or runs out of
 * memory fails only the call it was running, with {@link BrokenThreadPoolError};
 * a new thread replaces it. A thread that cannot start, or an `initializer`
 * that throws, breaks the pool.
 *
 * ```ts
 * const pool = new ThreadPoolExecutor({ maxWorkers: 4 });
 * try {
 *   console.log(await pool.submit(fib, 30));
 * } finally {
 *   await pool.shutdown();
 * }
 * ```
 */
export class ThreadPoolExecutor extends PoolExecutor {
  /** @throws TypeError or RangeError naming the option at fault. */
  constructor(options?: ThreadPoolOptions) {
    const opts = validateOptionsObject<ThreadPoolOptions>(options, WHERE);
    const transport = new ThreadTransport({
      // The engine validates name (it throws before any thread starts).
      name: typeof opts.name === 'string' ? opts.name : 'futures',
      resourceLimits: validateResourceLimits(opts.resourceLimits),
      execArgv: validateStringArray(opts.execArgv, `${WHERE}: execArgv`),
    });
    super(transport, opts, { where: WHERE, extraOptions: ['resourceLimits', 'execArgv'] });
  }
}
