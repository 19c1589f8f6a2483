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
  minWorkers?: number;
}

const POOL_OPTION_KEYS = ['maxWorkers', 'initializer', 'initargs', 'maxTasksPerWorker', 'idleTimeout', 'name'] as const;

/** The engine's settings, from validated options. */
export interface PoolSettings {
  where: string;
  maxWorkers: number;
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
      : validateInteger(o.maxWorkers, `${where}: maxWorkers`, config.minWorkers ?? 1);
  const maxTasks = o.maxTasksPerWorker === undefined ? Infinity : validateInteger(o.maxTasksPerWorker, `${where}: maxTasksPerWorker`, 1, true);
  const idleTimeout = validateTimeout(o.idleTimeout, `${where}: idleTimeout`);
  if (o.name !== undefined) validateString(o.name, `${where}: name`);
  const initargs = o.initargs === undefined ? [] : validateArray(o.initargs, `${where}: initargs`);
  if (o.initargs !== undefined && o.initializer === undefined) throw new TypeError(`${where}: initargs needs an initializer`);
  const initializer = o.initializer === undefined ? undefined : taskRefOf(o.initializer, `${where}: initializer`);
  return { where, maxWorkers, maxTasks, idleTimeout, init: { t: 'init', initializer, initargs } };
}
