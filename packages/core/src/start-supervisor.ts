/**
 * Start supervision: when a worker may be started, and when failing starts
 * mean the pool cannot work.
 *
 * A start fails when the transport throws a passing error (`EMFILE`,
 * `EAGAIN`, ...) or the worker exits before it is ready (killed while
 * starting, say). Such a start is retried after a backoff. The pool breaks
 * only after {@link MAX_FAILED_STARTS} failed starts in a row with no worker
 * becoming ready in between (starts begun together count once: every starting
 * worker killed at once, as `kill -9` of a process group does, is one failed
 * round, not `maxWorkers` failures), or at once when the transport throws an error
 * that is not passing (bad options: retrying cannot help). An initializer
 * that throws breaks the pool too, but that is the engine's to see (an
 * `init-failed` message), not a failed start.
 *
 * A passing error (out of descriptors, processes or memory) says nothing
 * about the worker: it lasts as long as whatever holds the resource (250
 * silent connections hold their descriptors until their handshake times
 * out). Such failures do not count towards {@link MAX_FAILED_STARTS}; they
 * are retried with a backoff that doubles up to {@link MAX_PASSING_BACKOFF_MS},
 * and break the pool only when nothing but passing failures has happened for
 * {@link PASSING_GIVE_UP_MS}, so pending calls never wait forever.
 */

/** This many failed starts in a row, with no worker becoming ready in between, break the pool. */
export const MAX_FAILED_STARTS = 3;
/** Wait after the n-th failed start in a row before starting again (ms). */
const BACKOFF_MS = [50, 250];
/** The longest wait between starts that fail with a passing error (ms). */
export const MAX_PASSING_BACKOFF_MS = 2_000;
/** Passing failures with no worker becoming ready for this long (ms) break the pool. */
export const PASSING_GIVE_UP_MS = 60_000;
/** Error codes of a spawn that may succeed when tried again. */
const PASSING_CODES = new Set(['EMFILE', 'ENFILE', 'EAGAIN', 'ENOMEM', 'EBUSY']);

/** Whether a transport's `startWorker` error is a passing one (out of descriptors, processes, memory). */
export function isPassingStartError(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && PASSING_CODES.has(code)) return true;
  // A thread that could not initialize says why only in its message: "Worker initialization failure: EMFILE".
  return code === 'ERR_WORKER_INIT_FAILED' && typeof message === 'string' && PASSING_CODES.has(message.slice(message.lastIndexOf(' ') + 1));
}

export class StartSupervisor {
  #failures = 0;
  /** Counted failures so far: a start remembers it (see {@link round}) so failures of starts begun together count once. */
  #round = 0;
  /** Passing failures since a worker was last ready, and when the first of them happened. */
  #passing = 0;
  #passingSince = 0;
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

  /** What a start begun now passes to {@link failed} if it fails. */
  get round(): number {
    return this.#round;
  }

  /** A worker became ready: the run of failures is over. */
  succeeded(): void {
    this.#failures = 0;
    this.#passing = 0;
  }

  /**
   * A start failed, with `error` when one is known (thrown by the transport,
   * or the `error` of the worker's exit), and the {@link round} it began in.
   * A start begun before the last counted failure does not count again: it
   * failed with the others it was started with. Returns true when the pool
   * must break: the run of failures is long enough. Otherwise starts wait for a backoff.
   */
  failed(error?: unknown, round = this.#round): boolean {
    let delay: number;
    if (isPassingStartError(error)) {
      const now = Date.now();
      if (this.#passing++ === 0) this.#passingSince = now;
      else if (now - this.#passingSince >= PASSING_GIVE_UP_MS) return true;
      delay = Math.min(BACKOFF_MS[0] * 2 ** (this.#passing - 1), MAX_PASSING_BACKOFF_MS);
    } else {
      if (round === this.#round) {
        this.#round++;
        if (++this.#failures >= MAX_FAILED_STARTS) return true;
      }
      delay = BACKOFF_MS[Math.min(Math.max(this.#failures, 1), BACKOFF_MS.length) - 1];
    }
    if (this.#backoff === undefined) {
      this.#backoff = setTimeout(() => {
        this.#backoff = undefined;
        this.#retry();
      }, delay);
    }
    return false;
  }

  /** No more starts (the pool broke or shut down). */
  stop(): void {
    clearTimeout(this.#backoff);
    this.#backoff = undefined;
  }
}
