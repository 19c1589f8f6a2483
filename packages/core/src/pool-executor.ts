/**
 * The pool engine: one implementation of queueing, dispatch, batching,
 * cancellation, timeouts, worker recycling, crash handling and shutdown,
 * shared by every transport (threads, processes, sockets).
 *
 * Dispatch follows the documented contract. A worker runs one call at a
 * time; the engine starts with one call in flight per worker and, once the
 * workers' reported busy time shows that calls are short, keeps up to
 * {@link MAX_IN_FLIGHT} in flight per worker and sends queued calls in one
 * message, which is what hides the ~50 µs message round trip. While calls are
 * long a worker gets its next call only when it finishes one, so no worker
 * idles while calls wait behind a busy one.
 *
 * Calls in flight on a worker are kept in order; the worker answers in that
 * order, so the first unanswered one is the one running. When a worker dies
 * or is ended, that call fails and the ones behind it, which never started,
 * go back to the front of the queue: no call ever runs twice.
 */
import type { TransferListItem } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { BrokenExecutorError, ShutdownError, TimeoutError } from './errors.js';
import { ExecutorBase, validateShutdownOptions, type CallOptions, type ShutdownOptions, type Task } from './executor.js';
import { Future } from './future.js';
import { CALL, CALL_STRIDE, CHUNK, ERROR, OK, RESULT_STRIDE, THROWN, type FromWorker, type InitMessage, type SerializedError, type TaskRef } from './protocol.js';
import { decodeError } from './remote-error.js';
import { PROGRESS_DONE, PROGRESS_RUNNING } from './progress.js';
import { describeTask, taskRefOf } from './tasks.js';
import type { Transport, WorkerChannel, WorkerEvents, WorkerExit } from './transport.js';
import { rejectUnknownOptions, validateArray, validateInteger, validateOptionsObject, validateString, validateTimeout } from './validate.js';

/** At most this many calls are dispatched and unfinished on one worker. */
export const MAX_IN_FLIGHT = 16;
/** Calls whose average running time is below this (ms) count as short: dispatch ahead and batch. */
const SHORT_CALL_MS = 0.25;
/** Weight of the newest sample in the running average of call duration. */
const AVERAGE_WEIGHT = 0.2;

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
  /** Retire a worker idle for this many ms. Default: never (idle workers do not keep the process alive). */
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

/** One submitted call (or chunk of calls) on its way through the pool. */
class WorkItem {
  id = 0;
  worker: WorkerSlot | undefined = undefined;
  /** setRunningOrNotifyCancel() already moved the future to RUNNING (it stays so when requeued). */
  started = false;
  timer: ReturnType<typeof setTimeout> | undefined = undefined;

  /**
   * A call with a signal or a timeout runs alone on its worker: nothing is
   * dispatched ahead of it or behind it, so ending that worker ends this call
   * and no other, and an abort before it starts still finds it in the queue.
   */
  exclusive = false;
  /** Its transfer list moves memory (threads): once sent, it can never be sent again. */
  sendsOnce = false;

  /** Times this call went back to the queue because its worker died before running it. */
  requeues = 0;

  constructor(
    readonly future: Future<unknown>,
    readonly fnId: number,
    readonly kind: typeof CALL | typeof CHUNK,
    readonly args: unknown[],
    readonly options: CallOptions,
  ) {}
}

/** The engine's record of one worker. */
class WorkerSlot {
  channel!: WorkerChannel;
  ready = false;
  /** Retiring on purpose (close() was called): its exit is expected. */
  closing = false;
  /** Ended by the engine or exited: nothing more is sent to it and its messages are ignored. */
  dead = false;
  exited = false;
  /** Calls dispatched and not yet answered, in dispatch order, from `head`. */
  readonly inflight: WorkItem[] = [];
  head = 0;
  /** Calls dispatched to it in its life (for maxTasksPerWorker). */
  assigned = 0;
  completed = 0;
  /** Function ids whose definition this worker has received. */
  readonly known = new Set<number>();
  idleTimer: ReturnType<typeof setTimeout> | undefined = undefined;
  /** Set when the engine ended this worker: the error for the call it was running. */
  endError: Error | undefined = undefined;

