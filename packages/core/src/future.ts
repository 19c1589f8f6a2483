/**
 * `Future`: the result of a call that may not have finished yet, with the
 * state machine of Python's `concurrent.futures.Future`.
 *
 * The pool engine creates and settles hundreds of thousands of futures per
 * second, so a future is four fields and settling one allocates nothing: no
 * Promise exists until someone calls `then`, `result` or `exception`. That is
 * also why a failed future that nobody looks at never causes an
 * `unhandledRejection`.
 */

import { CancelledError, InvalidStateError, TimeoutError } from './errors.js';
import { setLongTimeout, type LongTimeout } from './long-timer.js';
import { validateFunction, validateTimeout } from './validate.js';

/** The states of a {@link Future}, as in Python. */
export type FutureState = 'PENDING' | 'RUNNING' | 'CANCELLED' | 'FINISHED';

/** Called with the future once it is done (FINISHED or CANCELLED). */
export type DoneCallback<T> = (future: Future<T>) => void;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyCallback = (future: any) => void;

// The internal state is a small integer: it also records what public `state`
// hides, i.e. whether the executor was told about a cancellation (Python's
// CANCELLED_AND_NOTIFIED) and whether a FINISHED future holds a result or an
// exception. Everything >= S_CANCELLED is done.
const S_PENDING = 0;
const S_RUNNING = 1;
const S_CANCELLED = 2;
const S_CANCELLED_NOTIFIED = 3;
const S_RESULT = 4;
const S_EXCEPTION = 5;

const STATE_NAMES: readonly FutureState[] = ['PENDING', 'RUNNING', 'CANCELLED', 'CANCELLED', 'FINISHED', 'FINISHED'];

const inspectSymbol = Symbol.for('nodejs.util.inspect.custom');

/**
 * The result of a call that may not have finished yet.
 *
 * States: `PENDING` (queued; `cancel()` works), `RUNNING` (dispatched to a
 * worker; cannot be cancelled), then one of the done states: `CANCELLED` or
 * `FINISHED` (with a result or an exception). A future leaves PENDING at most
 * once and never leaves a done state.
 *
 * A future is `PromiseLike`, so `await future` gives its result, or throws its
 * exception, or a `CancelledError` if it was cancelled.
 *
 * Users get futures from an executor; `setRunningOrNotifyCancel`,
 * `setResult` and `setException` are for executor authors.
 */
export class Future<T = unknown> implements PromiseLike<T> {
  #state = S_PENDING;
  /** The result (S_RESULT) or the exception (S_EXCEPTION). */
  #value: unknown = undefined;
  /**
   * One callback needs no array: that is the common case. Typed loosely so
   * that `Future<T>` stays covariant in T, as `Promise<T>` is.
   */
  #callbacks: AnyCallback | AnyCallback[] | undefined = undefined;
  /** Pending `then` calls: one record each, settled when the future is done. */
  #reactions: ThenReaction | ThenReaction[] | undefined = undefined;
  /** Made on the first `result()`; settles when the future is done. */
  #promise: Promise<T> | undefined = undefined;

