/**
 * `AbortFanout`: one `abort` listener per AbortSignal, however many calls
 * share that signal.
 *
 * `pool.with({ signal })` is made to be shared: a request handler's signal
 * may cover hundreds of calls. Adding one listener per call would cost a
 * closure in the signal's listener list each, and past 10 Node prints a
 * `MaxListenersExceededWarning` ("possible EventTarget memory leak"). Here
 * each owner (an executor) keeps, per signal, the set of callbacks of its
 * unfinished calls and adds a single listener that fans the abort out to
 * them. A call removes its callback when it settles; the listener goes away
 * with the last callback, so nothing stays attached to a long-lived signal.
 */

/** One signal's callbacks, and the single listener that calls them. */
interface Entry {
  readonly callbacks: Set<() => void>;
  readonly listener: () => void;
}

/**
 * The abort callbacks of one owner, grouped by signal. Owned by an executor
 * (no module-level state): two executors sharing a signal add one listener
 * each.
 */
export class AbortFanout {
  /** Weak: a signal nobody else holds is collected with its entry. */
  readonly #entries = new WeakMap<AbortSignal, Entry>();

  /**
   * Calls `onAbort` (once) when `signal` aborts, unless it is removed first
   * with {@link AbortFanout.delete}. A callback is registered once per
   * signal however often it is added.
   *
   * A signal that is already aborted fires no event any more: check
   * `signal.aborted` before adding.
   */
  add(signal: AbortSignal, onAbort: () => void): void {
    let entry = this.#entries.get(signal);
    if (entry === undefined) {
      const callbacks = new Set<() => void>();
      const listener = (): void => this.#fire(signal, callbacks);
      entry = { callbacks, listener };
      this.#entries.set(signal, entry);
      signal.addEventListener('abort', listener, { once: true });
    }
    entry.callbacks.add(onAbort);
  }

  /**
   * Removes `onAbort` (call it when the call settles); the signal's listener
   * is removed with its last callback.
   *
   * @returns true if it was registered.
   */
  delete(signal: AbortSignal, onAbort: () => void): boolean {
    const entry = this.#entries.get(signal);
    if (entry === undefined || !entry.callbacks.delete(onAbort)) return false;
    if (entry.callbacks.size === 0) {
      this.#entries.delete(signal);
      signal.removeEventListener('abort', entry.listener);
    }
    return true;
  }

  /** How many callbacks wait on `signal` (for tests and stats). */
  size(signal: AbortSignal): number {
    return this.#entries.get(signal)?.callbacks.size ?? 0;
  }

  /**
   * The signal aborted: call every callback. One that throws does not stop
   * the others; the first error is rethrown at the end, so the event target
   * reports it as an uncaught exception, as it would for its own listener.
   */
  #fire(signal: AbortSignal, callbacks: Set<() => void>): void {
    this.#entries.delete(signal);
    let failure: { error: unknown } | undefined;
    for (const onAbort of callbacks) {
      try {
        onAbort();
      } catch (error) {
        failure ??= { error };
      }
    }
    callbacks.clear();
    if (failure !== undefined) throw failure.error;
  }
}
