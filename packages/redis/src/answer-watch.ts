/**
 * Notices a connection that stays up while Redis does not answer: a server
 * that is stopped or hung, or a host or network gone without a reset. Such a
 * connection never closes by itself (ioredis has no command timeout, and TCP
 * gives up only after many minutes), so whoever owns it tracks the commands
 * it awaits here and asks {@link late} on a timer.
 */
/** How long Redis may stay unreachable (or silent) before the pool, or a worker's connection, gives up, ms. */
export const UNREACHABLE_MS = 10_000;

export class AnswerWatch {
  readonly #limitMs: number;
  /** When each command still waiting was sent, oldest first (a Map keeps insertion order). */
  readonly #pending = new Map<object, number>();

  /** `limitMs`: how long a command may wait for its answer, blocking time included. */
  constructor(limitMs: number) {
    this.#limitMs = limitMs;
  }

  /** Tracks `command` until it settles; returns it. */
  track<T>(command: Promise<T>): Promise<T> {
    const token = {};
    this.#pending.set(token, Date.now());
    const settled = () => {
      this.#pending.delete(token);
    };
    command.then(settled, settled);
    return command;
  }

  /** A command has waited `limitMs` or more. */
  late(now = Date.now()): boolean {
    for (const sentAt of this.#pending.values()) return now - sentAt >= this.#limitMs;
    return false;
  }

  /** The connection was dropped to reconnect: what waits is on the clock again from now. */
  restart(): void {
    const now = Date.now();
    for (const token of this.#pending.keys()) this.#pending.set(token, now);
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
