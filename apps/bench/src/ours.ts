import type { TransferListItem } from 'node:worker_threads';
import {
  UnavailableError,
  checkEcho,
  checkFib,
  checkMap,
  makePayload,
  payloadByteLength,
  range,
  workerFile,
  type Contender,
  type Op,
} from './contender.js';
import type { ContenderKind } from './results.js';
import { REDIS_INSTALL_HINT, hasRedisServer, startBenchRedis, type BenchRedis } from './redis-server.js';
import { reasonOf, timeMs, withTimeout } from './timing.js';
import { runParseOurs } from './parse-op.js';

/** Our executors as the bench needs them, typed loosely so the bench builds and runs before they exist. */
export interface ExecutorLike {
  submit(fn: (...args: any[]) => unknown, ...args: unknown[]): PromiseLike<unknown>;
  map(fn: (...args: any[]) => unknown, ...rest: unknown[]): AsyncIterable<unknown>;
  with(options: { transfer?: TransferListItem[] }): ExecutorLike;
  shutdown(options?: { wait?: boolean; cancelFutures?: boolean }): Promise<void>;
  killWorkers?(): unknown;
}
type ExecutorCtor = new (options?: Record<string, unknown>) => ExecutorLike;
type Task = (...args: any[]) => unknown;
interface Tasks {
  noop: Task;
  fib: Task;
  echo: Task;
}

export type OurTransport = 'inline' | 'thread' | 'process' | 'socket' | 'redis';

const SOURCES: Record<OurTransport, { pkg: string; name: string }> = {
  inline: { pkg: '@futures/core', name: 'InlineExecutor' },
  thread: { pkg: '@futures/thread-pool', name: 'ThreadPoolExecutor' },
  process: { pkg: '@futures/process-pool', name: 'ProcessPoolExecutor' },
  socket: { pkg: '@futures/socket', name: 'SocketPoolExecutor' },
  redis: { pkg: '@futures/redis', name: 'RedisPoolExecutor' },
};

async function importModule(pkg: string): Promise<Record<string, unknown>> {
  // One literal per package so bundlers keep them external and TypeScript
  // does not care which names they export today.
  switch (pkg) {
    case '@futures/core':
      return await import('@futures/core');
    case '@futures/thread-pool':
      return await import('@futures/thread-pool');
    case '@futures/process-pool':
      return await import('@futures/process-pool');
    case '@futures/socket':
      return await import('@futures/socket');
    case '@futures/redis':
      return await import('@futures/redis');
    default:
      throw new Error(`unknown package ${pkg}`);
  }
}

async function loadTasks(): Promise<Tasks> {
  let mod: Record<string, unknown>;
  try {
    mod = await import(workerFile('tasks.js').href);
  } catch (err) {
    throw new UnavailableError('@futures/core', `tasks module failed to load: ${reasonOf(err)}`);
  }
  const { noop, fib, echo } = mod;
  if (typeof noop !== 'function' || typeof fib !== 'function' || typeof echo !== 'function') {
    throw new UnavailableError('@futures/core', 'tasks module lacks noop/fib/echo');
  }
  return { noop: noop as Task, fib: fib as Task, echo: echo as Task };
}

async function loadExecutor(transport: OurTransport): Promise<ExecutorCtor> {
  const { pkg, name } = SOURCES[transport];
  let mod: Record<string, unknown>;
  try {
    mod = await importModule(pkg);
  } catch (err) {
    throw new UnavailableError(pkg, `cannot import ${pkg}: ${reasonOf(err)}`);
  }
  const ctor = mod[name];
  if (typeof ctor !== 'function') throw new UnavailableError(pkg, `${pkg} does not export ${name} (not built yet?)`);
  return ctor as ExecutorCtor;
}

/** One of our executors (inline, thread, process, socket, redis) with `workers` workers. */
export class OurContender implements Contender {
  readonly id: string;
  readonly label: string;
  readonly kind: ContenderKind = 'ours';
  readonly requires: string;
  readonly #transport: OurTransport;
  readonly #workers: number;
  readonly #closeTimeoutMs: number;
  #pool: ExecutorLike | undefined;
  /** The private redis-server of the Redis rows. */
  #redis: BenchRedis | undefined;
  #tasks: Tasks | undefined;
  readonly #payloads = new Map<string, Uint8Array | Float64Array>();

  constructor(transport: OurTransport, workers: number, closeTimeoutMs: number) {
    this.#transport = transport;
    this.#workers = workers;
    this.#closeTimeoutMs = closeTimeoutMs;
    this.id = transport;
    this.label = `ours: ${transport}`;
    this.requires = SOURCES[transport].pkg;
  }

