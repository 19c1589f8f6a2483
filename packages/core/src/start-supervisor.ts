/**
 * Start supervision: when a worker may be started, and when failing starts
 * mean the pool cannot work.
 *
 * A start fails when the transport throws a passing error (`EMFILE`,
 * `EAGAIN`, ...) or the worker exits before it is ready (killed while
 * starting, say). Such a start is retried after a backoff. The pool breaks
 * only after {@link MAX_FAILED_STARTS} failed starts in a row with no worker
 * becoming ready in between, or at once when the transport throws an error
 * that is not passing (bad options: retrying cannot help). An initializer
 * that throws breaks the pool too, but that is the engine's to see (an
 * `init-failed` message), not a failed start.
 */

/** This many failed starts in a row, with no worker becoming ready in between, break the pool. */
export const MAX_FAILED_STARTS = 3;
/** Wait after the n-th failed start in a row before starting again (ms). */
const BACKOFF_MS = [50, 250];
/** Error codes of a spawn that may succeed when tried again. */
const PASSING_CODES = new Set(['EMFILE', 'ENFILE', 'EAGAIN', 'ENOMEM', 'EBUSY']);

/** Whether a transport's `startWorker` error is a passing one (out of descriptors, processes, memory). */
export function isPassingStartError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && PASSING_CODES.has(code);
}

export class StartSupervisor {
  #failures = 0;
  #backoff: NodeJS.Timeout | undefined;
  readonly #retry: () => void;

  /** `retry` is called when a backoff is over: start the workers still wanted. */
  constructor(retry: () => void) {
    this.#retry = retry;
  }

  /** Whether workers may be started now (no backoff under way). */
  get mayStart(): boolean {
    return this.#backoff === undefined;
  }

  /** A worker became ready: the run of failures is over. */
  succeeded(): void {
    this.#failures = 0;
  }

  /**
   * A start failed. Returns true when the pool must break: the run of
   * failures is long enough. Otherwise starts wait for a backoff.
   */
  failed(): boolean {
    this.#failures++;
    if (this.#failures >= MAX_FAILED_STARTS) return true;
    if (this.#backoff === undefined) {
      this.#backoff = setTimeout(() => {
        this.#backoff = undefined;
        this.#retry();
      }, BACKOFF_MS[Math.min(this.#failures, BACKOFF_MS.length) - 1]);
    }
    return false;
  }

  /** No more starts (the pool broke or shut down). */
  stop(): void {
    clearTimeout(this.#backoff);
    this.#backoff = undefined;
  }
}
