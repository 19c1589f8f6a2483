/**
 * Notices a connection that stays up while Redis does not answer: a server
 * that is stopped or hung, or a host or network gone without a reset. Such a
 * connection never closes by itself (ioredis has no command timeout, and TCP
 * gives up only after many minutes), so whoever owns it tracks the commands
 * it awaits here and asks {@link late} on a timer.
 */
export class AnswerWatch {
  readonly #limitMs: number;
  #pending = 0;
  /** When the oldest command still waiting was sent (replies come in order, so it is the first of the run). */
  #since: number | undefined;

  /** `limitMs`: how long a command may wait for its answer, blocking time included. */
  constructor(limitMs: number) {
    this.#limitMs = limitMs;
  }

  /** Tracks `command` until it settles; returns it. */
  track<T>(command: Promise<T>): Promise<T> {
    if (this.#pending++ === 0) this.#since = Date.now();
    const settled = () => {
      if (--this.#pending === 0) this.#since = undefined;
    };
    command.then(settled, settled);
    return command;
  }

  /** A command has waited `limitMs` or more. */
  late(now = Date.now()): boolean {
    return this.#since !== undefined && now - this.#since >= this.#limitMs;
  }

  /** The connection was dropped to reconnect: what waits is on the clock again from now. */
  restart(): void {
    this.#since = this.#pending > 0 ? Date.now() : undefined;
  }
}

/**
 * Calls `onSilent` when `watch` is late, checked every `everyMs`, and again
 * after the event loop has read its sockets (so that a loop that was itself
 * busy never blames Redis for its own delay); then restarts the watch.
 * Returns a function that stops watching.
 */
export function watchAnswers(watch: AnswerWatch, everyMs: number, onSilent: () => void): () => void {
  let stopped = false;
  const timer = setInterval(() => {
    if (!watch.late()) return;
    setImmediate(() => {
      if (stopped || !watch.late()) return;
      watch.restart();
      onSilent();
    }).unref();
  }, everyMs);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
