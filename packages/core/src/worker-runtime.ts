/**
 * The worker side of every transport: resolves task references (importing
 * each module once, compiling source once), runs calls one at a time in the
 * order received (an async call is awaited before the next starts), and
 * sends results back in batches, errors encoded as records.
 *
 * A transport's worker entry builds a {@link WorkerPort} and calls
 * {@link runWorkerRuntime}; it never touches calls itself.
 */
import {
  CALL_STRIDE,
  CHUNK,
  ERROR,
  LISTENED,
  OK,
  RESULT_STRIDE,
  SHORT_CALL_MS,
  THROWN,
  timingKey,
  type InitMessage,
  type RunMessage,
  type TaskRef,
  type ToWorker,
} from './protocol.js';
import { CallClock } from './call-clock.js';
import { CallTiming } from './call-timing.js';
import { liveResource } from './live-values.js';
import { encodeError, isErrorLike } from './remote-error.js';
import { PROGRESS_RUNNING, type ProgressWriter } from './progress.js';
import { Queue } from './queue.js';
import { ProgressSink, withProgress } from './task-progress.js';
import { TaskResolver, type ResolvedTask } from './task-resolver.js';
import type { WorkerPort } from './transport.js';

/**
 * Send results once this many are waiting, so the engine can refill the
 * worker while it runs the rest...
 */
const FLUSH_COUNT = 8;
/**
 * ...when the rest would run at least this long (ms, judged by the call just
 * run): a refill takes a message each way, and a message that wakes the other
 * side costs more than a dozen tiny calls. Shorter than that, the worker
 * would be done before the refill came: its results wait for the rest.
 */
const REFILL_MS = 0.05;
/** ...or once the oldest waiting result is this old (ms). */
const FLUSH_MS = 1;

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as PromiseLike<unknown>).then === 'function';
}

/** Starts the worker runtime on `port`. Call once per worker. */
export function runWorkerRuntime(port: WorkerPort): void {
  const runtime = new WorkerRuntime(port);
  port.onMessage((message) => runtime.receive(message));
}


class WorkerRuntime {
  readonly #port: WorkerPort;
  readonly #tasks = new TaskResolver();
  /** The batch of calls being run (flat, CALL_STRIDE slots each, from #head), and the batches received after it. */
  #batch: unknown[] = [];
  #head = 0;
  readonly #batches = new Queue<unknown[]>();
  /** Calls received and not started yet. */
  #queued = 0;
  #draining = false;
  #results: unknown[] = [];
  #busy = 0;
  #firstResultAt = 0;
  /** `[timingKey, maxMs, ...]` of the results waiting, one entry per run of calls with one key. */
  #timing: number[] = [];
  /** The engine asked this worker to retire: end it once the calls before that are done. */
  #retiring = false;

  /**
   * Shared with the engine where the transport allows it (until a write to it
   * fails); without one, results are sent before each next call.
   */
  #progress: ProgressWriter | undefined;
  /** How long each function's calls ran (by function id), to tell short calls from possibly long ones. */
  readonly #calls = new CallTiming();
  /** `performance.now()` when the last call ended. */
  #lastEnd = 0;
  /** Takes out of a call's running time what its thread spent waiting for a core (see call-clock.ts). */
  readonly #clock = new CallClock();

  constructor(port: WorkerPort) {
    this.#port = port;
    this.#progress = port.progress;
  }

  receive(message: ToWorker): void {
    if (message.t === 'run') this.#run(message);
    else if (message.t === 'init') void this.#initialize(message);
    else if (message.t === 'retire') this.#retire();
  }

  #retire(): void {
    this.#retiring = true;
    if (this.#draining) return; // #drain ends the worker when it is done.
    this.#flush();
    this.#port.close();
  }

