import { PoolExecutor, validateInteger, validateOptionsObject, validateStringArray, type PoolOptions } from '@futures/core/transport';
import { ProcessChannel, ProcessTransport } from './process-transport.js';

const WHERE = 'ProcessPoolExecutor';

/** Options of {@link ProcessPoolExecutor}: those of every pool, plus how children are started. */
export interface ProcessPoolOptions extends PoolOptions {
  /** Alias of `maxTasksPerWorker` (Python's `max_tasks_per_child`); give one or the other. */
  maxTasksPerChild?: number;
  /** Node.js options of each child. Default: the parent's `process.execArgv`. */
  execArgv?: string[];
  /** Environment of each child. Default: the parent's `process.env`. */
  env?: Record<string, string | undefined>;
}

function validateEnv(value: unknown): Record<string, string | undefined> | undefined {
  if (value === undefined) return undefined;
  const env = validateOptionsObject<Record<string, unknown>>(value, `${WHERE}: env`);
  for (const [key, v] of Object.entries(env)) {
    if (v !== undefined && typeof v !== 'string') throw new TypeError(`${WHERE}: env.${key} must be a string, got ${typeof v}`);
  }
  return { ...(env as Record<string, string | undefined>) };
}

/**
 * An executor that runs calls in a pool of child processes (`child_process.fork`),
 * Python's `ProcessPoolExecutor`. Arguments and results cross the IPC channel
 * with the v8 serializer (`serialization: 'advanced'`).
 *
 * A child that exits, crashes or is killed while running a call fails that
 * call only, with {@link BrokenProcessPoolError} naming its pid and exit code
 * or signal; a new child replaces it and the calls queued behind it run. A
 * child that cannot start, or an `initializer` that throws, breaks the pool.
 * Children exit when the parent does, however it ends (their IPC channel
 * disconnects), and idle children do not keep the parent alive.
 *
 * ```ts
 * const pool = new ProcessPoolExecutor({ maxWorkers: 4 });
 * try {
 *   console.log(await pool.submit(fib, 30));
 * } finally {
 *   await pool.shutdown();
 * }
 * ```
 */
export class ProcessPoolExecutor extends PoolExecutor {
  /** @throws TypeError or RangeError naming the option at fault. */
  constructor(options?: ProcessPoolOptions) {
    const opts = validateOptionsObject<ProcessPoolOptions>(options, WHERE);
    const { maxTasksPerChild, execArgv, env, ...poolOptions } = opts;
    if (maxTasksPerChild !== undefined) {
      if (opts.maxTasksPerWorker !== undefined) {
        throw new TypeError(`${WHERE}: maxTasksPerChild is an alias of maxTasksPerWorker; give one of them, not both`);
      }
      poolOptions.maxTasksPerWorker = validateInteger(maxTasksPerChild, `${WHERE}: maxTasksPerChild`, 1, true);
    }
    const transport = new ProcessTransport({
      // The engine validates name (it throws before any child starts).
      name: typeof opts.name === 'string' ? opts.name : 'futures',
      execArgv: validateStringArray(execArgv, `${WHERE}: execArgv`),
      env: validateEnv(env),
    });
    super(transport, poolOptions, { where: WHERE, extraOptions: ['maxTasksPerChild', 'execArgv', 'env'] });
  }

  /**
   * Python 3.14's `terminate_workers()`: shuts the pool down, cancelling every
   * call that has not started, and sends SIGTERM to every child (SIGKILL
   * after a grace period). Calls that were running fail with
   * {@link BrokenProcessPoolError}, as do calls dispatched behind them (they
   * had not started). Resolves when every child has exited.
   */
  terminateWorkers(): Promise<void> {
    return this.#endWorkers('SIGTERM', 'terminateWorkers()');
  }

  /** As {@link terminateWorkers}, with SIGKILL (Python 3.14's `kill_workers()`). */
  killWorkers(): Promise<void> {
    return this.#endWorkers('SIGKILL', 'killWorkers()');
  }

  #endWorkers(signal: NodeJS.Signals, by: string): Promise<void> {
    return this.endAllWorkers(by, (channel) => (channel as ProcessChannel).kill(signal), signal !== 'SIGKILL');
  }
}
