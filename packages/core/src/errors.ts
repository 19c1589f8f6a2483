/**
 * The error classes of `@futures/core`.
 *
 * Each class has a stable `code` (as Node's own errors do) and a brand made
 * with `Symbol.for`, so `XError.isInstance(e)` works even when two copies of
 * this package are loaded (a bundled worker, a duplicated dependency), where
 * `instanceof` would not.
 */

const BRANDS = Symbol.for('@futures/core.error-brands');

type Branded = { [BRANDS]?: readonly string[] };

function hasBrand(value: unknown, brand: string): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const brands = (value as Branded)[BRANDS];
  return Array.isArray(brands) && brands.includes(brand);
}

/**
 * Stamps a brand for `name` (and those of its ancestors) on an error class,
 * and sets its `name`. Transports call it on their `Broken…PoolError` subclass:
 *
 * ```ts
 * export class BrokenThreadPoolError extends BrokenExecutorError {
 *   override readonly code: string = 'ERR_BROKEN_THREAD_POOL';
 * }
 * brandError(BrokenThreadPoolError, 'BrokenThreadPoolError');
 * ```
 */
export function brandError(cls: { prototype: object; name: string }, name: string): void {
  const parent = Object.getPrototypeOf(cls.prototype) as Branded;
  const inherited = parent[BRANDS] ?? [];
  Object.defineProperty(cls.prototype, BRANDS, { value: [...inherited, `@futures/core.${name}`] });
  Object.defineProperty(cls.prototype, 'name', { value: name, writable: true, configurable: true });
}

/** Base of every error defined by the futures packages. */
export class FuturesError extends Error {
  /** A stable machine-readable code, e.g. `'ERR_FUTURE_CANCELLED'`. */
  readonly code: string = 'ERR_FUTURES';

  /** True for any futures error, from any copy of this package. */
  static isInstance(value: unknown): value is FuturesError {
    return hasBrand(value, `@futures/core.${this.prototype.name}`);
  }
}
brandError(FuturesError, 'FuturesError');

/** The future was cancelled: thrown by `result()`/`exception()` of a cancelled future. */
export class CancelledError extends FuturesError {
  override readonly code: string = 'ERR_FUTURE_CANCELLED';
  constructor(message = 'The future was cancelled', options?: ErrorOptions) {
    super(message, options);
  }
}
brandError(CancelledError, 'CancelledError');

/** A wait ran out of time: `result(timeout)`, `wait`, `asCompleted`, `map`'s `timeout`, or a call's `timeout`. */
export class TimeoutError extends FuturesError {
  override readonly code: string = 'ERR_FUTURE_TIMEOUT';
  constructor(message = 'The operation timed out', options?: ErrorOptions) {
    super(message, options);
  }
}
brandError(TimeoutError, 'TimeoutError');

/** An operation that the future's state does not allow (setting the result of a finished future). */
export class InvalidStateError extends FuturesError {
  override readonly code: string = 'ERR_FUTURE_INVALID_STATE';
}
brandError(InvalidStateError, 'InvalidStateError');

/** `submit` or `map` after `shutdown()`. */
export class ShutdownError extends FuturesError {
  override readonly code: string = 'ERR_EXECUTOR_SHUTDOWN';
  constructor(message = 'cannot schedule new calls after shutdown', options?: ErrorOptions) {
    super(message, options);
  }
}
brandError(ShutdownError, 'ShutdownError');

/**
 * `submit` found the executor's queue full: `maxQueue` calls are PENDING
 * already. Shed the load (answer "busy"), or retry once calls have started;
 * `map` never throws it, it waits for room.
 */
export class QueueFullError extends FuturesError {
  override readonly code: string = 'ERR_QUEUE_FULL';
  constructor(message = 'the executor queue is full', options?: ErrorOptions) {
    super(message, options);
  }
}
brandError(QueueFullError, 'QueueFullError');

/**
 * A worker died while running a call (that call fails with it), or the pool
 * cannot work at all (a worker could not start, an initializer threw: every
 * pending call fails with it and `submit` throws it). Transports subclass it.
 */
export class BrokenExecutorError extends FuturesError {
  override readonly code: string = 'ERR_EXECUTOR_BROKEN';
}
brandError(BrokenExecutorError, 'BrokenExecutorError');

/**
 * The stack of an error as it was inside the worker, attached as the `cause`
 * of the rebuilt error (as Python's `_RemoteTraceback`).
 */
export class RemoteError extends FuturesError {
  override readonly code: string = 'ERR_REMOTE';
  constructor(stack: string) {
    super(`Remote stack:\n${stack}`);
    // The local stack (where the error was rebuilt) says nothing useful.
    this.stack = this.message;
  }
}
brandError(RemoteError, 'RemoteError');
