/**
 * One submitted call (or chunk of calls) on its way through the pool: queued,
 * dispatched to a worker, answered. The engine's parts pass these around; the
 * future is the caller's handle on it.
 */
import type { CallStats, TrackedCall } from './call-stats.js';
import type { CallOptions } from './executor.js';
import type { Future } from './future.js';
import type { LongTimeout } from './long-timer.js';
import { CALL, CHUNK, LISTENED, timingKey } from './protocol.js';

export class WorkItem implements TrackedCall {
  /** The call id on the wire, given when it is sent (a requeued call gets a new one). */
  id = 0;
  /** setRunningOrNotifyCancel() already moved the future to RUNNING (it stays so when requeued). */
  started = false;
  /** The per-call `timeout`, armed when the call becomes the one its worker runs. */
  timer: LongTimeout | undefined = undefined;
  /** Dispatched as a short call (ahead of others, in a batch), as judged by the dispatch policy. */
  short = false;
  /** `performance.now()` at submit, and when it became RUNNING (-1 before): for `stats()`. */
  submittedAt = 0;
  startedAt = -1;
  /** Times this call went back to the queue because its worker died before it started. */
  requeues = 0;

  /**
   * A call with a signal or a timeout runs alone on its worker: nothing is
   * dispatched ahead of it or behind it, so ending that worker ends this call
   * and no other, and an abort before it starts still finds it in the queue.
   */
  readonly exclusive: boolean;
  /** Its transfer list moves memory (threads): once sent, it can never be sent again. */
  readonly sendsOnce: boolean;
  /** Its key for call timing (see `timingKey`). */
  readonly timingKey: number;
  /** Its kind as sent: with {@link LISTENED} when the caller listens to progress reports. */
  readonly wireKind: number;

  constructor(
    readonly future: Future<unknown>,
    readonly fnId: number,
    readonly kind: typeof CALL | typeof CHUNK,
    readonly args: unknown[],
    readonly options: CallOptions,
    transportMoves: boolean,
    readonly stats?: CallStats,
  ) {
    this.sendsOnce = options.transfer !== undefined && transportMoves;
    this.exclusive = this.sendsOnce || options.signal !== undefined || options.timeout !== undefined;
    this.timingKey = timingKey(fnId, kind);
    this.wireKind = options.onProgress === undefined ? kind : kind + LISTENED;
  }

  /** The future went PENDING → RUNNING (dispatched to a worker) at `now` (`performance.now()`). */
  markStarted(now: number): void {
    this.started = true;
    if (this.stats !== undefined) this.stats.started(this, now);
    else this.startedAt = now;
  }

  /** Stops the per-call timeout, if armed. */
  disarm(): void {
    this.timer?.clear();
    this.timer = undefined;
  }
}
