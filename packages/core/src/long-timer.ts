/**
 * `setLongTimeout`: a one-shot timer for any delay.
 *
 * Node's `setTimeout` takes a delay up to 2³¹−1 ms (about 24.8 days); a longer
 * one, and `Infinity`, is replaced by 1 ms with a `TimeoutOverflowWarning`,
 * so a 30-day timeout would fire at once. A long timer chains `setTimeout`
 * steps of at most 2³¹−1 ms until the whole delay has passed. `Infinity`
 * means "never": no Node timer exists at all.
 *
 * Like a Node timer it holds the event loop open until it fires or is
 * cleared; `unref()` lets the process exit while it waits (and carries over
 * to every later step).
 */

/** The longest delay Node's `setTimeout` takes as given. */
export const MAX_TIMER_DELAY = 2 ** 31 - 1;

/** A pending {@link setLongTimeout}: clear it, or change whether it holds the process open. */
export class LongTimeout {
  readonly #callback: () => void;
  /** Milliseconds still to wait after the step under way. */
  #remaining: number;
  #handle: NodeJS.Timeout | undefined;
  #ref = true;

  /** @internal Use {@link setLongTimeout}. */
  constructor(callback: () => void, delay: number) {
    this.#callback = callback;
    this.#remaining = delay;
    if (delay !== Infinity) this.#step();
  }

  /** Stops the timer: the callback will not run. Idempotent. */
  clear(): void {
    if (this.#handle !== undefined) {
      clearTimeout(this.#handle);
      this.#handle = undefined;
    }
    this.#remaining = 0;
  }

  /** Lets the process exit while this timer waits (as `Timeout.unref()`). */
  unref(): this {
    this.#ref = false;
    this.#handle?.unref();
    return this;
  }

  /** Holds the process open while this timer waits again (the default). */
  ref(): this {
    this.#ref = true;
    this.#handle?.ref();
    return this;
  }

  /** True while the timer is pending and holds the process open. */
  hasRef(): boolean {
    return this.#handle !== undefined && this.#ref;
  }

  #step(): void {
    const delay = Math.min(this.#remaining, MAX_TIMER_DELAY);
    this.#remaining -= delay;
    this.#handle = setTimeout(this.#fire, delay);
    if (!this.#ref) this.#handle.unref();
  }

  readonly #fire = (): void => {
    this.#handle = undefined;
    if (this.#remaining > 0) this.#step();
    else this.#callback();
  };
}

/**
 * Calls `callback` once after `delay` ms, for any non-negative delay
 * (`Infinity`: never). Costs one Node timer at a time; a delay past
 * 2³¹−1 ms wakes up once per 24.8 days to schedule the next step.
 *
 * @throws RangeError for a negative or NaN delay.
 */
export function setLongTimeout(callback: () => void, delay: number): LongTimeout {
  if (!(delay >= 0)) throw new RangeError(`setLongTimeout: delay must be a non-negative number of milliseconds, got ${delay}`);
  return new LongTimeout(callback, delay);
}