  /** `'PENDING' | 'RUNNING' | 'CANCELLED' | 'FINISHED'`. */
  get state(): FutureState {
    return STATE_NAMES[this.#state];
  }

  /**
   * Cancels the future if it is PENDING.
   *
   * @returns true if the future is now cancelled (it was PENDING, or already
   *   CANCELLED); false if it is RUNNING or FINISHED, which cannot be undone.
   *   When it cancels, the done callbacks run before `cancel` returns.
   */
  cancel(): boolean {
    const state = this.#state;
    if (state === S_CANCELLED || state === S_CANCELLED_NOTIFIED) return true;
    if (state !== S_PENDING) return false;
    this.#settle(S_CANCELLED, undefined);
    return true;
  }

  /** True if the future was cancelled. */
  cancelled(): boolean {
    return this.#state === S_CANCELLED || this.#state === S_CANCELLED_NOTIFIED;
  }

  /** True if the call is running (dispatched to a worker) and cannot be cancelled. */
  running(): boolean {
    return this.#state === S_RUNNING;
  }

  /** True if the future is CANCELLED or FINISHED. */
  done(): boolean {
    return this.#state >= S_CANCELLED;
  }

  /**
   * The result of the call, waiting up to `timeout` ms for it.
   *
   * @param timeout milliseconds; `undefined` or `Infinity` waits without
   *   limit, `0` only accepts a future that is already done.
   * @returns a Promise that resolves with the result, or rejects with the
   *   call's exception, a `CancelledError` if the future is cancelled (also
   *   while waiting), or a `TimeoutError` if it is not done in time. A
   *   timeout does not cancel the future.
   * @throws RangeError (synchronously) for a negative or NaN timeout,
   *   TypeError for a timeout that is not a number.
   */
  result(timeout?: number): Promise<T> {
    const ms = validateTimeout(timeout, 'timeout');
    if (ms === undefined || this.#state >= S_CANCELLED) return this.#basePromise();
    return this.#waitFor(ms, false) as Promise<T>;
  }

  /**
   * The exception the call raised, waiting up to `timeout` ms for it.
   *
   * @param timeout as for {@link Future.result}.
   * @returns a Promise that resolves with the exception, or with `undefined`
   *   if the call succeeded; rejects with `CancelledError` if the future is
   *   cancelled, or `TimeoutError` if it is not done in time.
   * @throws RangeError (synchronously) for a negative or NaN timeout,
   *   TypeError for a timeout that is not a number.
   */
  exception(timeout?: number): Promise<unknown> {
    const ms = validateTimeout(timeout, 'timeout');
    return this.#waitFor(ms, true);
  }

  /**
   * Calls `fn(future)` once the future is done (FINISHED or CANCELLED); at
   * once, before this returns, if it already is.
   *
   * Callbacks run synchronously when the future settles, in the order they
   * were added. One that throws is reported with `process.emitWarning`, and
   * the others still run.
   */
  addDoneCallback(fn: DoneCallback<T>): void {
    validateFunction(fn, 'fn');
    if (this.#state >= S_CANCELLED) {
      this.#invoke(fn);
      return;
    }
    const callbacks = this.#callbacks;
    if (callbacks === undefined) this.#callbacks = fn;
    else if (typeof callbacks === 'function') this.#callbacks = [callbacks, fn];
    else callbacks.push(fn);
  }

  /**
   * Removes a done callback that has not run yet (its first registration).
   * Lets `wait` and `asCompleted` detach from futures they no longer watch.
   *
   * @internal
   * @returns true if `fn` was registered and is now removed.
   */
  removeDoneCallback(fn: DoneCallback<T>): boolean {
    const callbacks = this.#callbacks;
    if (callbacks === fn) {
      this.#callbacks = undefined;
      return true;
    }
    if (callbacks === undefined || typeof callbacks === 'function') return false;
    const index = callbacks.indexOf(fn);
    if (index === -1) return false;
    callbacks.splice(index, 1);
    return true;
  }

  /**
   * True if the future is FINISHED with an exception (read synchronously,
   * as `wait`'s FIRST_EXCEPTION needs).
   *
   * @internal
   */
  hasException(): boolean {
    return this.#state === S_EXCEPTION;
  }

  /**
   * For executor authors: call it just before running the call.
   *
   * @returns true if the future was PENDING and is now RUNNING (run the
   *   call); false if it was cancelled (do not run it). In that case the
   *   future remembers that the executor was told, as Python's
   *   CANCELLED_AND_NOTIFIED, and a second call throws.
   * @throws InvalidStateError if the future is RUNNING or FINISHED, or was
   *   cancelled and this was already called.
   */
  setRunningOrNotifyCancel(): boolean {
    const state = this.#state;
    if (state === S_PENDING) {
      this.#state = S_RUNNING;
      return true;
    }
    if (state === S_CANCELLED) {
      this.#state = S_CANCELLED_NOTIFIED;
      return false;
    }
    throw new InvalidStateError(
      state === S_CANCELLED_NOTIFIED
        ? 'setRunningOrNotifyCancel() was already called on this cancelled future'
        : `setRunningOrNotifyCancel() called on a future that is ${STATE_NAMES[state]}`,
    );
  }

  /**
   * For executor authors: finishes the future with a result (from PENDING or
   * RUNNING, as Python) and runs the done callbacks.
   * @throws InvalidStateError if the future is already done.
   */
  setResult(value: T): void {
    if (this.#state >= S_CANCELLED) throw this.#alreadyDone('setResult');
    this.#settle(S_RESULT, value);
  }

  /**
   * For executor authors: finishes the future with an exception (from
   * PENDING or RUNNING, as Python) and runs the done callbacks. Any value
   * may be the exception, since JavaScript can throw any value.
   * @throws InvalidStateError if the future is already done.
   */
  setException(error: unknown): void {
    if (this.#state >= S_CANCELLED) throw this.#alreadyDone('setException');
    this.#settle(S_EXCEPTION, error);
  }

  /**
   * Makes `await future` work: fulfils with the result, rejects with the
   * exception, or with a `CancelledError` if the future is cancelled.
   */
  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: any) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    // One Promise per call, settled straight from the future: `await future`
    // and Promise.all(futures) are on the hot path of every pool.
    return new Promise<R1 | R2>((resolve, reject) => {
      const reaction = new ThenReaction(resolve as (value: unknown) => void, reject, onFulfilled, onRejected);
      if (this.#state >= S_CANCELLED) {
        this.#react(reaction);
        return;
      }
      const reactions = this.#reactions;
      if (reactions === undefined) this.#reactions = reaction;
      else if (reactions instanceof ThenReaction) this.#reactions = [reactions, reaction];
      else reactions.push(reaction);
    });
  }

  /**
   * As `Promise.prototype.catch`: a Promise that fulfils with the result, or
   * with what `onRejected` returns for the exception (a `CancelledError` if
   * the future is cancelled). The handler runs in a later microtask.
   */
  catch<R = never>(onRejected?: ((reason: any) => R | PromiseLike<R>) | null): Promise<T | R> {
    return this.then(undefined, onRejected);
  }

  /**
   * As `Promise.prototype.finally`: runs `onFinally()` (no arguments) once
   * the future is done, then settles like the future, unless `onFinally`
   * throws or returns a rejected Promise, which rejects with that reason. A
   * Promise it returns is awaited first. A cancelled future rejects with a
   * `CancelledError`.
   */
  finally(onFinally?: (() => void) | null): Promise<T> {
    if (typeof onFinally !== 'function') return this.then();
    return this.then(
      (value) => Promise.resolve(onFinally()).then(() => value),
      (reason: unknown) =>
        Promise.resolve(onFinally()).then(() => {
          throw reason;
        }),
    );
  }

  /** What `console.log(future)` shows: the private fields are invisible to `util.inspect`. */
  [inspectSymbol](depth: number, options: object, inspect: (value: unknown, options: object) => string): string {
    const state = this.#state;
    if (state < S_RESULT) return `Future <${STATE_NAMES[state]}>`;
    const what = state === S_RESULT ? 'result' : 'exception';
    return `Future <FINISHED> { ${what}: ${depth < 0 ? '[…]' : inspect(this.#value, { ...options, depth: depth - 1 })} }`;
  }

  #alreadyDone(method: string): InvalidStateError {
    return new InvalidStateError(`${method}() called on a future that is already ${STATE_NAMES[this.#state]}`);
  }

  #settle(state: number, value: unknown): void {
    this.#state = state;
    this.#value = value;
    const reactions = this.#reactions;
    if (reactions !== undefined) {
      this.#reactions = undefined;
      if (reactions instanceof ThenReaction) this.#react(reactions);
      else for (let i = 0; i < reactions.length; i++) this.#react(reactions[i]);
    }
    const callbacks = this.#callbacks;
    if (callbacks === undefined) return;
    // Detach first: a callback that adds another one sees a done future and
    // runs it at once, and the list can be freed.
    this.#callbacks = undefined;
    if (typeof callbacks === 'function') {
      this.#invoke(callbacks);
      return;
    }
    for (let i = 0; i < callbacks.length; i++) this.#invoke(callbacks[i]);
  }

