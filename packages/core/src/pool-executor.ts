/**
 * `PoolExecutor`: the executor that every transport (threads, processes,
 * sockets) plugs into. This file is its public face: options, `submit`,
 * `shutdown`, signals and whether the pool holds the process open. The
 * engine behind it is a few parts, each with one job and a file:
 *
 * - `pool-engine.ts`: the loop that ties the parts together (take a result
 *   or a death, hand out work, decide on shutdown);
 * - `work-item.ts`: one submitted call on its way through the pool;
 * - `worker-slot.ts`: one worker and its lifecycle (starting → ready →
 *   retiring → ended), its timers and its calls in flight;
 * - `dispatch.ts`: which calls a worker may be given (per-function timing,
 *   depth, fairness) and how many workers the demand wants;
 * - `start-supervisor.ts`: retry with backoff, and when failing starts break
 *   the pool;
 * - `crash-accounting.ts`: when a worker dies, which call is blamed and which
 *   go back to the front of the queue (no call ever runs twice);
 * - `call-sender.ts` and `send-diagnosis.ts`: sending a batch, and finding
 *   the call at fault when it cannot be encoded;
 * - `worker-messages.ts`: a worker's messages checked and routed; its
 *   results settle their futures;
 * - `function-registry.ts`, `pool-options.ts`: function ids, options.
 */
import { AbortFanout } from './abort-fanout.js';
import type { WorkerFigures } from './call-stats.js';
import { ExecutorBase, type CallOptions, type ShutdownOptions, type Task } from './executor.js';
import { FunctionRegistry } from './function-registry.js';
import { Future } from './future.js';
import { PoolEngine } from './pool-engine.js';
import { poolSettings, type PoolConfig } from './pool-options.js';
import { CALL, CHUNK } from './protocol.js';
import type { Transport, WorkerChannel } from './transport.js';
import { WorkItem } from './work-item.js';

export { MAX_IN_FLIGHT } from './dispatch.js';
export type { PoolOptions, PoolConfig } from './pool-options.js';

/**
 * An executor that runs calls on workers reached through a {@link Transport}.
 * Transport packages subclass it (`ThreadPoolExecutor`, `ProcessPoolExecutor`,
 * `SocketPoolExecutor`); see `transport.ts` for what a transport provides.
 */
export class PoolExecutor extends ExecutorBase {
  readonly #engine: PoolEngine;
  readonly #registry = new FunctionRegistry();
  /** The transport moves transferred buffers (threads) rather than ignoring transfer lists. */
  readonly #moves: boolean;
  /** One abort listener per signal, however many calls share it. */
  readonly #aborts = new AbortFanout();
  /** Futures submitted and not yet done; the pool holds the event loop open only while this is > 0. */
  #outstanding = 0;
  /** `maxWorkers` as settled, for map's chunk sizes. */
  readonly #maxWorkers: number;

  /** @throws TypeError or RangeError naming the option at fault. */
  constructor(transport: Transport, options: unknown, config: PoolConfig) {
    super();
    this.#moves = transport.movesTransfers === true;
    const settings = poolSettings(options, config);
    this.callStats.maxQueue = settings.maxQueue;
    this.callStats.where = settings.where;
    this.#maxWorkers = settings.maxWorkers;
    this.#engine = new PoolEngine(transport, settings, this.#registry);
  }

  protected workerFigures(): WorkerFigures {
    return this.#engine.workerFigures();
  }

  protected override mapWorkers(): number | undefined {
    // 0 (a socket pool of external workers only): how many attach is not known here.
    return this.#maxWorkers > 0 ? this.#maxWorkers : undefined;
  }

  protected checkTask(fn: unknown, argName: string): void {
    this.#registry.idOf(fn, argName);
  }

  protected override checkOpen(): void {
    this.#engine.checkOpen();
  }

  protected submitCall(fn: Task, args: unknown[], options: CallOptions): Future<unknown> {
    return this.#submit(this.#registry.idOf(fn, 'fn'), CALL, args, options);
  }

  protected submitChunk(fn: Task, columns: unknown[][], options: CallOptions): Future<unknown[]> {
    return this.#submit(this.#registry.idOf(fn, 'fn'), CHUNK, columns, options) as Future<unknown[]>;
  }

  protected shutdownExecutor({ wait, cancelFutures }: Required<ShutdownOptions>): Promise<void> {
    const done = this.#engine.shutdown(cancelFutures);
    return wait ? done : Promise.resolve();
  }

  /**
   * For transports whose workers can be signalled (Python 3.14's
   * `terminate_workers()`/`kill_workers()`): shuts down, cancelling every call
   * that has not been dispatched, and calls `end` on every worker. Calls that
   * were running fail with the pool's `Broken…Error`; those dispatched behind
   * them fail too (they had not started, and no worker starts any more). With
   * `graceful`, a worker still there after the grace period is terminated.
   * Resolves when every worker has exited.
   */
  protected endAllWorkers(by: string, end: (channel: WorkerChannel) => void, graceful: boolean): Promise<void> {
    return this.#engine.endAll(by, end, graceful);
  }

  #submit(fnId: number, kind: typeof CALL | typeof CHUNK, args: unknown[], options: CallOptions): Future<unknown> {
    this.#engine.checkOpen();
    const { signal } = options;
    if (signal?.aborted) return this.cancelledAtSubmit();
    const future = new Future<unknown>();
    const stats = this.callStats;
    const item = new WorkItem(future, fnId, kind, args, options, this.#moves, stats);
    item.submittedAt = stats.submitted();
    if (this.#outstanding++ === 0) this.#engine.setRef(true);
    future.addDoneCallback(() => {
      stats.settled(item, future);
      if (--this.#outstanding === 0) this.#engine.setRef(false);
    });
    if (signal !== undefined) {
      const onAbort = () => this.#engine.abort(item, signal.reason);
      this.#aborts.add(signal, onAbort);
      future.addDoneCallback(() => this.#aborts.delete(signal, onAbort));
    }
    this.#engine.enqueue(item);
    return future;
  }
}
