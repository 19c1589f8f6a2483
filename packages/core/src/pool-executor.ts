/**
 * The pool engine: the loop that ties the engine's parts together, shared by
 * every transport (threads, processes, sockets). Each part has a file:
 *
 * - `work-item.ts`: one submitted call on its way through the pool;
 * - `worker-slot.ts`: one worker and its lifecycle (starting → ready →
 *   retiring → ended);
 * - `dispatch.ts`: which calls a worker may be given (per-function timing,
 *   depth, fairness) and how many workers the demand wants;
 * - `start-supervisor.ts`: retry with backoff, and when failing starts break
 *   the pool;
 * - `crash-accounting.ts`: when a worker dies, which call is blamed and
 *   which go back to the front of the queue (no call ever runs twice);
 * - `call-sender.ts`: sending a batch, and finding the call at fault when it
 *   cannot be encoded.
 *
 * The loop itself: a call is queued; {@link PoolExecutor}'s `#dispatch` hands
 * queued calls to open workers and starts workers for the demand; results
 * settle futures; an exit is accounted for; shutdown retires idle workers
 * and closes the transport when the last one is gone.
 */
import { AbortFanout } from './abort-fanout.js';
import { setLongTimeout } from './long-timer.js';
import { BrokenExecutorError, ShutdownError, TimeoutError } from './errors.js';
import { ExecutorBase, validateShutdownOptions, type CallOptions, type ShutdownOptions, type Task } from './executor.js';
import { Future } from './future.js';
import { CallSender } from './call-sender.js';
import { accountCrash, MessageBoard } from './crash-accounting.js';
import { DispatchPolicy, MAX_IN_FLIGHT } from './dispatch.js';
import { FunctionRegistry } from './function-registry.js';
import { poolSettings, type PoolConfig, type PoolSettings } from './pool-options.js';
import { CALL, CHUNK, ERROR, OK, RESULT_STRIDE, THROWN, type FromWorker, type SerializedError } from './protocol.js';
import { Queue } from './queue.js';
import { decodeError } from './remote-error.js';
import { isPassingStartError, StartSupervisor } from './start-supervisor.js';
import type { Transport, WorkerChannel, WorkerEvents, WorkerExit } from './transport.js';
import { WorkerSlot } from './worker-slot.js';
import { WorkItem } from './work-item.js';

export { MAX_IN_FLIGHT } from './dispatch.js';
export type { PoolOptions, PoolConfig } from './pool-options.js';

function describeExit(exit: WorkerExit): string {
  if (exit.signal) return `was killed by ${exit.signal}`;
  if (exit.code !== null && exit.code !== undefined) return `exited with code ${exit.code}`;
  return 'disconnected';
}

function reason(error: unknown): string {
  return (error as Error)?.message ?? String(error);
}

/**
 * An executor that runs calls on workers reached through a {@link Transport}.
 * Transport packages subclass it (`ThreadPoolExecutor`, `ProcessPoolExecutor`,
 * `SocketPoolExecutor`); see `transport.ts` for what a transport provides.
 */
export class PoolExecutor extends ExecutorBase {
  readonly #transport: Transport;
  readonly #settings: PoolSettings;
  readonly #where: string;
  /** The transport moves transferred buffers (threads) rather than ignoring transfer lists. */
  readonly #moves: boolean;
  readonly #registry = new FunctionRegistry();
  readonly #policy: DispatchPolicy;
  readonly #supervisor = new StartSupervisor(() => this.#dispatch());
  readonly #sender: CallSender;
  /** One abort listener per signal, however many calls share it. */
  readonly #aborts = new AbortFanout();

  readonly #workers = new Set<WorkerSlot>();
  readonly #queue = new Queue<WorkItem>();
  #dispatchScheduled = false;

  /** Futures submitted and not yet done; the pool holds the event loop open only while this is > 0. */
  #outstanding = 0;
  #broken: BrokenExecutorError | undefined;
  #shuttingDown = false;
  /** Set by {@link endAllWorkers}: what ended them (`'killWorkers()'`); no worker starts after that. */
  #endedBy: string | undefined;
  #shutdownDone: Promise<void> | undefined;
  #resolveShutdown: (() => void) | undefined;
  #transportClosed = false;

