/**
 * `map`'s `timeout`: a deadline counted from the `map` call, which every wait
 * of the consumer (for a result, or for input to arrive) runs into alike.
 */
import { TimeoutError } from './errors.js';
import { setLongTimeout } from './long-timer.js';

export class MapDeadline {
  /** When it passes, on `performance.now()`'s clock. */
  readonly #at: number;
  /** The `timeout` as given, for the message. */
  readonly #timeout: number;

  /** Starts counting now; `timeout` is in ms and already validated. */
  constructor(timeout: number) {
    this.#timeout = timeout;
    this.#at = performance.now() + timeout;
  }

  /** Settles as `promise` does, or rejects with map's `TimeoutError` when the deadline passes first. */
  race<T>(promise: Promise<T>): Promise<T> {
    const remaining = this.#at - performance.now();
    return new Promise<T>((resolve, reject) => {
      const timer = setLongTimeout(() => reject(new TimeoutError(`map() timed out after ${this.#timeout} ms`)), Math.max(0, remaining));
      promise.then(
        (v) => {
          timer.clear();
          resolve(v);
        },
        (e) => {
          timer.clear();
          reject(e);
        },
      );
    });
  }
}