  supports(op: Op): boolean {
    if (op.kind === 'wake') return false;
    return !(op.kind === 'echo' && op.transfer && this.#transport !== 'thread');
  }

  async open(): Promise<void> {
    const tasks = await loadTasks();
    const Ctor = await loadExecutor(this.#transport);
    const pool = this.#transport === 'inline' ? new Ctor() : this.#transport === 'redis' ? await this.#openRedis(Ctor) : new Ctor({ maxWorkers: this.#workers });
    this.#pool = pool;
    this.#tasks = tasks;
    // Enough short calls in flight that the pool starts every worker now.
    await Promise.all(Array.from({ length: this.#workers * 4 }, () => pool.submit(tasks.fib, 12)));
  }

  /**
   * A RedisPoolExecutor on a private redis-server (Unix socket), whose
   * `workers` fleet workers it spawns itself: local processes that join
   * through Redis, as remote ones would.
   */
  async #openRedis(Ctor: ExecutorCtor): Promise<ExecutorLike> {
    if (!hasRedisServer()) {
      throw new UnavailableError(SOURCES.redis.pkg, `redis-server is not installed, so the Redis rows are skipped (install it: ${REDIS_INSTALL_HINT})`);
    }
    this.#redis = await startBenchRedis();
    const w = this.#workers;
    return new Ctor({ url: this.#redis.url, pool: `bench-${process.pid}-${w}`, maxWorkers: w, maxFleetWorkers: w });
  }

  async run(op: Op): Promise<number> {
    const pool = this.#pool;
    const tasks = this.#tasks;
    if (!pool || !tasks) throw new Error(`${this.label} is not open`);
    switch (op.kind) {
      case 'rtt':
        return timeMs(async () => {
          for (let i = 0; i < op.n; i++) await pool.submit(tasks.noop);
        });
      case 'burst':
        return timeMs(async () => {
          const fs: PromiseLike<unknown>[] = new Array(op.n);
          for (let i = 0; i < op.n; i++) fs[i] = pool.submit(tasks.noop);
          await Promise.all(fs);
        });
      case 'map': {
        const items = range(op.n);
        const out: unknown[] = [];
        const ms = await timeMs(async () => {
          for await (const v of pool.map(tasks.echo, items, op.chunksize === undefined ? {} : { chunksize: op.chunksize })) out.push(v);
        });
        checkMap(out, op.n, this.label);
        return ms;
      }
      case 'fib': {
        let sum = 0;
        const ms = await timeMs(async () => {
          const fs: PromiseLike<unknown>[] = new Array(op.count);
          for (let i = 0; i < op.count; i++) fs[i] = pool.submit(tasks.fib, op.n);
          for (const r of await Promise.all(fs)) sum += r as number;
        });
        checkFib(sum, op.n, op.count, this.label);
        return ms;
      }
      case 'echo':
        return op.transfer ? this.#echoTransfer(pool, tasks, op) : this.#echo(pool, tasks, op);
      case 'parse':
        return runParseOurs(pool, op, this.label);
      case 'wake':
        throw new Error(`${this.label} does not run ${op.kind}: it is a floor's measure`);
    }
  }

  async #echo(pool: ExecutorLike, tasks: Tasks, op: Extract<Op, { kind: 'echo' }>): Promise<number> {
    const key = `${op.type}:${op.bytes}`;
    let payload = this.#payloads.get(key);
    if (!payload) this.#payloads.set(key, (payload = makePayload(op.bytes, op.type)));
    const sent = payload;
    let last: unknown;
    const ms = await timeMs(async () => {
      for (let i = 0; i < op.reps; i++) last = await pool.submit(tasks.echo, sent);
    });
    checkEcho(last, sent.byteLength, this.label);
    return ms;
  }

  async #echoTransfer(pool: ExecutorLike, tasks: Tasks, op: Extract<Op, { kind: 'echo' }>): Promise<number> {
    // A transferred buffer is gone from this side, so each trip needs its own copy, made before the clock starts.
    const copies = Array.from({ length: op.reps }, () => makePayload(op.bytes, op.type));
    let last: unknown;
    const ms = await timeMs(async () => {
      for (const c of copies) last = await pool.with({ transfer: [c.buffer as ArrayBuffer] }).submit(tasks.echo, c);
    });
    checkEcho(last, payloadByteLength(op.bytes, op.type), this.label);
    return ms;
  }

  async close(): Promise<string | undefined> {
    const pool = this.#pool;
    this.#pool = undefined;
    const redis = this.#redis;
    this.#redis = undefined;
    if (!pool) {
      await redis?.stop();
      return undefined;
    }
    try {
      await withTimeout(pool.shutdown({ wait: true, cancelFutures: true }), this.#closeTimeoutMs, 'shutdown({ wait: true })');
      return undefined;
    } catch (err) {
      this.#force(pool);
      return `${reasonOf(err)}; killed its workers`;
    } finally {
      await redis?.stop();
    }
  }

  kill(): void {
    const pool = this.#pool;
    this.#pool = undefined;
    if (pool) this.#force(pool);
    this.#redis?.kill();
    this.#redis = undefined;
  }

  #force(pool: ExecutorLike): void {
    try {
      pool.killWorkers?.();
    } catch {
      // Already dead is fine: the reaper checks for leftovers at exit.
    }
    pool.shutdown({ wait: false, cancelFutures: true }).catch(() => {});
  }
}