  constructor(readonly external: boolean) {}

  /** Whether the call in flight must stay alone (see WorkItem.exclusive). */
  get holdsExclusive(): boolean {
    return this.busy > 0 && this.inflight[this.head].exclusive;
  }

  get busy(): number {
    return this.inflight.length - this.head;
  }

  /** Removes and returns every unanswered call. */
  drain(): WorkItem[] {
    const items = this.inflight.slice(this.head);
    this.inflight.length = 0;
    this.head = 0;
    return items;
  }
}

function describeExit(exit: WorkerExit): string {
  if (exit.signal) return `was killed by ${exit.signal}`;
  if (exit.code !== null && exit.code !== undefined) return `exited with code ${exit.code}`;
  return 'disconnected';
}

/**
 * An executor that runs calls on workers reached through a {@link Transport}.
 * Transport packages subclass it (`ThreadPoolExecutor`, `ProcessPoolExecutor`,
 * `SocketPoolExecutor`); see `transport.ts` for what a transport provides.
 */
export class PoolExecutor extends ExecutorBase {
  readonly #transport: Transport;
  readonly #where: string;
  readonly #maxWorkers: number;
  readonly #maxTasks: number;
  readonly #idleTimeout: number | undefined;
  readonly #init: InitMessage;
  /** The transport moves transferred buffers (threads) rather than ignoring transfer lists. */
  readonly #moves: boolean;

  readonly #workers = new Set<WorkerSlot>();
  #queue: WorkItem[] = [];
  #queueHead = 0;
  #dispatchScheduled = false;

  readonly #fnIds = new WeakMap<Function, number>();
  /** Ids by reference key, so that new closures with the same source (or task) reuse one id and one compiled function. */
  readonly #refIds = new Map<string, number>();
  readonly #refs: TaskRef[] = [];
  #nextCallId = 1;

  /** Futures submitted and not yet done; the pool holds the event loop open only while this is > 0. */
  #outstanding = 0;
  /** Running average of a call's duration in the workers (ms), undefined until the first answer. */
  #averageCallMs: number | undefined;

  #broken: BrokenExecutorError | undefined;
  #shuttingDown = false;
  #shutdownDone: Promise<void> | undefined;
  #resolveShutdown: (() => void) | undefined;
  #transportClosed = false;

  readonly #onFutureDone = (): void => {
    if (--this.#outstanding === 0) this.#setRef(false);
  };

