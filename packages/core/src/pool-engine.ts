/**
 * The pool engine's loop, as CPython's executor manager thread: take a
 * result or a death, hand out work, decide on shutdown. Each decision is
 * made by a part with a file of its own (see `pool-executor.ts` for the
 * list); this class only ties them together and owns the shared state: the
 * queue, the workers, and whether the pool is broken or shutting down.
 */
import { ShutdownError, TimeoutError, type BrokenExecutorError } from './errors.js';
import { CallSender } from './call-sender.js';
import type { WorkerFigures } from './call-stats.js';
import { describeExit, MessageBoard, settleCrash } from './crash-accounting.js';
import { DispatchPolicy, MAX_IN_FLIGHT } from './dispatch.js';
import type { FunctionRegistry } from './function-registry.js';
import type { PoolSettings } from './pool-options.js';
import { Queue } from './queue.js';
import { routeMessage, type MessageHandlers } from './worker-messages.js';
import { isPassingStartError, StartSupervisor } from './start-supervisor.js';
import type { Transport, WorkerChannel, WorkerEvents, WorkerExit } from './transport.js';
import { deliverProgress } from './task-progress.js';
import { WorkerSlot } from './worker-slot.js';
import type { WorkItem } from './work-item.js';

/** Immutable: its reactions run as microtasks. */
const RESOLVED = Promise.resolve();

function reason(error: unknown): string {
  return (error as Error)?.message ?? String(error);
}

/** The loop behind a `PoolExecutor`: one per pool, made by it, never seen by users. */
export class PoolEngine {
  readonly #transport: Transport;
  readonly #settings: PoolSettings;
  readonly #where: string;
  readonly #registry: FunctionRegistry;
  readonly #policy: DispatchPolicy;
  readonly #supervisor = new StartSupervisor(() => this.#dispatch());
  readonly #sender: CallSender;
  readonly #workers = new Set<WorkerSlot>();
  readonly #queue = new Queue<WorkItem>();
  #dispatchScheduled = false;
  /** Calls are outstanding: workers hold the event loop open. */
  #refed = false;
  #broken: BrokenExecutorError | undefined;
  #shuttingDown = false;
  /** Set by {@link endAll}: what ended the workers (`'killWorkers()'`); no worker starts after that. */
  #endedBy: string | undefined;
  #shutdownDone: Promise<void> | undefined;
  #resolveShutdown: (() => void) | undefined;
  /** The transport's close, once called (settles when it finished): shutdown resolves only after it. */
  #transportClosed: Promise<void> | undefined;
  /** Ms the workers reported running calls, and the lifetimes of workers gone (for utilization). */
  #busyMs = 0;
  #pastWorkerMs = 0;

