/**
 * `InlineExecutor`: runs calls in this thread, with the same submit/map/with/
 * shutdown behaviour as the pools. Useful in tests, for debugging (stack
 * traces and breakpoints stay in one thread), and for async I/O-bound work
 * whose concurrency you want to bound.
 */
import { AbortFanout } from './abort-fanout.js';
import type { TrackedCall, WorkerFigures } from './call-stats.js';
import { ShutdownError, TimeoutError } from './errors.js';
import { ExecutorBase, type CallOptions, type ShutdownOptions, type Task } from './executor.js';
import { Future } from './future.js';
import { setLongTimeout, type LongTimeout } from './long-timer.js';
import { Queue } from './queue.js';
import { deliverProgress, ProgressSink, withProgress } from './task-progress.js';
import { rejectUnknownOptions, validateFunction, validateInteger, validateOptionsObject } from './validate.js';

export interface InlineExecutorOptions {
  /** How many calls may run at once (async functions interleave at their awaits). Default Infinity. */
  maxWorkers?: number;
  /** Most calls PENDING (not started) at once: past it `submit` throws `QueueFullError`, and `map` waits for room. Default Infinity. */
  maxQueue?: number;
}

interface InlineItem extends TrackedCall {
  future: Future<unknown>;
  run: () => unknown;
  options: CallOptions;
}

/**
 * Runs each call in this thread, at most `maxWorkers` at a time.
 *
 * `signal` and `timeout` (from `with()`) settle the future with the signal's
 * reason or a `TimeoutError`, but cannot stop a function that is already
 * running in this thread: it runs on, keeps its `maxWorkers` slot until it
 * returns, and its eventual result is dropped; `shutdown()` waits for it.
 */
export class InlineExecutor extends ExecutorBase {
  readonly #maxWorkers: number;
  /** Calls not started yet; memory follows the backlog (a Queue drops the segments it has consumed). */
  readonly #queue = new Queue<InlineItem>();
  /** One `abort` listener per signal, however many calls share it. */
  readonly #aborts = new AbortFanout();
  #running = 0;
  #shutdown = false;
  #idle: (() => void) | undefined;
  #idlePromise: Promise<void> | undefined;
  #scheduled = false;
  /** When it was made, and the running calls integrated over time (slot-ms; with unbounded maxWorkers: ms with any call running). */
  readonly #bornAt = performance.now();
  #busyMs = 0;
  #busySince = this.#bornAt;

  constructor(options?: InlineExecutorOptions) {
    super();
    const o = validateOptionsObject<InlineExecutorOptions>(options, 'InlineExecutor');
    rejectUnknownOptions(o, ['maxWorkers', 'maxQueue'], 'InlineExecutor');
    this.#maxWorkers = o.maxWorkers === undefined ? Infinity : validateInteger(o.maxWorkers, 'InlineExecutor: maxWorkers', 1, true);
    if (o.maxQueue !== undefined) this.callStats.maxQueue = validateInteger(o.maxQueue, 'InlineExecutor: maxQueue', 1, true);
    this.callStats.where = 'InlineExecutor';
  }

  /**
   * There are no workers: `workers` is `maxWorkers` (or, unbounded, the calls
   * running), `busyWorkers` the calls running, and `utilization` the running
   * calls' share of `maxWorkers` over time (unbounded: the share of time
   * during which any call ran).
   */
  protected workerFigures(): WorkerFigures {
    this.#accountBusy();
    const elapsed = performance.now() - this.#bornAt;
    const capacity = this.#maxWorkers === Infinity ? elapsed : elapsed * this.#maxWorkers;
    return {
      workers: this.#maxWorkers === Infinity ? this.#running : this.#maxWorkers,
      busyWorkers: this.#running,
      utilization: capacity > 0 ? Math.min(1, this.#busyMs / capacity) : 0,
    };
  }

  /** Adds the busy time since the last change in the number of running calls. */
  #accountBusy(): void {
    const now = performance.now();
    const running = this.#maxWorkers === Infinity ? Math.min(1, this.#running) : this.#running;
    this.#busyMs += running * (now - this.#busySince);
    this.#busySince = now;
  }