  /**
   * A write to the progress board failed: the engine can no longer learn from
   * it which call runs, so tell it (after the results held), and from now on
   * send results before each call. No call can then be mistaken for one that
   * had not started, and run twice.
   */
  #dropBoard(): void {
    this.#progress = undefined;
    this.#flush();
    this.#port.send({ t: 'board-failed' });
  }

  async #initialize(message: InitMessage): Promise<void> {
    try {
      if (message.initializer !== undefined) {
        const fn = await this.#tasks.resolve(message.initializer);
        const r = fn(...message.initargs);
        if (isThenable(r)) await r;
      }
    } catch (error) {
      this.#port.send({ t: 'init-failed', error: encodeError(error) });
      return;
    }
    this.#port.send({ t: 'ready' });
  }

  #run(message: RunMessage): void {
    const { defs, calls } = message;
    if (defs !== undefined) {
      for (let i = 0; i < defs.length; i += 2) this.#tasks.define(defs[i] as number, defs[i + 1] as TaskRef);
    }
    // Batches queue whole (never copied call by call), so a steady backlog costs no more than its size.
    this.#batches.push(calls);
    this.#queued += calls.length / CALL_STRIDE;
    if (!this.#draining) this.#drain();
  }

  /**
   * Runs queued calls one at a time, synchronously while they are: at a call
   * that must be awaited (an import still loading, a thenable result) the
   * rest waits until it has settled, then this runs again. Not an async
   * function: one allocates a promise and a frame for every local on each
   * entry, awaited or not (some 700 bytes per lone call, on every call of a
   * round-trip loop).
   */
  #drain(): void {
    this.#draining = true;
    let waiting: Promise<void> | undefined;
    try {
      while (waiting === undefined && this.#nextCall()) waiting = this.#runNext();
    } finally {
      if (waiting === undefined) this.#drained();
    }
    waiting?.then(this.#drainAgain, this.#drainFailed);
  }

  readonly #drainAgain = (): void => this.#drain();

  /** Only a fault of the runtime itself gets here (calls' own errors are their results): end the drain, let it surface. */
  readonly #drainFailed = (error: unknown): never => {
    this.#drained();
    throw error;
  };

  /** Nothing more to run: send what waits, and end the worker if it was asked to retire meanwhile. */
  #drained(): void {
    this.#draining = false;
    this.#flush();
    if (this.#retiring) this.#port.close();
  }

  /** Whether a call is queued; moves to the next batch when the current one is done. */
  #nextCall(): boolean {
    if (this.#head === this.#batch.length) {
      const next = this.#batches.shift();
      if (next === undefined) return false;
      this.#batch = next;
      this.#head = 0;
    }
    return true;
  }

  /** Takes the next queued call off its batch and runs it (see {@link #runCall}). */
  #runNext(): Promise<void> | undefined {
    const q = this.#batch;
    const h = this.#head;
    const id = q[h] as number;
    const fnId = q[h + 1] as number;
    const kind = q[h + 2] as number;
    const args = q[h + 3] as unknown[];
    q[h + 3] = undefined;
    this.#head = h + CALL_STRIDE;
    this.#queued--;
    // The caller listens to this call's progress reports (see task-progress.ts).
    return kind >= LISTENED ? this.#runCall(id, fnId, kind - LISTENED, true, args) : this.#runCall(id, fnId, kind, false, args);
  }

  /**
   * Runs one call and records its result; returns a promise when it has to
   * wait (its function's module still loading, or a thenable result), which
   * settles once the call is recorded.
   */
  #runCall(id: number, fnId: number, kind: number, listened: boolean, args: unknown[]): Promise<void> | undefined {
    const entry = this.#tasks.get(fnId);
    if (entry !== undefined && 'pending' in entry) {
      this.#flush();
      return entry.pending.then(() => this.#runCall(id, fnId, kind, listened, args));
    }
    const task = entry as ResolvedTask | undefined;
    if (task === undefined) {
      this.#record(id, ERROR, encodeError(new Error(`the engine sent call ${String(id)} for unknown function id ${fnId}`)), 0);
      return undefined;
    }
    if ('error' in task) {
      this.#record(id, ERROR, encodeError(task.error), 0);
      return undefined;
    }
    // The engine must always know which call is running, so that a crash, an abort or a timeout
    // fails that call and no other: publish it in shared memory, or else send the results of the
    // calls before it first.
    // Results wait for company only in front of calls known to be short: before a call that may
    // be long (a new function, or one whose calls ran long lately, see call-timing.ts) they go out
    // now, so they are not held back for its duration (the engine would see this worker busy with
    // calls it has finished) nor lost if it crashes the worker.
    if (this.#progress !== undefined && !this.#progress.set(PROGRESS_RUNNING, id)) this.#dropBoard();
    const progress = this.#progress;
    // Judged by the same key as the engine's (a function's map chunks apart from its single calls).
    const key = timingKey(fnId, kind);
    if (progress === undefined) this.#flush(id);
    else if (this.#results.length > 0 && !this.#calls.isShort(key, this.#lastEnd)) this.#flush();
    const sink = listened ? this.#progressSink(id) : undefined;
    const fn = sink === undefined ? task.fn : withProgress(sink, task.fn);
    const start = performance.now();
    this.#clock.starting(start);
    let value: unknown;
    try {
      if (kind === CHUNK) {
        const columns = args as unknown[][];
        // Filled by push, so it stays a packed array: a holey one is sent as a sparse one, key by key.
        const out: unknown[] = [];
        for (let i = 0; i < columns[0].length; i++) {
          const v = callItem(fn, columns, i);
          if (isThenable(v)) {
            const rest = this.#chunkRest(fn, columns, out, i, v);
            return rest.then(
              (values) => this.#finish(id, task, kind, key, sink, start, values, false),
              (error: unknown) => this.#finish(id, task, kind, key, sink, start, error, true),
            );
          }
          out.push(v);
        }
        value = out;
      } else {
        value = fn(...args);
        if (isThenable(value)) {
          this.#flush();
          return this.#settleCall(value, id, task, kind, key, sink, start);
        }
      }
    } catch (error) {
      this.#finish(id, task, kind, key, sink, start, error, true);
      return undefined;
    }
    this.#finish(id, task, kind, key, sink, start, value, false);
    return undefined;
  }

  /**
   * Records the call whose result `pending` is a thenable once it settles.
   * Awaited, not `.then`-ed: a native promise with a `then` of its own (the
   * task's to define) must settle by its state, as `await` reads it, or an own
   * `then` that never calls back would leave the call running for ever.
   */
  async #settleCall(pending: PromiseLike<unknown>, id: number, task: ResolvedTask, kind: number, key: number, sink: ProgressSink | undefined, start: number): Promise<void> {
    let result: unknown;
    try {
      result = await pending;
    } catch (error) {
      this.#finish(id, task, kind, key, sink, start, error, true);
      return;
    }
    this.#finish(id, task, kind, key, sink, start, result, false);
  }

  /** The items of a chunk from item `i` on, whose result `pending` is a thenable: awaited one by one. */
  async #chunkRest(fn: (...args: unknown[]) => unknown, columns: unknown[][], out: unknown[], i: number, pending: PromiseLike<unknown>): Promise<unknown[]> {
    this.#flush();
    out.push(await pending);
    for (i++; i < columns[0].length; i++) {
      let v = callItem(fn, columns, i);
      if (isThenable(v)) {
        this.#flush();
        v = await v;
      }
      out.push(v);
    }
    return out;
  }

  /**
   * A call that started at `start` ended with `value` (`threw`: thrown):
   * checks that its result can be sent, records it and its running time.
   */
  #finish(id: number, task: ResolvedTask, kind: number, key: number, sink: ProgressSink | undefined, start: number, value: unknown, threw: boolean): void {
    let status: number = OK;
    if (!threw) {
      // Structured clone would deliver an emitter as `{}`: refuse it as the socket codec does. The
      // check reads the value's `constructor`, a getter the task may have made throw: that fails the call.
      try {
        const live = kind === CHUNK ? liveResultIn(value as unknown[]) : liveResource(value);
        if (live !== undefined) {
          value = new TypeError(`the result cannot be sent back to the executor: ${live} cannot be sent`);
          threw = true;
        }
      } catch (error) {
        value = error;
        threw = true;
      }
    }
    if (threw) {
      if (isErrorLike(value)) {
        status = ERROR;
        value = encodeError(task.ref.kind === 'source' && value instanceof ReferenceError ? explainScope(value, task.ref.name) : value);
      } else {
        status = THROWN;
      }
    }
    sink?.close();
    // No PROGRESS_DONE write (a second write per call: a pwrite on processes): the next call's
    // PROGRESS_RUNNING says this one finished, and a result is held only while later calls run
    // (every path that waits or ends the drain flushes first). A death in the instant between this
    // call's end and its result leaving blames it as running: it fails either way, never runs twice.
    const end = performance.now();
    const ms = end - start;
    // Judged by the time it ran, not by the time its thread waited for a core (busy still counts it all).
    const ran = ms < SHORT_CALL_MS ? ms : this.#clock.ranFor(ms, end);
    this.#lastEnd = end;
    this.#calls.note(key, ran, end);
    this.#record(id, status, value, ms, key, ran);
  }

  /** Where a listened call's `reportProgress` goes: a `progress` message, sent at once. */
  #progressSink(id: number): ProgressSink {
    return new ProgressSink((value) => {
      try {
        // As for results: structured clone would deliver an emitter as `{}`.
        const live = liveResource(value);
        if (live !== undefined) throw new TypeError(`${live} cannot be sent`);
        this.#port.send({ t: 'progress', id, value });
      } catch (error) {
        throw new TypeError(`reportProgress(): the value cannot be sent to the caller: ${shorten((error as Error)?.message ?? String(error))}`, {
          cause: error,
        });
      }
    });
  }

  /** `ms`: how long the call took (busy time); `ran`: the time it is judged by (see call-clock.ts). */
  #record(id: unknown, status: number, value: unknown, ms: number, key = NaN, ran = ms): void {
    let r = this.#results;
    // The first result and timing entry go in literals sized to them: a push onto an empty array
    // reserves 17 slots, and most messages of a round-trip loop carry one result.
    if (r.length === 0) {
      this.#firstResultAt = performance.now();
      this.#results = r = [id, status, value];
    } else {
      r.push(id, status, value);
    }
    this.#busy += ms;
    const t = this.#timing;
    if (key === key) {
      if (t.length === 0) this.#timing = [key, ran];
      else if (t[t.length - 2] === key) {
        if (ran > t[t.length - 1]) t[t.length - 1] = ran;
      } else {
        t.push(key, ran);
      }
    }
    if ((r.length >= FLUSH_COUNT * RESULT_STRIDE && this.#queued * ms >= REFILL_MS) || performance.now() - this.#firstResultAt >= FLUSH_MS) this.#flush();
  }

  /**
   * Sends waiting results; if the batch cannot be encoded, sends them one by
   * one, replacing each value that cannot go. With `started`, also announces
   * that call (no progress board): with the results, or alone.
   */
  #flush(started?: number): void {
    const results = this.#results;
    if (results.length === 0) {
      if (started !== undefined) this.#port.send({ t: 'started', id: started });
      return;
    }
    const busy = this.#busy;
    const timing = this.#timing;
    this.#results = [];
    this.#busy = 0;
    this.#timing = [];
    try {
      this.#port.send(started === undefined ? { t: 'done', results, busy, timing } : { t: 'done', results, busy, timing, started });
      return;
    } catch {
      // Find the values at fault below.
    }
    for (let i = 0; i < results.length; i += RESULT_STRIDE) {
      const one = [results[i], results[i + 1], results[i + 2]];
      try {
        this.#port.send({ t: 'done', results: one, busy: i === 0 ? busy : 0, timing: i === 0 ? timing : [] });
      } catch (error) {
        const what = one[1] === OK ? 'the result' : 'the error thrown';
        // encodeError turns any value into a plain record and never throws.
        const replacement =
          one[1] === THROWN
            ? encodeError(one[2])
            : encodeError(new TypeError(`${what} cannot be sent back to the executor: ${shorten((error as Error)?.message ?? String(error))}`));
        this.#port.send({ t: 'done', results: [one[0], ERROR, replacement], busy: 0 });
      }
    }
    if (started !== undefined) this.#port.send({ t: 'started', id: started });
  }
}

/** Item `i` of a chunk: its function called with argument j taken from `columns[j][i]`. */
function callItem(fn: (...args: unknown[]) => unknown, columns: unknown[][], i: number): unknown {
  return columns.length === 1 ? fn(columns[0][i]) : columns.length === 2 ? fn(columns[0][i], columns[1][i]) : fn(...columns.map((column) => column[i]));
}

/** The first live resource among a chunk's results, described. */
function liveResultIn(values: unknown[]): string | undefined {
  for (let i = 0; i < values.length; i++) {
    const live = liveResource(values[i]);
    if (live !== undefined) return live;
  }
  return undefined;
}

/** Codec messages quote the value (a function's whole source): keep the start. */
function shorten(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/** A ReferenceError in a function sent as source almost always means it used its enclosing scope. */
function explainScope(error: ReferenceError, name: string): ReferenceError {
  error.message +=
    ` (${name} was sent to the worker as source text, so it cannot use variables from its enclosing scope:` +
    ' pass them as arguments, or define the function with defineTasks() in a module and submit it from there)';
  return error;
}
