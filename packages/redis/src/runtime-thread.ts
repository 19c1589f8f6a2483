/**
 * The worker thread of a fleet worker: the worker runtime of `@futures/core`,
 * fed by the supervisor on the main thread (supervisor.ts), which does all
 * Redis I/O and the heartbeat, so a CPU-bound call never silences it.
 *
 * Which call runs must be known to the executor even if this host dies or is
 * cut off between two calls, so a call starts only once Redis holds an
 * announcement that covers it (the runtime's progress board, here backed by
 * Redis: {@link AnnouncingProgress}). Results then go out in batches,
 * unconfirmed: the executor learns from the announcement which call was
 * running, and never sends one that may have started here to another worker.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { CALL_STRIDE, PROGRESS_DONE, PROGRESS_RUNNING, SHORT_CALL_MS, runWorkerRuntime, type FromWorker, type ProgressSlot, type ProgressWriter, type ToWorker } from '@futures/core/transport';
import { EngineCodec } from './engine-codec.js';
import { RefResolver } from './task-refs.js';

/** What the supervisor gives the thread. */
export interface RuntimeThreadData {
  cwd: string;
  /** Int32 slot 0: how many of this thread's outputs Redis has confirmed. */
  confirmed: SharedArrayBuffer;
}

/**
 * An output to the supervisor, numbered from 1: an engine message's encoded
 * parts, an announcement, or `close` (the engine retired this worker and it
 * has run everything it was sent).
 */
export type ThreadOutput = { seq: number; parts: Uint8Array[] } | { seq: number; announce: number } | { seq: number; close: true };

/** Most calls one announcement covers (the engine dispatches at most 16 ahead). */
const WINDOW = 16;

/**
 * The runtime's progress board, kept in Redis. Before a call starts, the
 * executor must hold an announcement "calls up to id A may have started"
 * that covers it; `set(RUNNING, id)` blocks until then. One announcement
 * covers a run of calls known to be short (up to {@link WINDOW}); a call that
 * may be long is announced alone, so a worker that dies in it is blamed for
 * it and nothing else. Dying inside a run of short calls fails the whole run
 * (none of them runs twice).
 */
class AnnouncingProgress implements ProgressWriter {
  readonly #post: (announce: number) => number;
  readonly #wait: (seq: number) => void;
  /** Calls received and not started, in order: [id, fnId, ...]. */
  #queue: number[] = [];
  #head = 0;
  /** Calls covered by an announcement already posted, and the output number of that announcement. */
  readonly #covered = new Map<number, number>();
  readonly #lastMs = new Map<number, number>();
  #fnId = -1;
  #startedAt = 0;

  constructor(post: (announce: number) => number, wait: (seq: number) => void) {
    this.#post = post;
    this.#wait = wait;
  }

  /**
   * Notes the calls of a `run` message, in the order the runtime will start
   * them. When every call waiting from here on is known to be short, they are
   * announced at once, while earlier calls still run: by the time the
   * runtime reaches them the confirmation is usually there, so a burst of
   * short calls does not wait for Redis between calls.
   */
  received(calls: readonly unknown[]): void {
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    }
    for (let i = 0; i < calls.length; i += CALL_STRIDE) this.#queue.push(calls[i] as number, calls[i + 1] as number);
    const q = this.#queue;
    if ((q.length - this.#head) / 2 > WINDOW) return;
    for (let i = this.#head; i < q.length; i += 2) if (!this.#short(q[i + 1])) return;
    const last = q[q.length - 2];
    if (this.#covered.has(last)) return;
    const seq = this.#post(last);
    for (let i = this.#head; i < q.length; i += 2) if (!this.#covered.has(q[i])) this.#covered.set(q[i], seq);
  }

  set(slot: ProgressSlot, id: number): boolean {
    if (slot === PROGRESS_DONE) {
      this.#lastMs.set(this.#fnId, performance.now() - this.#startedAt);
      return true;
    }
    if (slot !== PROGRESS_RUNNING) return true;
    const q = this.#queue;
    while (this.#head < q.length && q[this.#head] !== id) this.#covered.delete(q[(this.#head += 2) - 2]);
    this.#fnId = this.#head < q.length ? q[this.#head + 1] : -1;
    const seq = this.#covered.get(id);
    if (seq === undefined) this.#announceFrom(id);
    else {
      this.#covered.delete(id);
      this.#wait(seq);
    }
    if (this.#head < q.length) this.#head += 2;
    this.#startedAt = performance.now();
    return true;
  }

  #short(fnId: number): boolean {
    return (this.#lastMs.get(fnId) ?? Infinity) < SHORT_CALL_MS;
  }

  /** Announces `id` and, if it is short, the short calls right behind it; waits for Redis to confirm. */
  #announceFrom(id: number): void {
    const q = this.#queue;
    const behind: number[] = [];
    let last = id;
    if (this.#short(this.#fnId)) {
      for (let i = this.#head + 2; i < q.length && behind.length < WINDOW - 1 && this.#short(q[i + 1]); i += 2) {
        last = q[i];
        behind.push(last);
      }
    }
    const seq = this.#post(last);
    for (const b of behind) this.#covered.set(b, seq);
    this.#wait(seq);
  }
}

const port = parentPort;
if (port !== null) {
  const data = workerData as RuntimeThreadData;
  const confirmed = new Int32Array(data.confirmed);
  const codec = new EngineCodec();
  const refs = new RefResolver(data.cwd);
  let sent = 0;
  let handler: ((message: ToWorker) => void) | undefined;
  const progress = new AnnouncingProgress(
    (announce) => {
      const seq = ++sent;
      port.postMessage({ seq, announce } satisfies ThreadOutput);
      return seq;
    },
    (seq) => {
      for (let now = Atomics.load(confirmed, 0); now < seq; now = Atomics.load(confirmed, 0)) Atomics.wait(confirmed, 0, now);
    },
  );
  runWorkerRuntime({
    progress,
    send(message: FromWorker): void {
      // Throws, sending nothing, when a value cannot be encoded: the runtime then fails only that call.
      const parts = codec.encode(message);
      port.postMessage({ seq: ++sent, parts } satisfies ThreadOutput, parts.map((p) => p.buffer as ArrayBuffer));
    },
    onMessage(h) {
      handler = h;
    },
    close(): void {
      port.postMessage({ seq: ++sent, close: true } satisfies ThreadOutput);
    },
  });
  port.on('message', (parts: Uint8Array[]) => {
    const message = refs.incoming(codec.decode(parts) as ToWorker);
    if (message.t === 'run') progress.received(message.calls);
    handler?.(message);
  });
}