  readonly #onFutureDone = (): void => {
    if (--this.#outstanding === 0) this.#setRef(false);
  };

  constructor(transport: Transport, options: unknown, config: PoolConfig) {
    super();
    this.#settings = poolSettings(options, config);
    this.#where = config.where;
    this.#transport = transport;
    this.#moves = transport.movesTransfers === true;
    this.#policy = new DispatchPolicy(this.#settings.maxTasks);
    this.#sender = new CallSender(transport, this.#registry, (items) => this.#requeue(items));
    transport.open?.({ attachWorker: (connect) => this.#attachWorker(connect) });
  }

  protected checkTask(fn: unknown, argName: string): void {
    this.#registry.idOf(fn, argName);
  }

  protected submitCall(fn: Task, args: unknown[], options: CallOptions): Future<unknown> {
    return this.#submit(this.#registry.idOf(fn, 'fn'), CALL, args, options);
  }

  protected submitChunk(fn: Task, columns: unknown[][], options: CallOptions): Future<unknown[]> {
    return this.#submit(this.#registry.idOf(fn, 'fn'), CHUNK, columns, options) as Future<unknown[]>;
  }

  /**
   * Stops accepting calls. Calls already submitted still run unless
   * `cancelFutures`; with `wait` (default) resolves when they are done and
   * every worker has exited. Idempotent.
   */
  shutdown(options?: ShutdownOptions): Promise<void> {
    const { wait, cancelFutures } = validateShutdownOptions(options);
    if (!this.#shuttingDown) {
      this.#shuttingDown = true;
      this.#shutdownDone = new Promise<void>((resolve) => (this.#resolveShutdown = resolve));
    }
    if (cancelFutures) for (const item of this.#queue) item.future.cancel();
    this.#dispatch();
    return wait ? this.#shutdownDone! : Promise.resolve();
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
    this.#endedBy ??= by;
    const done = this.shutdown({ wait: true, cancelFutures: true });
    for (const w of this.#workers) {
      if (w.state === 'ended') continue;
      end(w.channel);
      if (graceful) w.endAfterGrace();
    }
    return done;
  }

  #submit(fnId: number, kind: typeof CALL | typeof CHUNK, args: unknown[], options: CallOptions): Future<unknown> {
    if (this.#broken) throw this.#broken;
    if (this.#shuttingDown) throw new ShutdownError(`${this.#where}: cannot schedule new calls after shutdown`);
    const future = new Future<unknown>();
    const { signal } = options;
    if (signal?.aborted) {
      future.cancel();
      return future;
    }
    const item = new WorkItem(future, fnId, kind, args, options, this.#moves);
    if (this.#outstanding++ === 0) this.#setRef(true);
    future.addDoneCallback(this.#onFutureDone);
    if (signal !== undefined) {
      const onAbort = () => this.#abort(item, signal.reason);
      this.#aborts.add(signal, onAbort);
      future.addDoneCallback(() => this.#aborts.delete(signal, onAbort));
    }
    this.#queue.push(item);
    // In a burst of calls known to be short, each time a batch's worth is waiting an idle worker
    // gets it at once: the workers start while the caller is still submitting, not after its loop.
    // A lone call still waits for the microtask, so submit-then-cancel in one tick keeps working.
    if (this.#queue.length % MAX_IN_FLIGHT === 0) this.#sendToIdle();
    this.#scheduleDispatch();
    return future;
  }

  /** Gives queued short calls to the first ready worker that has none (see #submit). */
  #sendToIdle(): void {
    const now = performance.now();
    for (const w of this.#workers) {
      if (w.busy !== 0 || !this.#policy.isOpen(w)) continue;
      const batch = this.#policy.take(this.#queue, w, MAX_IN_FLIGHT, now, true);
      if (batch.length > 0) this.#sendBatch(w, batch);
      return;
    }
  }

  #scheduleDispatch(): void {
    if (this.#dispatchScheduled) return;
    this.#dispatchScheduled = true;
    // A microtask lets a burst of submits from one tick go out as one message per worker.
    queueMicrotask(() => {
      this.#dispatchScheduled = false;
      this.#dispatch();
    });
  }

  /** Drops cancelled calls at the front of the queue; returns how many remain. */
  #queued(): number {
    for (let item = this.#queue.peek(); item !== undefined && item.future.cancelled() && !item.started; item = this.#queue.peek()) {
      this.#queue.shift();
    }
    return this.#queue.length;
  }

  /** Hands queued calls to open workers, starts workers for the demand, retires idle ones on shutdown. */
  #dispatch(): void {
    if (this.#broken) return this.#checkShutdownComplete();
    let remaining = this.#queued();
    if (remaining > 0) {
      const now = performance.now();
      const open: WorkerSlot[] = [];
      for (const w of this.#workers) if (this.#policy.isOpen(w)) open.push(w);
      if (open.length > 1) open.sort((a, b) => a.busy - b.busy);
      for (let i = 0; i < open.length && remaining > 0; i++) {
        const w = open[i];
        // Short calls are shared out evenly among the open workers.
        const batch = this.#policy.take(this.#queue, w, Math.ceil(remaining / (open.length - i)), now);
        if (batch.length > 0) this.#sendBatch(w, batch);
        remaining = this.#queued();
        // Calls that could not be sent (failed alone) left this worker room: offer it the next ones.
        if (batch.length > 0 && remaining > 0 && this.#policy.isOpen(w)) this.#scheduleDispatch();
      }
      this.#startWorkers(remaining);
    }
    if (this.#shuttingDown && this.#queued() === 0) {
      for (const w of this.#workers) if (w.busy === 0 && (w.state === 'ready' || w.state === 'starting')) w.retire();
      this.#checkShutdownComplete();
    }
  }

  #startWorkers(queued: number): void {
    if (this.#broken || this.#endedBy !== undefined || !this.#supervisor.mayStart) return;
    let live = 0;
    let starting = 0;
    for (const w of this.#workers) {
      if (w.external || w.state === 'retiring' || w.state === 'ended') continue;
      live++;
      if (w.state === 'starting') starting++;
    }
    let n = Math.min(this.#settings.maxWorkers - live, this.#policy.demand(queued, this.#workers) - starting);
    while (n-- > 0 && !this.#broken && this.#supervisor.mayStart) this.#startWorker();
  }

  #startWorker(): void {
    const slot = new WorkerSlot(false);
    try {
      slot.attach(this.#transport.startWorker(this.#eventsFor(slot)));
    } catch (error) {
      // Out of descriptors or processes for a moment: try again after a backoff; a bad option: give up.
      if (!isPassingStartError(error) || this.#supervisor.failed()) {
        this.#break(`${this.#where}: a worker could not start: ${reason(error)}`, error);
      }
      return;
    }
    this.#addWorker(slot);
  }

  #attachWorker(connect: (events: WorkerEvents) => WorkerChannel): boolean {
    if (this.#broken || this.#shuttingDown) return false;
    const slot = new WorkerSlot(true);
    slot.attach(connect(this.#eventsFor(slot)));
    this.#addWorker(slot);
    return true;
  }

  #addWorker(slot: WorkerSlot): void {
    // Without a shared board the runtime announces each call before it starts.
    if (slot.progress === undefined) slot.progress = new MessageBoard();
    this.#workers.add(slot);
    if (this.#outstanding === 0) slot.channel.unref();
    try {
      slot.channel.send(this.#settings.init);
    } catch (error) {
      const what = this.#sender.canSend(this.#settings.init.initargs) ? 'a worker could not start' : 'initargs cannot be sent to a worker';
      this.#break(`${this.#where}: ${what}: ${reason(error)}`, error);
    }
  }

  #eventsFor(slot: WorkerSlot): WorkerEvents {
    return {
      message: (message) => this.#onMessage(slot, message),
      exit: (exit) => this.#onExit(slot, exit),
    };
  }

  /** Sends `batch` to `w`; the calls that went out are in flight on it. */
  #sendBatch(w: WorkerSlot, batch: WorkItem[]): void {
    w.clearIdle();
    const wasIdle = w.busy === 0;
    this.#sender.send(w, batch);
    if (wasIdle) this.#armHead(w);
  }

  /** Starts the per-call timeout of the call now running on `w`, if it has one. */
  #armHead(w: WorkerSlot): void {
    const item = w.inflight.peek();
    if (item === undefined || item.options.timeout === undefined || item.timer !== undefined) return;
    const ms = item.options.timeout;
    item.timer = setLongTimeout(() => {
      if (item.future.done() || w.inflight.peek() !== item) return;
      item.future.setException(
        new TimeoutError(`${this.#where}: ${this.#registry.describe(item.fnId)} did not finish within ${ms} ms; its worker (${w.channel.label}) was ended`),
      );
      this.#endWorker(w);
    }, ms);
  }

  #abort(item: WorkItem, why: unknown): void {
    if (item.future.cancel() || item.future.done()) return;
    item.future.setException(why);
    // An item with a signal runs alone on its worker (WorkItem.exclusive): ending that worker ends only this call.
    for (const w of this.#workers) if (w.inflight.peek() === item) this.#endWorker(w);
  }

  #onMessage(w: WorkerSlot, message: FromWorker): void {
    if (w.state === 'ended') return;
    switch (message?.t) {
      case 'done':
        if (w.state === 'starting' || !Array.isArray(message.results)) return this.#misbehaved(w, 'a malformed result message');
        return this.#onResults(w, message.results, message.timing, message.started);
      case 'started':
        if (w.progress instanceof MessageBoard) w.progress.started(message.id);
        return;
      case 'board-failed':
        // From now on the runtime announces each call (see crash-accounting.ts).
        w.progress = new MessageBoard();
        return;
      case 'ready':
        if (!w.becomeReady()) return this.#misbehaved(w, "a second 'ready'");
        this.#supervisor.succeeded();
        this.#dispatch();
        if (w.busy === 0 && w.state === 'ready') this.#armIdle(w);
        return;
      case 'init-failed': {
        const cause = decodeError(message.error as SerializedError);
        // An external worker's environment is its own business: drop it, keep the pool.
        if (w.external) return this.#endWorker(w);
        return this.#break(`${this.#where}: the initializer failed in a worker: ${cause.message}`, cause);
      }
      default:
        return this.#misbehaved(w, 'a message of unknown type');
    }
  }

  #onResults(w: WorkerSlot, results: unknown[], timing: number[] | undefined, started: number | undefined): void {
    const n = results.length / RESULT_STRIDE;
    if (!Number.isInteger(n) || n > w.busy) return this.#misbehaved(w, 'more results than calls');
    const board = w.progress instanceof MessageBoard ? w.progress : undefined;
    for (let i = 0; i < results.length; i += RESULT_STRIDE) {
      const item = w.inflight.peek()!;
      if (item.id !== results[i]) return this.#misbehaved(w, `a result for call ${String(results[i])}, expected ${item.id}`);
      w.inflight.shift();
      if (!item.short) w.unshortInFlight--;
      item.disarm();
      w.completed++;
      board?.answered(item.id);
      if (item.future.done()) continue;
      const status = results[i + 1];
      const value = results[i + 2];
      if (status === OK) item.future.setResult(value);
      else if (status === ERROR) item.future.setException(decodeError(value as SerializedError));
      else if (status === THROWN) item.future.setException(value);
      else item.future.setException(this.#transport.broken(`${this.#where}: ${w.channel.label} sent an unknown result status`));
    }
    if (started !== undefined) board?.started(started);
    if (Array.isArray(timing)) this.#policy.timing.record(timing, performance.now());
    if (w.busy === 0) {
      // External workers are not ours to recycle: nothing would replace them.
      if (w.completed >= this.#settings.maxTasks && !w.external) w.retire();
      else this.#armIdle(w);
    } else {
      this.#armHead(w);
    }
    this.#dispatch();
  }

  #armIdle(w: WorkerSlot): void {
    if (this.#settings.idleTimeout === undefined || w.external) return;
    w.clearIdle();
    w.idleTimer = setLongTimeout(() => {
      w.idleTimer = undefined;
      if (w.busy === 0 && w.state === 'ready') w.retire();
    }, this.#settings.idleTimeout).unref();
  }

  /** The worker broke the protocol: end it; its running call fails. */
  #misbehaved(w: WorkerSlot, what: string): void {
    this.#endWorker(w, this.#transport.broken(`${this.#where}: ${w.channel.label} sent ${what}; it was ended`));
  }

  /** Ends `w` now; when it has exited, its running call fails with `error` (unless settled) and the rest go back. */
  #endWorker(w: WorkerSlot, error?: Error): void {
    w.end(error ?? this.#transport.broken(`${this.#where}: ${w.channel.label} was ended`));
  }

  #onExit(w: WorkerSlot, exit: WorkerExit): void {
    if (w.exited) return;
    const was = w.onExit();
    this.#workers.delete(w);
    const what = `${w.channel.label} ${describeExit(exit)}`;
    if (was === 'starting' && !w.external && this.#endedBy === undefined) {
      // A start that failed (a replacement killed while starting, say): retried, unless it keeps failing.
      if (this.#supervisor.failed()) {
        const detail = exit.error instanceof Error ? `: ${exit.error.message}` : '';
        this.#break(`${this.#where}: a worker could not start (${what} before it was ready)${detail}`, exit.error);
      }
    } else if (was === 'ended' && w.endError !== undefined) {
      const error = w.endError;
      this.#settleDead(w, () => error, `${w.channel.label} was ended`);
    } else {
      const detail = exit.error instanceof Error ? ` (${exit.error.message})` : '';
      this.#settleDead(w, (item) => this.#transport.broken(`${this.#where}: ${what} while running ${this.#registry.describe(item.fnId)}${detail}`, exit.error), what);
    }
    if (this.#broken || this.#shuttingDown) this.#checkShutdownComplete();
    this.#scheduleDispatch();
  }

  /** Fails the calls a dead worker ran or finished; puts those it had not started back (see crash-accounting.ts). */
  #settleDead(w: WorkerSlot, runningError: (item: WorkItem) => Error, what: string): void {
    const items = w.drain();
    if (items.length === 0) return;
    const account = accountCrash(items, w.progress!);
    const fail = (item: WorkItem, error: Error) => {
      item.disarm();
      if (!item.future.done()) item.future.setException(error);
    };
    for (const item of account.lost) fail(item, this.#transport.broken(`${this.#where}: ${this.#registry.describe(item.fnId)} finished, but its result was lost: ${what}`));
    if (account.blamed !== undefined) fail(account.blamed, runningError(account.blamed));
    for (const { item, why } of account.refused) fail(item, this.#transport.broken(`${this.#where}: ${this.#registry.describe(item.fnId)} had not started when ${what}${why}`));
    this.#requeue(account.requeue);
  }

  /** Puts calls that never started back at the front of the queue, in order. */
  #requeue(items: WorkItem[]): void {
    for (let i = items.length - 1; i >= 0; i--) {
      const item = items[i];
      item.disarm();
      if (item.future.done()) continue;
      if (this.#broken) item.future.setException(this.#broken);
      else if (this.#endedBy !== undefined) {
        item.future.setException(this.#transport.broken(`${this.#where}: ${this.#registry.describe(item.fnId)} had not started when the workers were ended by ${this.#endedBy}`));
      } else this.#queue.unshift(item);
    }
    this.#scheduleDispatch();
  }

  /** The pool cannot work: every pending call fails with the broken error; `submit` throws it from now on. */
  #break(message: string, cause: unknown): void {
    if (this.#broken) return;
    const error = this.#transport.broken(message, cause);
    this.#broken = error;
    this.#supervisor.stop();
    for (let item = this.#queue.shift(); item !== undefined; item = this.#queue.shift()) if (!item.future.done()) item.future.setException(error);
    for (const w of this.#workers) {
      for (const item of w.drain()) {
        item.disarm();
        if (!item.future.done()) item.future.setException(error);
      }
      w.end(error);
    }
    this.#checkShutdownComplete();
  }

  #checkShutdownComplete(): void {
    if (this.#workers.size > 0) return;
    if (!this.#broken && (!this.#shuttingDown || this.#queued() > 0)) return;
    this.#supervisor.stop();
    if (!this.#transportClosed) {
      this.#transportClosed = true;
      void Promise.resolve(this.#transport.close?.()).then(
        () => this.#resolveShutdown?.(),
        () => this.#resolveShutdown?.(),
      );
    } else if (this.#shuttingDown) {
      this.#resolveShutdown?.();
    }
  }

  #setRef(on: boolean): void {
    for (const w of this.#workers) {
      if (on) w.channel.ref();
      // A worker on its way out stays ref'd, so that `await shutdown()` sees it exit.
      else if (w.state === 'ready' || w.state === 'starting') w.channel.unref();
    }
    if (on) this.#transport.ref?.();
    else this.#transport.unref?.();
  }
}
