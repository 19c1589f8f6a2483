/**
 * Pushes that keep their order across two connections to Redis.
 *
 * Each side keeps one connection for its blocking read and sends on it too
 * while no read waits there, so that a push and the next read leave in one
 * write (every write wakes Redis: a system call and a context switch on
 * both sides). While the read waits, pushes go on the other connection. The
 * order in which Redis runs commands holds within one connection only, so a
 * push changes connection only once every push written on the other one
 * has been answered; until then it is held, and so is everything after it.
 * A receiver drops a frame whose seq is not above the last it took, so a
 * reordered push would be lost: this is what keeps it from happening.
 */

/** A connection as the pushes see it: one written push at a time, answered in order. */
export type PushWriter<T> = (payload: T) => Promise<unknown>;

interface Held<T> {
  payload: T;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export class OrderedPushes<T> {
  /** Used unless a read waits on it. */
  readonly #reader: PushWriter<T>;
  readonly #other: PushWriter<T>;
  #reading = false;
  /** Pushes written and not answered yet, all on {@link #on}. */
  #unanswered = 0;
  #on: PushWriter<T> | undefined;
  /** The last push written: answered after every push before it. */
  #last: Promise<unknown> = Promise.resolve();
  readonly #held: Held<T>[] = [];

  /** `reader`: the connection of the blocking read; `other`: the one used while that read waits. */
  constructor(reader: PushWriter<T>, other: PushWriter<T>) {
    this.#reader = reader;
    this.#other = other;
  }

  /** Whether a read waits on the reader's connection: pushes then go on the other one. */
  get reading(): boolean {
    return this.#reading;
  }

  set reading(value: boolean) {
    this.#reading = value;
    this.#release();
  }

  /** Writes `payload` now, or after the pushes before it; resolves or rejects with its answer. */
  push(payload: T): Promise<unknown> {
    if (this.#held.length === 0 && this.#mayWrite()) return this.#write(payload);
    return new Promise((resolve, reject) => {
      this.#held.push({ payload, resolve, reject });
    });
  }

  /** Resolves once every push written so far has been answered (held ones are not written yet). */
  answered(): Promise<void> {
    return this.#last.then(
      () => undefined,
      () => undefined,
    );
  }

  #target(): PushWriter<T> {
    return this.#reading ? this.#other : this.#reader;
  }

  #mayWrite(): boolean {
    return this.#unanswered === 0 || this.#on === this.#target();
  }

  #write(payload: T): Promise<unknown> {
    const on = this.#target();
    this.#unanswered++;
    this.#on = on;
    const answer = on(payload);
    this.#last = answer;
    const done = (): void => {
      this.#unanswered--;
      this.#release();
    };
    answer.then(done, done);
    return answer;
  }

  #release(): void {
    while (this.#held.length > 0 && this.#mayWrite()) {
      const held = this.#held.shift()!;
      this.#write(held.payload).then(held.resolve, held.reject);
    }
  }
}