  constructor(transport: Transport, options: unknown, config: PoolConfig) {
    super();
    const where = config.where;
    const o = validateOptionsObject<PoolOptions & Record<string, unknown>>(options, where);
    rejectUnknownOptions(o, [...POOL_OPTION_KEYS, ...(config.extraOptions ?? [])], where);
    const minWorkers = config.minWorkers ?? 1;
    this.#maxWorkers =
      o.maxWorkers === undefined
        ? (config.defaultMaxWorkers ?? availableParallelism())
        : validateInteger(o.maxWorkers, `${where}: maxWorkers`, minWorkers);
    this.#maxTasks = o.maxTasksPerWorker === undefined ? Infinity : validateInteger(o.maxTasksPerWorker, `${where}: maxTasksPerWorker`, 1, true);
    this.#idleTimeout = validateTimeout(o.idleTimeout, `${where}: idleTimeout`);
    if (o.name !== undefined) validateString(o.name, `${where}: name`);
    const initargs = o.initargs === undefined ? [] : validateArray(o.initargs, `${where}: initargs`);
    if (o.initargs !== undefined && o.initializer === undefined) throw new TypeError(`${where}: initargs needs an initializer`);
    const initializer = o.initializer === undefined ? undefined : taskRefOf(o.initializer, `${where}: initializer`);
    this.#init = { t: 'init', initializer, initargs };
    this.#where = where;
    this.#transport = transport;
    this.#moves = transport.movesTransfers === true;
    transport.open?.({ attachWorker: (connect) => this.#attachWorker(connect) });
  }

  protected checkTask(fn: unknown, argName: string): void {
    this.#fnIdOf(fn, argName);
  }

  protected submitCall(fn: Task, args: unknown[], options: CallOptions): Future<unknown> {
    return this.#submit(this.#fnIdOf(fn, 'fn'), CALL, args, options);
  }

  protected submitChunk(fn: Task, columns: unknown[][], options: CallOptions): Future<unknown[]> {
    return this.#submit(this.#fnIdOf(fn, 'fn'), CHUNK, columns, options) as Future<unknown[]>;
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
    if (cancelFutures) {
      for (let i = this.#queueHead; i < this.#queue.length; i++) this.#queue[i].future.cancel();
    }
    this.#dispatch();
    return wait ? this.#shutdownDone! : Promise.resolve();
  }

  #fnIdOf(fn: unknown, argName: string): number {
    let id = this.#fnIds.get(fn as Function);
    if (id === undefined) {
      const ref = taskRefOf(fn, argName);
      const key = ref.kind === 'module' ? `m:${ref.module}#${ref.name}` : `s:${ref.source}`;
      id = this.#refIds.get(key);
      if (id === undefined) {
        id = this.#refs.push(ref) - 1;
        this.#refIds.set(key, id);
      }
      this.#fnIds.set(fn as Function, id);
    }
    return id;
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
    const item = new WorkItem(future, fnId, kind, args, options);
    // A call whose buffers are transferred (where the transport moves memory) runs alone too: it must never be sent twice.
    item.sendsOnce = options.transfer !== undefined && this.#moves;
    item.exclusive = item.sendsOnce || signal !== undefined || options.timeout !== undefined;
    if (this.#outstanding++ === 0) this.#setRef(true);
    future.addDoneCallback(this.#onFutureDone);
    if (signal !== undefined) {
      const onAbort = () => this.#abort(item, signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      future.addDoneCallback(() => signal.removeEventListener('abort', onAbort));
    }
    this.#queue.push(item);
    // In a burst of calls known to be short, each time a batch's worth is waiting an idle worker
    // gets it at once: the workers start while the caller is still submitting, not after its loop.
    // A lone call still waits for the microtask, so submit-then-cancel in one tick keeps working.
    const depth = this.#depth();
    if (depth > 1 && (this.#queue.length - this.#queueHead) % depth === 0) this.#sendToIdle(depth);
    this.#scheduleDispatch();
    return future;
  }

  /** Calls in flight allowed per worker: one until calls are seen to be short, then {@link MAX_IN_FLIGHT}. */
  #depth(): number {
    return this.#averageCallMs !== undefined && this.#averageCallMs < SHORT_CALL_MS ? MAX_IN_FLIGHT : 1;
  }

  /**
   * Gives up to `depth` queued calls to the first ready worker that has none.
   * It stops at a call with a signal, timeout or transfer list: those go out
   * at the end of the tick, so an abort in the same tick still cancels them.
   */
  #sendToIdle(depth: number): void {
    for (const w of this.#workers) {
      if (w.busy !== 0 || !w.ready || w.dead || w.closing) continue;
      const left = this.#tasksLeft(w);
      if (left <= 0) continue;
      const batch = this.#take(Math.min(depth, left), false);
      if (batch.length > 0) this.#send(w, batch);
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

  /** Skips cancelled items at the head of the queue; returns how many items remain. */
  #queued(): number {
    while (this.#queueHead < this.#queue.length && this.#queue[this.#queueHead].future.cancelled() && !this.#queue[this.#queueHead].started) {
      this.#queue[this.#queueHead++] = undefined as unknown as WorkItem;
    }
    if (this.#queueHead > 0 && this.#queueHead === this.#queue.length) {
      this.#queue = [];
      this.#queueHead = 0;
    } else if (this.#queueHead > 1024 && this.#queueHead * 2 > this.#queue.length) {
      // Under a steady backlog the queue never empties: drop the taken slots now and then.
      this.#queue = this.#queue.slice(this.#queueHead);
      this.#queueHead = 0;
    }
    return this.#queue.length - this.#queueHead;
  }

  /** Hands queued calls to workers with room, starts workers if needed, retires idle ones on shutdown. */
  #dispatch(): void {
    if (this.#broken) return this.#checkShutdownComplete();
    let remaining = this.#queued();
    if (remaining > 0) {
      const depth = this.#depth();
      const open: WorkerSlot[] = [];
      for (const w of this.#workers) {
        // A busy worker is topped up only once half its calls are done, so each message carries several calls.
        if (w.ready && !w.dead && !w.closing && (w.busy === 0 || w.busy <= depth / 2) && !w.holdsExclusive && this.#tasksLeft(w) > 0) open.push(w);
      }
      if (open.length > 1) open.sort((a, b) => a.busy - b.busy);
      for (let i = 0; i < open.length && remaining > 0; i++) {
        const w = open[i];
        const share = Math.ceil(remaining / (open.length - i));
        const room = Math.min(depth - w.busy, this.#tasksLeft(w), share);
        const batch = this.#take(room, w.busy === 0);
        if (batch.length > 0) this.#send(w, batch);
        remaining = this.#queued();
        // Calls that could not be sent left this worker room: offer it the next ones.
        if (remaining > 0 && w.busy < depth && !w.dead && !w.holdsExclusive && this.#tasksLeft(w) > 0 && batch.length > 0) this.#scheduleDispatch();
      }
      if (remaining > 0) this.#startWorkers(remaining);
    }
    if (this.#shuttingDown && this.#queued() === 0) {
      for (const w of this.#workers) if (w.busy === 0 && !w.closing && !w.dead) this.#retire(w);
      this.#checkShutdownComplete();
    }
  }

  /** Calls `w` may still be given before maxTasksPerWorker retires it (external workers are never retired). */
  #tasksLeft(w: WorkerSlot): number {
    return w.external ? Infinity : this.#maxTasks - w.assigned;
  }

  /**
   * Takes up to `n` runnable items from the front of the queue, marking them
   * RUNNING. An exclusive item is taken only alone, for an idle worker.
   */
  #take(n: number, idle: boolean): WorkItem[] {
    const batch: WorkItem[] = [];
    while (batch.length < n && this.#queueHead < this.#queue.length) {
      const item = this.#queue[this.#queueHead];
      if (item.exclusive && !item.future.done()) {
        if (!idle || batch.length > 0) break;
        n = 1;
      }
      this.#queue[this.#queueHead++] = undefined as unknown as WorkItem;
      if (item.started) {
        if (!item.future.done()) batch.push(item);
      } else if (item.future.setRunningOrNotifyCancel()) {
        item.started = true;
        batch.push(item);
      }
    }
    return batch;
  }

  #startWorkers(waiting: number): void {
    let live = 0;
    let starting = 0;
    for (const w of this.#workers) {
      if (w.external || w.dead || w.closing) continue;
      live++;
      if (!w.ready) starting++;
    }
    let n = Math.min(this.#maxWorkers - live, waiting - starting);
    while (n-- > 0 && !this.#broken) this.#startWorker();
  }

  #startWorker(): void {
    const slot = new WorkerSlot(false);
    try {
      slot.channel = this.#transport.startWorker(this.#eventsFor(slot));
    } catch (error) {
      this.#break(`${this.#where}: a worker could not start: ${(error as Error)?.message ?? String(error)}`, error);
      return;
    }
    this.#addWorker(slot);
  }

  #attachWorker(connect: (events: WorkerEvents) => WorkerChannel): boolean {
    if (this.#broken || this.#shuttingDown) return false;
    const slot = new WorkerSlot(true);
    slot.channel = connect(this.#eventsFor(slot));
    this.#addWorker(slot);
    return true;
  }

  #addWorker(slot: WorkerSlot): void {
    this.#workers.add(slot);
    if (this.#outstanding === 0) slot.channel.unref();
    try {
      slot.channel.send(this.#init);
    } catch (error) {
      let what = 'a worker could not start';
      try {
        this.#checkValue(this.#init.initargs);
      } catch {
        what = 'initargs cannot be sent to a worker';
      }
      this.#break(`${this.#where}: ${what}: ${(error as Error)?.message ?? String(error)}`, error);
    }
  }

  #eventsFor(slot: WorkerSlot): WorkerEvents {
    return {
      message: (message) => this.#onMessage(slot, message),
      exit: (exit) => this.#onExit(slot, exit),
    };
  }

  /** Sends `batch` to `w` as one message; on an encoding failure, finds and fails only the calls at fault. */
  #send(w: WorkerSlot, batch: WorkItem[]): void {
    if (w.idleTimer !== undefined) {
      clearTimeout(w.idleTimer);
      w.idleTimer = undefined;
    }
    try {
      this.#post(w, batch);
    } catch (error) {
      if (batch.length === 1) return this.#sendFailed(w, batch[0], error);
      for (let i = 0; i < batch.length; i++) {
        try {
          this.#post(w, [batch[i]]);
        } catch (e) {
          this.#sendFailed(w, batch[i], e);
        }
        if (w.dead) {
          this.#requeue(batch.slice(i + 1));
          break;
        }
      }
      return;
    }
  }

  /** Encodes and sends; registers the items as in flight only when the send succeeded. */
  #post(w: WorkerSlot, batch: WorkItem[]): void {
    if (w.dead) {
      this.#requeue(batch);
      return;
    }
    const calls = new Array<unknown>(batch.length * CALL_STRIDE);
    let defs: unknown[] | undefined;
    let transfer: TransferListItem[] | undefined;
    for (let i = 0, j = 0; i < batch.length; i++, j += CALL_STRIDE) {
      const item = batch[i];
      if (!w.known.has(item.fnId)) (defs ??= []).push(item.fnId, this.#refs[item.fnId]);
      if (item.options.transfer !== undefined) (transfer ??= []).push(...item.options.transfer);
      item.id = this.#nextCallId;
      // Ids are published as 32-bit integers on the worker's progress board.
      this.#nextCallId = this.#nextCallId === 0x7fffffff ? 1 : this.#nextCallId + 1;
      calls[j] = item.id;
      calls[j + 1] = item.fnId;
      calls[j + 2] = item.kind;
      calls[j + 3] = item.args;
    }
    if (transfer !== undefined && transfer.length > 1) transfer = [...new Set(transfer)];
    w.channel.send(defs === undefined ? { t: 'run', calls } : { t: 'run', defs, calls }, transfer);
    if (defs !== undefined) for (let i = 0; i < defs.length; i += 2) w.known.add(defs[i] as number);
    const wasIdle = w.busy === 0;
    for (const item of batch) {
      item.worker = w;
      w.inflight.push(item);
    }
    w.assigned += batch.length;
    if (wasIdle) this.#armHead(w);
  }

  /** A send of one call failed: fail that call if its values are at fault, else the channel is: end the worker. */
  #sendFailed(w: WorkerSlot, item: WorkItem, error: unknown): void {
    const culprit = this.#findUnsendable(item);
    if (culprit !== undefined) {
      item.future.setException(culprit);
      return;
    }
    // No value is at fault on its own: the values are too big together, or the channel is going
    // down (its exit will follow and is handled there). Either way only this call fails: the
    // worker and the calls running on it are left alone.
    const name = describeTask(this.#refs[item.fnId]);
    item.future.setException(
      new TypeError(`the call to ${name} cannot be sent to a ${this.#transport.kind} worker: ${(error as Error)?.message ?? String(error)}`, {
        cause: error,
      }),
    );
  }

  /** A TypeError naming the argument that the transport's codec cannot carry, if any. */
  #findUnsendable(item: WorkItem): TypeError | undefined {
    const check = this.#checkValue;
    const name = this.#refs[item.fnId].name;
    for (const [i, entry] of (item.options.transfer ?? []).entries()) {
      try {
        // A copy finds a detached buffer without moving the caller's one; other objects must be transferable.
        if (entry instanceof ArrayBuffer) structuredClone(entry);
        else structuredClone(entry, { transfer: [entry] as never });
      } catch (error) {
        return new TypeError(`transfer[${i}] of the call to ${name} cannot be transferred: ${(error as Error)?.message ?? String(error)}`, {
          cause: error,
        });
      }
    }
    // A chunk's args are columns: columns[i][k] is argument i of call k.
    const columns = item.kind === CHUNK ? (item.args as unknown[][]) : item.args.map((arg) => [arg]);
    for (let k = 0; k < (columns[0]?.length ?? 0); k++) {
      for (let i = 0; i < columns.length; i++) {
        try {
          check(columns[i][k]);
        } catch (error) {
          const where = item.kind === CHUNK ? `argument ${i + 1} of ${name} (map item ${k + 1} of the chunk)` : `argument ${i + 1} of ${name}`;
          return new TypeError(
            `${where} cannot be sent to a ${this.#transport.kind} worker: ${(error as Error)?.message ?? String(error)}`,
            { cause: error },
          );
        }
      }
    }
    return undefined;
  }

  /** Starts the per-call timeout of the call now running on `w`, if it has one. */
  #armHead(w: WorkerSlot): void {
    const item = w.inflight[w.head];
    if (item === undefined || item.options.timeout === undefined || item.timer !== undefined) return;
    const ms = item.options.timeout;
    item.timer = setTimeout(() => {
      if (item.future.done() || item.worker !== w) return;
      item.future.setException(
        new TimeoutError(`${this.#where}: ${describeTask(this.#refs[item.fnId])} did not finish within ${ms} ms; its worker (${w.channel.label}) was ended`),
      );
      this.#endWorker(w, undefined);
    }, ms);
  }

  #abort(item: WorkItem, reason: unknown): void {
    if (item.future.cancel()) return;
    if (item.future.done()) return;
    item.future.setException(reason);
    // An item with a signal runs alone on its worker (WorkItem.exclusive): ending that worker ends only this call.
    if (item.worker !== undefined) this.#endWorker(item.worker, undefined);
  }

  #onMessage(w: WorkerSlot, message: FromWorker): void {
    if (w.dead) return;
    switch (message?.t) {
      case 'done':
        if (!w.ready || !Array.isArray(message.results)) return this.#misbehaved(w, 'a malformed result message');
        return this.#onResults(w, message.results, message.busy);
      case 'ready':
        if (w.ready) return this.#misbehaved(w, "a second 'ready'");
        w.ready = true;
        this.#dispatch();
        if (w.busy === 0 && !w.dead && !w.closing && !w.external && this.#idleTimeout !== undefined) this.#armIdle(w);
        return;
      case 'init-failed': {
        const cause = decodeError(message.error as SerializedError);
        if (w.external) {
          // An external worker's environment is its own business: drop it, keep the pool.
          this.#endWorker(w, undefined);
          return;
        }
        return this.#break(`${this.#where}: the initializer failed in a worker: ${cause.message}`, cause);
      }
      default:
        return this.#misbehaved(w, 'a message of unknown type');
    }
  }

  #onResults(w: WorkerSlot, results: unknown[], busy: unknown): void {
    const n = results.length / RESULT_STRIDE;
    if (!Number.isInteger(n) || n > w.busy) return this.#misbehaved(w, 'more results than calls');
    for (let i = 0; i < results.length; i += RESULT_STRIDE) {
      const item = w.inflight[w.head];
      if (item.id !== results[i]) return this.#misbehaved(w, `a result for call ${String(results[i])}, expected ${item.id}`);
      w.inflight[w.head++] = undefined as unknown as WorkItem;
      item.worker = undefined;
      if (item.timer !== undefined) clearTimeout(item.timer);
      w.completed++;
      if (item.future.done()) continue;
      const status = results[i + 1];
      const value = results[i + 2];
      if (status === OK) item.future.setResult(value);
      else if (status === ERROR) item.future.setException(decodeError(value as SerializedError));
      else if (status === THROWN) item.future.setException(value);
      else item.future.setException(new BrokenExecutorError(`${this.#where}: ${w.channel.label} sent an unknown result status`));
    }
    if (w.head === w.inflight.length) {
      w.inflight.length = 0;
      w.head = 0;
    }
    if (typeof busy === 'number' && n > 0) {
      const sample = busy / n;
      this.#averageCallMs = this.#averageCallMs === undefined ? sample : this.#averageCallMs + AVERAGE_WEIGHT * (sample - this.#averageCallMs);
    }
    if (w.busy === 0) {
      // External workers are not ours to recycle: nothing would replace them.
      if (w.completed >= this.#maxTasks && !w.external) this.#retire(w);
      else if (this.#idleTimeout !== undefined && !w.external) this.#armIdle(w);
    } else {
      this.#armHead(w);
    }
    this.#dispatch();
  }

  #armIdle(w: WorkerSlot): void {
    if (w.idleTimer !== undefined) clearTimeout(w.idleTimer);
    w.idleTimer = setTimeout(() => {
      w.idleTimer = undefined;
      if (w.busy === 0 && !w.dead && !w.closing) this.#retire(w);
    }, this.#idleTimeout);
    w.idleTimer.unref();
  }

  /** Asks an idle worker to exit on its own. */
  #retire(w: WorkerSlot): void {
    w.closing = true;
    w.channel.ref();
    if (w.idleTimer !== undefined) clearTimeout(w.idleTimer);
    w.channel.close();
  }

  /** The worker broke the protocol: end it; its running call fails. */
  #misbehaved(w: WorkerSlot, what: string): void {
    this.#endWorker(w, this.#transport.broken(`${this.#where}: ${w.channel.label} sent ${what}; it was ended`));
  }

  /**
   * Ends `w` now. Its running call fails with `runningError` (unless already
   * settled); the calls behind it never started and go back to the queue.
   */
  #endWorker(w: WorkerSlot, runningError: Error | undefined): void {
    if (w.dead) return;
    w.dead = true;
    w.endError = runningError ?? this.#transport.broken(`${this.#where}: ${w.channel.label} was ended`);
    // Its calls are sorted out when it has exited (#onExit): only then does its progress board stop moving.
    w.channel.terminate();
  }

  /**
   * Sorts the calls in flight on a dead or ended worker: the one it was
   * running fails with `runningError(item)`; those it had finished but whose
   * results were lost fail too (they must not run twice); those it had not
   * started go back to the front of the queue.
   */
  #salvage(w: WorkerSlot, runningError: (item: WorkItem) => Error, what: string): void {
    const items = w.drain();
    if (items.length === 0) return;
    let running = 0; // Without shared progress the worker reports results before each call: the first unanswered one runs.
    let finished = 0;
    const progress = w.channel.progress;
    if (progress !== undefined) {
      const runningId = progress.get(PROGRESS_RUNNING);
      const doneId = progress.get(PROGRESS_DONE);
      const doneAt = items.findIndex((item) => item.id === doneId);
      const runningAt = runningId === doneId ? -1 : items.findIndex((item) => item.id === runningId);
      finished = runningAt >= 0 ? runningAt : doneAt + 1;
      running = runningAt >= 0 ? runningAt : -1;
    }
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (i < finished || i === running) {
        item.worker = undefined;
        if (item.timer !== undefined) clearTimeout(item.timer);
        if (item.future.done()) continue;
        item.future.setException(
          i === running
            ? runningError(item)
            : this.#transport.broken(`${this.#where}: ${describeTask(this.#refs[item.fnId])} finished, but its result was lost: ${what}`),
        );
      }
    }
    const notStarted = items.slice(Math.max(finished, running + 1));
    for (const item of notStarted) {
      // A call whose buffers were transferred cannot be sent again; one that keeps killing
      // workers before it starts (a message they cannot decode) must not loop forever.
      // Count a requeue only when no call can be blamed for the death (no running call known).
      if (running < 0) item.requeues++;
      if (item.sendsOnce || item.requeues > 2) {
        item.worker = undefined;
        if (!item.future.done()) {
          item.future.setException(
            this.#transport.broken(
              `${this.#where}: ${describeTask(this.#refs[item.fnId])} had not started when ${what}` +
                (item.sendsOnce ? '; its transferred buffers are gone, so it is not sent again' : ' (for the third time)'),
            ),
          );
        }
      }
    }
    this.#requeue(notStarted);
  }

  /** Puts items that never started back at the front of the queue, in order. */
  #requeue(items: WorkItem[]): void {
    const live = items.filter((item) => {
      item.worker = undefined;
      if (item.timer !== undefined) clearTimeout(item.timer);
      item.timer = undefined;
      return !item.future.done();
    });
    if (live.length === 0) return;
    if (this.#broken) {
      for (const item of live) item.future.setException(this.#broken);
      return;
    }
    this.#queue = live.concat(this.#queue.slice(this.#queueHead));
    this.#queueHead = 0;
    this.#scheduleDispatch();
  }

  #onExit(w: WorkerSlot, exit: WorkerExit): void {
    if (w.exited) return;
    w.exited = true;
    this.#workers.delete(w);
    if (w.idleTimer !== undefined) clearTimeout(w.idleTimer);
    if (w.endError !== undefined) {
      const error = w.endError;
      this.#salvage(w, () => error, `${w.channel.label} was ended`);
    } else if (!w.dead) {
      w.dead = true;
      if (!w.ready && !w.external && !w.closing) {
        const detail = exit.error instanceof Error ? `: ${exit.error.message}` : '';
        this.#break(`${this.#where}: a worker could not start (${w.channel.label} ${describeExit(exit)} before it was ready)${detail}`, exit.error);
      } else {
        const detail = exit.error instanceof Error ? ` (${exit.error.message})` : '';
        this.#salvage(
          w,
          (item) =>
            this.#transport.broken(
              `${this.#where}: ${w.channel.label} ${describeExit(exit)} while running ${describeTask(this.#refs[item.fnId])}${detail}`,
              exit.error,
            ),
          `${w.channel.label} ${describeExit(exit)}`,
        );
      }
    }
    if (this.#broken || this.#shuttingDown) this.#checkShutdownComplete();
    this.#scheduleDispatch();
  }

  /** The pool cannot work: every pending call fails with the broken error; `submit` throws it from now on. */
  /** Throws if the transport's codec cannot carry `value`. */
  readonly #checkValue = (value: unknown): void => {
    if (this.#transport.checkValue !== undefined) this.#transport.checkValue(value);
    else structuredClone(value);
  };

  #break(message: string, cause: unknown): void {
    if (this.#broken) return;
    const error = this.#transport.broken(message, cause);
    this.#broken = error;
    const queued = this.#queue.slice(this.#queueHead);
    this.#queue = [];
    this.#queueHead = 0;
    for (const item of queued) if (!item.future.done()) item.future.setException(error);
    for (const w of this.#workers) {
      for (const item of w.drain()) {
        if (item.timer !== undefined) clearTimeout(item.timer);
        if (!item.future.done()) item.future.setException(error);
      }
      if (!w.dead) {
        w.dead = true;
        w.channel.terminate();
      }
    }
    this.#checkShutdownComplete();
  }

  #checkShutdownComplete(): void {
    if (this.#workers.size > 0) return;
    if (!this.#broken && (!this.#shuttingDown || this.#queued() > 0)) return;
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
      else if (!w.closing && !w.dead) w.channel.unref();
    }
    if (on) this.#transport.ref?.();
    else this.#transport.unref?.();
  }
}