  constructor(transport: Transport, settings: PoolSettings, registry: FunctionRegistry) {
    this.#transport = transport;
    this.#settings = settings;
    this.#where = settings.where;
    this.#registry = registry;
    this.#policy = new DispatchPolicy(settings.maxTasks);
    this.#sender = new CallSender(transport, registry, (items) => this.#requeue(items));
    transport.open?.({ attachWorker: (connect) => this.#attachWorker(connect), fail: (message, cause) => this.#break(message, cause) });
    this.#keepMinWorkers();
  }

  /** Workers alive, those with calls in flight, and their busy share of the time they have been alive. */
  workerFigures(): WorkerFigures {
    const now = performance.now();
    let alive = this.#pastWorkerMs;
    let busyWorkers = 0;
    let workers = 0;
    for (const w of this.#workers) {
      // A slot the transport is still finding a worker for (a fleet request nobody took) is not a worker yet.
      if (w.channel?.awaitingWorker === true) continue;
      workers++;
      alive += now - w.bornAt;
      // An ended worker (its call timed out or was aborted) is on its way out, its call already failed.
      if (w.busy > 0 && w.state !== 'ended') busyWorkers++;
    }
    return { workers, busyWorkers, utilization: alive > 0 ? Math.min(1, this.#busyMs / alive) : 0 };
  }

  /** Starts workers up to `minWorkers` (at construction, and to replace those that died or retired). */
  #keepMinWorkers(): void {
    if (this.#settings.minWorkers === 0 || this.#broken || this.#shuttingDown || this.#endedBy !== undefined) return;
    let n = this.#settings.minWorkers - this.#ownWorkers();
    while (n-- > 0 && !this.#broken && this.#supervisor.mayStart) this.#startWorker();
  }

  /** Workers this pool started that are not on their way out. */
  #ownWorkers(): number {
    let n = 0;
    for (const w of this.#workers) if (!w.external && (w.state === 'starting' || w.state === 'ready')) n++;
    return n;
  }

  /** Throws why no call can be submitted now (broken, shut down), if so. */
  checkOpen(): void {
    if (this.#broken) throw this.#broken;
    if (this.#shuttingDown) throw new ShutdownError(`${this.#where}: cannot schedule new calls after shutdown`);
  }

  /**
   * Queues a call. In a burst of short calls, each batch's worth goes at once
   * to a worker with room: the workers run while the caller is still
   * submitting, those that finished calls (by their boards) get more.
   */
  enqueue(item: WorkItem): void {
    this.#queue.push(item);
    // The workers start while the caller is still submitting, not after its loop. A lone call still
    // waits for the microtask, so submit-then-cancel in one tick keeps working.
    if (this.#queue.length % MAX_IN_FLIGHT === 0) this.#sendAhead();
    this.#scheduleDispatch();
  }

  /** Stops taking calls; resolves once the queue is done and every worker has exited. */
  shutdown(cancelFutures: boolean): Promise<void> {
    if (!this.#shuttingDown) {
      this.#shuttingDown = true;
      this.#shutdownDone = new Promise<void>((resolve) => (this.#resolveShutdown = resolve));
    }
    if (cancelFutures) for (const item of this.#queue) item.future.cancel();
    this.#dispatch();
    return this.#shutdownDone!;
  }

  /** Shuts down, cancelling what is queued, and calls `end` on every worker (see PoolExecutor.endAllWorkers). */
  endAll(by: string, end: (channel: WorkerChannel) => void, graceful: boolean): Promise<void> {
    this.#endedBy ??= by;
    const done = this.shutdown(true);
    for (const w of this.#workers) {
      if (w.state === 'ended') continue;
      end(w.channel);
      if (graceful) w.endAfterGrace();
    }
    return done;
  }

  /** A call's signal aborted: cancel it if it waits, else fail it and end the worker running it. */
  abort(item: WorkItem, why: unknown): void {
    if (item.future.cancel() || item.future.done()) return;
    item.future.setException(why);
    // An item with a signal runs alone on its worker (WorkItem.exclusive): ending that worker ends only this call.
    for (const w of this.#workers) if (w.inflight.peek() === item) this.#endWorker(w);
  }

  /** Work is outstanding (hold the event loop open) or not (let the process exit). */
  setRef(on: boolean): void {
    this.#refed = on;
    for (const w of this.#workers) {
      if (on) w.channel.ref();
      // A worker on its way out stays ref'd, so that `await shutdown()` sees it exit.
      else if (w.state === 'ready' || w.state === 'starting') w.channel.unref();
    }
    if (on) this.#transport.ref?.();
    else this.#transport.unref?.();
  }

  /** A burst, still in the submitting tick: the queued calls go to the worker with the most room, if one has room. */
  #sendAhead(): void {
    const now = performance.now();
    let best: WorkerSlot | undefined;
    let most = 0;
    for (const w of this.#workers) {
      const room = this.#policy.room(w, now);
      if (room > most) {
        best = w;
        most = room;
      }
    }
    if (best === undefined) return;
    const batch = this.#policy.take(this.#queue, best, most, now, true);
    if (batch.length > 0) this.#sendBatch(best, batch);
  }

  #scheduleDispatch(): void {
    if (this.#dispatchScheduled) return;
    this.#dispatchScheduled = true;
    // A microtask lets a burst of submits from one tick go out as one message per worker. A resolved
    // promise's reaction, not queueMicrotask: that makes an AsyncResource per call (~0.6 µs of a lone call).
    RESOLVED.then(this.#runDispatch);
  }

  readonly #runDispatch = (): void => {
    this.#dispatchScheduled = false;
    this.#dispatch();
  };

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
      for (const w of this.#workers) if (this.#policy.isOpen(w, now)) open.push(w);
      if (open.length > 1) open.sort((a, b) => a.busy - b.busy);
      for (let i = 0; i < open.length && remaining > 0; i++) {
        const w = open[i];
        // Short calls are shared out evenly among the open workers.
        const batch = this.#policy.take(this.#queue, w, Math.ceil(remaining / (open.length - i)), now);
        if (batch.length > 0) this.#sendBatch(w, batch);
        remaining = this.#queued();
        // Calls that could not be sent (failed alone) left this worker room: offer it the next ones.
        if (batch.length > 0 && remaining > 0 && this.#policy.isOpen(w, now)) this.#scheduleDispatch();
      }
      if (this.#endedBy === undefined) {
        let n = this.#policy.workersToStart(remaining, this.#workers, this.#settings.maxWorkers);
        while (n-- > 0 && !this.#broken && this.#supervisor.mayStart) this.#startWorker();
      }
    }
    this.#keepMinWorkers();
    if (this.#shuttingDown && this.#queued() === 0) {
      for (const w of this.#workers) if (w.busy === 0 && (w.state === 'ready' || w.state === 'starting')) w.retire();
      this.#checkShutdownComplete();
    }
  }

  #startWorker(): void {
    const slot = new WorkerSlot(false);
    slot.startRound = this.#supervisor.round;
    try {
      slot.attach(this.#transport.startWorker(this.#eventsFor(slot)));
    } catch (error) {
      // Out of descriptors or processes for a moment: try again after a backoff; a bad option: give up.
      if (!isPassingStartError(error) || this.#supervisor.failed(error)) this.#break(`${this.#where}: a worker could not start: ${reason(error)}`, error);
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
    slot.progress ??= new MessageBoard();
    this.#workers.add(slot);
    if (!this.#refed) slot.channel.unref();
    try {
      slot.channel.send(this.#settings.init);
    } catch (error) {
      const what = this.#sender.canSend(this.#settings.init.initargs) ? 'a worker could not start' : 'initargs cannot be sent to a worker';
      this.#break(`${this.#where}: ${what}: ${reason(error)}`, error);
    }
  }

  #eventsFor(slot: WorkerSlot): WorkerEvents {
    return { message: (message) => routeMessage(slot, message, this.#handlers), exit: (exit) => this.#onExit(slot, exit) };
  }

  #sendBatch(w: WorkerSlot, batch: WorkItem[]): void {
    w.clearIdle();
    const wasIdle = w.busy === 0;
    this.#sender.send(w, batch);
    if (wasIdle) w.armCallTimeout(this.#onTimeout);
  }

  readonly #onTimeout = (w: WorkerSlot, item: WorkItem, ms: number): void => {
    const name = this.#registry.describe(item.fnId);
    item.future.setException(new TimeoutError(`${this.#where}: ${name} did not finish within ${ms} ms; its worker (${w.channel.label}) was ended`));
    this.#endWorker(w);
  };

  /** What the engine does with a worker's checked messages (see worker-messages.ts). */
  readonly #handlers: MessageHandlers = {
    done: (w, timing, busy) => {
      this.#busyMs += busy;
      const now = performance.now();
      this.#policy.answered(w, now);
      if (timing !== undefined) this.#policy.timing.record(timing, now);
      // External workers are not ours to recycle: nothing would replace them.
      if (w.busy > 0) w.armCallTimeout(this.#onTimeout);
      else if (w.completed >= this.#settings.maxTasks && !w.external) w.retire();
      else this.#armIdle(w);
      this.#dispatch();
    },
    ready: (w) => {
      this.#supervisor.succeeded();
      this.#dispatch();
      if (w.busy === 0) this.#armIdle(w);
    },
    initFailed: (w, cause) => {
      // An external worker's environment is its own business: drop it, keep the pool.
      if (w.external) this.#endWorker(w);
      else this.#break(`${this.#where}: the initializer failed in a worker: ${cause.message}`, cause);
    },
    progress: (w, id, value) => {
      // A report that arrives after its call settled (its result was already in) is dropped.
      for (const item of w.inflight) {
        if (item.id !== id) continue;
        if (item.options.onProgress !== undefined && !item.future.done()) deliverProgress(item.options.onProgress, value);
        return;
      }
    },
    misbehaved: (w, what) => this.#endWorker(w, this.#transport.broken(`${this.#where}: ${w.channel.label} sent ${what}; it was ended`)),
    unknownStatus: (w) => this.#transport.broken(`${this.#where}: ${w.channel.label} sent an unknown result status`),
  };

  #armIdle(w: WorkerSlot): void {
    // Workers up to minWorkers stay however long they idle.
    if (this.#settings.idleTimeout !== undefined && !w.external) {
      w.armIdle(this.#settings.idleTimeout, () => {
        if (this.#ownWorkers() > this.#settings.minWorkers) w.retire();
      });
    }
  }

  /** Ends `w` now; when it has exited, its running call fails with `error` (unless settled) and the rest go back. */
  #endWorker(w: WorkerSlot, error?: Error): void {
    w.end(error ?? this.#transport.broken(`${this.#where}: ${w.channel.label} was ended`));
  }

  #onExit(w: WorkerSlot, exit: WorkerExit): void {
    if (w.exited) return;
    const was = w.onExit();
    this.#workers.delete(w);
    this.#pastWorkerMs += performance.now() - w.bornAt;
    const what = `${w.channel.label} ${describeExit(exit)}`;
    if (was === 'starting' && !w.external && this.#endedBy === undefined) {
      // A start that failed (a replacement killed while starting, say): retried, unless it keeps failing.
      if (this.#supervisor.failed(exit.error, w.startRound)) {
        const detail = exit.error instanceof Error ? `: ${exit.error.message}` : '';
        this.#break(`${this.#where}: a worker could not start (${what} before it was ready)${detail}`, exit.error);
      }
    } else {
      const detail = exit.error instanceof Error ? ` (${exit.error.message})` : '';
      const endError = was === 'ended' ? w.endError : undefined;
      const describe = (item: WorkItem) => this.#registry.describe(item.fnId);
      const when = endError === undefined ? what : `${w.channel.label} was ended`;
      const requeue = settleCrash(w.drain(), w.progress!, {
        running: (item) => endError ?? this.#transport.broken(`${this.#where}: ${what} while running ${describe(item)}${detail}`, exit.error),
        lost: (item) => this.#transport.broken(`${this.#where}: ${describe(item)} finished, but its result was lost: ${when}`),
        refused: (item, why) => this.#transport.broken(`${this.#where}: ${describe(item)} had not started when ${when}${why}`),
      });
      this.#requeue(requeue);
    }
    if (this.#broken || this.#shuttingDown) this.#checkShutdownComplete();
    this.#scheduleDispatch();
  }

  /** Puts calls that never started back at the front of the queue, in order. */
  #requeue(items: WorkItem[]): void {
    for (let i = items.length - 1; i >= 0; i--) {
      const item = items[i];
      item.disarm();
      if (item.future.done()) continue;
      if (this.#broken) item.future.setException(this.#broken);
      else if (this.#endedBy === undefined) this.#queue.unshift(item);
      else {
        const name = this.#registry.describe(item.fnId);
        item.future.setException(this.#transport.broken(`${this.#where}: ${name} had not started when the workers were ended by ${this.#endedBy}`));
      }
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
      for (const item of w.drain()) if (!item.future.done()) item.future.setException(error);
      w.end(error);
    }
    this.#checkShutdownComplete();
  }

  #checkShutdownComplete(): void {
    if (this.#workers.size > 0) return;
    if (!this.#broken && (!this.#shuttingDown || this.#queued() > 0)) return;
    this.#supervisor.stop();
    // A pool that broke closed its transport already: a shutdown after that still waits for the close to finish.
    this.#transportClosed ??= Promise.resolve(this.#transport.close?.()).then(
      () => {},
      () => {},
    );
    void this.#transportClosed.then(() => this.#resolveShutdown?.());
  }
}
