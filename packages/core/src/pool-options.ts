/**
 * The options every pool accepts, validated once, up front.
 */
import { availableParallelism } from 'node:os';
import type { InitMessage } from './protocol.js';
import { taskRefOf } from './tasks.js';
import type { Task } from './executor.js';
import { rejectUnknownOptions, validateArray, validateInteger, validateOptionsObject, validateString, validateTimeout } from './validate.js';

/** Options every pool accepts. */
export interface PoolOptions {
  /** Number of workers (default `os.availableParallelism()`). */
  maxWorkers?: number;
  /** Runs once in each worker before its first call: a `defineTasks` task or a self-contained function. */
  initializer?: Task;
  /** Arguments for `initializer`. */
  initargs?: unknown[];
  /** Retire a worker after this many calls (a fresh one replaces it). Default: never. */
  maxTasksPerWorker?: number;
  /** Retire a worker idle for this many ms (any length). Default: never (idle workers do not keep the process alive). */
  idleTimeout?: number;
  /** The pool's name, used to name its threads/processes. */
  name?: string;
  /**
   * Workers started when the pool is made and kept through `idleTimeout`
   * (replaced if they die), so the first calls do not pay for a start.
   * At most `maxWorkers`; default 0. Costs their memory while idle; idle
   * workers never keep the process alive.
   */
  minWorkers?: number;
  /**
   * Most calls PENDING (submitted, not started) at once: past it `submit`
   * throws `QueueFullError`, and `map` waits for room. Default Infinity.
   * Costs nothing (one comparison per submit).
   */
  maxQueue?: number;
}

/** How a transport package configures the engine. */
export interface PoolConfig {
  /** Class name used in messages: `'ThreadPoolExecutor'`. */
  where: string;
  /** Option keys the subclass validates and uses itself; the engine ignores them. */
  extraOptions?: readonly string[];
  /** Default for `maxWorkers` (default `os.availableParallelism()`). */
  defaultMaxWorkers?: number;
  /** Smallest allowed `maxWorkers` (default 1; the socket pool allows 0: only external workers). */
  leastMaxWorkers?: number;
}

const POOL_OPTION_KEYS = ['maxWorkers', 'initializer', 'initargs', 'maxTasksPerWorker', 'idleTimeout', 'name', 'minWorkers', 'maxQueue'] as const;

/** The engine's settings, from validated options. */
export interface PoolSettings {
  where: string;
  maxWorkers: number;
  minWorkers: number;
  maxQueue: number;
  maxTasks: number;
  idleTimeout: number | undefined;
  init: InitMessage;
}

/** @throws TypeError or RangeError naming the option at fault. */
export function poolSettings(options: unknown, config: PoolConfig): PoolSettings {
  const where = config.where;
  const o = validateOptionsObject<PoolOptions & Record<string, unknown>>(options, where);
  rejectUnknownOptions(o, [...POOL_OPTION_KEYS, ...(config.extraOptions ?? [])], where);
  const maxWorkers =
    o.maxWorkers === undefined
      ? (config.defaultMaxWorkers ?? availableParallelism())
      : validateInteger(o.maxWorkers, `${where}: maxWorkers`, config.leastMaxWorkers ?? 1);
  const minWorkers = o.minWorkers === undefined ? 0 : validateInteger(o.minWorkers, `${where}: minWorkers`, 0);
  if (minWorkers > maxWorkers) throw new RangeError(`${where}: minWorkers (${minWorkers}) must not exceed maxWorkers (${maxWorkers})`);
  const maxQueue = o.maxQueue === undefined ? Infinity : validateInteger(o.maxQueue, `${where}: maxQueue`, 1, true);
  const maxTasks = o.maxTasksPerWorker === undefined ? Infinity : validateInteger(o.maxTasksPerWorker, `${where}: maxTasksPerWorker`, 1, true);
  const idleTimeout = validateTimeout(o.idleTimeout, `${where}: idleTimeout`);
  if (o.name !== undefined) validateString(o.name, `${where}: name`);
  const initargs = o.initargs === undefined ? [] : validateArray(o.initargs, `${where}: initargs`);
  if (o.initargs !== undefined && o.initializer === undefined) throw new TypeError(`${where}: initargs needs an initializer`);
  const initializer = o.initializer === undefined ? undefined : taskRefOf(o.initializer, `${where}: initializer`);
  return { where, maxWorkers, minWorkers, maxQueue, maxTasks, idleTimeout, init: { t: 'init', initializer, initargs } };
}