  /** Settles a `then` Promise from this done future; its handler runs later, in a microtask, as Promise handlers do. */
  #react(r: ThenReaction): void {
    const state = this.#state;
    if (state === S_RESULT) {
      if (typeof r.onFulfilled === 'function') r.resolve(new HandlerJob(r.onFulfilled, this.#value));
      else r.resolve(this.#value);
      return;
    }
    const reason = state === S_EXCEPTION ? this.#value : new CancelledError();
    if (typeof r.onRejected === 'function') r.resolve(new HandlerJob(r.onRejected, reason));
    else r.reject(reason);
  }

  #invoke(fn: AnyCallback): void {
    try {
      fn(this);
    } catch (error) {
      process.emitWarning(`A Future done callback threw: ${describeError(error)}`, {
        type: 'FuturesWarning',
        code: 'FUTURES_DONE_CALLBACK_ERROR',
      });
    }
  }

  /** The Promise `result()` gives: one per future, settled in turn with the `then` calls made before it. */
  #basePromise(): Promise<T> {
    return (this.#promise ??= this.then());
  }

  /** A new Promise for the outcome (`wantException`: as `exception()` reports it). */
  #waitFor(timeout: number | undefined, wantException: boolean): Promise<unknown> {
    if (this.#state >= S_CANCELLED) {
      return new Promise((resolve, reject) => this.#deliver(resolve, reject, wantException));
    }
    if (timeout === 0) return Promise.reject(new TimeoutError('the future is not done (timeout: 0)'));
    return new Promise((resolve, reject) => {
      let timer: LongTimeout | undefined;
      const onDone = (): void => {
        timer?.clear();
        this.#deliver(resolve, reject, wantException);
      };
      this.addDoneCallback(onDone);
      if (timeout !== undefined) {
        timer = setLongTimeout(() => {
          this.removeDoneCallback(onDone);
          reject(new TimeoutError(`the future did not finish within ${timeout} ms`));
        }, timeout);
      }
    });
  }

  #deliver(resolve: (value: unknown) => void, reject: (reason: unknown) => void, wantException: boolean): void {
    const state = this.#state;
    if (state === S_RESULT) resolve(wantException ? undefined : this.#value);
    else if (state === S_EXCEPTION) {
      if (wantException) resolve(this.#value);
      else reject(this.#value);
    } else reject(new CancelledError());
  }
}

/** A `then` waiting for its future: the returned Promise's resolvers and the handlers. */
class ThenReaction {
  constructor(
    readonly resolve: (value: unknown) => void,
    readonly reject: (reason: unknown) => void,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    readonly onFulfilled: ((value: any) => unknown) | null | undefined,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    readonly onRejected: ((reason: any) => unknown) | null | undefined,
  ) {}
}

/**
 * Runs a `then` handler a microtask later: resolving a Promise with a
 * thenable makes the Promise machinery call its `then` in a job of its own,
 * and a throw there rejects the Promise. That is the asynchrony Promise
 * handlers must have, without a second Promise or `queueMicrotask` (which
 * creates an async resource per call in Node).
 */
class HandlerJob {
  constructor(
    readonly handler: (value: unknown) => unknown,
    readonly arg: unknown,
  ) {}

  then(resolve: (value: unknown) => void): void {
    // Called as a plain function, as Promise handlers are: `this` is undefined inside it.
    const { handler, arg } = this;
    resolve(handler(arg));
  }
}

/** The stack of an Error, else the string form; never throws (a value may have a throwing getter or toString). */
function describeError(error: unknown): string {
  try {
    if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
    return String(error);
  } catch {
    return 'a value that cannot be printed';
  }
}