  /** Calls run in this thread: a chunk would save no message, and would run async calls one after another. */
  protected override adaptiveMap(): boolean {
    return false;
  }

  protected checkTask(fn: unknown, argName: string): void {
    validateFunction(fn, argName);
  }

  protected submitCall(fn: Task, args: unknown[], options: CallOptions): Future<unknown> {
    return this.#enqueue(() => fn(...args), options);
  }

  protected submitChunk(fn: Task, columns: unknown[][], options: CallOptions): Future<unknown[]> {
    return this.#enqueue(async () => {
      const out = new Array<unknown>(columns[0].length);
      for (let i = 0; i < out.length; i++) {
        const v = fn(...columns.map((column) => column[i]));
        out[i] = v !== null && typeof (v as PromiseLike<unknown>)?.then === 'function' ? await v : v;
      }
      return out;
    }, options) as Future<unknown[]>;
  }

  protected shutdownExecutor({ wait, cancelFutures }: Required<ShutdownOptions>): Promise<void> {
    this.#shutdown = true;
    if (cancelFutures) {
      for (const item of this.#queue) item.future.cancel();
    }
    this.#idlePromise ??= new Promise<void>((resolve) => (this.#idle = resolve));
    this.#checkIdle();
    return wait ? this.#idlePromise : Promise.resolve();
  }

  protected override checkOpen(): void {
    if (this.#shutdown) throw new ShutdownError();
  }

  #enqueue(run: () => unknown, options: CallOptions): Future<unknown> {
    this.checkOpen();
    const { signal } = options;
    if (signal?.aborted) return this.cancelledAtSubmit();
    const future = new Future<unknown>();
    if (signal !== undefined) {
      const onAbort = () => {
        if (!future.cancel() && !future.done()) future.setException(signal.reason);
      };
      this.#aborts.add(signal, onAbort);
      future.addDoneCallback(() => this.#aborts.delete(signal, onAbort));
    }
    const stats = this.callStats;
    const item: InlineItem = { future, run, options, submittedAt: stats.submitted(), startedAt: -1 };
    future.addDoneCallback(() => stats.settled(item, future));
    this.#queue.push(item);
    if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(() => {
        this.#scheduled = false;
        this.#pump();
      });
    }
    return future;
  }

  #pump(): void {
    while (this.#running < this.#maxWorkers && this.#queue.length > 0) {
      const item = this.#queue.shift()!;
      if (item.future.setRunningOrNotifyCancel()) {
        this.callStats.started(item);
        this.#start(item);
      }
    }
    this.#checkIdle();
  }

  #start({ future, run, options }: InlineItem): void {
    this.#accountBusy();
    this.#running++;
    let timer: LongTimeout | undefined;
    if (options.timeout !== undefined) {
      timer = setLongTimeout(() => {
        if (!future.done()) future.setException(new TimeoutError(`call did not finish within ${options.timeout} ms`));
      }, options.timeout);
    }
    // With onProgress, reportProgress in the call reaches it synchronously, until the future is done.
    const { onProgress } = options;
    const sink = onProgress === undefined ? undefined : new ProgressSink((v) => future.done() || deliverProgress(onProgress, v));
    const settle = (ok: boolean, value: unknown) => {
      sink?.close();
      timer?.clear();
      this.#accountBusy();
      this.#running--;
      if (!future.done()) {
        if (ok) future.setResult(value);
        else future.setException(value);
      }
    };
    let value: unknown;
    try {
      value = sink === undefined ? run() : withProgress(sink, run)();
    } catch (error) {
      settle(false, error);
      return;
    }
    if (value !== null && typeof (value as PromiseLike<unknown>)?.then === 'function') {
      Promise.resolve(value).then(
        (v) => {
          settle(true, v);
          this.#pump();
        },
        (e) => {
          settle(false, e);
          this.#pump();
        },
      );
    } else {
      // A synchronous call is settled here; #pump's loop starts the next one.
      settle(true, value);
    }
  }

  #checkIdle(): void {
    if (this.#shutdown && this.#running === 0 && this.#queue.length === 0) this.#idle?.();
  }
}
