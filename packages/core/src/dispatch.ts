/**
 * The dispatch policy: which queued calls a worker may be given now.
 *
 * A worker runs one call at a time. To hide the message round trip, calls
 * known to be short are dispatched ahead, up to {@link MAX_IN_FLIGHT} per
 * worker, and several go in one message. Everything else goes one call per
 * idle worker:
 *
 * - "short" is judged per function (per {@link timingKey}) and recently: a
 *   function whose calls took less than {@link SHORT_CALL_MS} in the last
 *   results seen within {@link RECENT_MS}. A function never seen, not seen
 *   lately, or seen running long, is not short.
 * - a call that is not short, or is exclusive (signal, timeout, transfer
 *   list), goes only to an idle worker, alone, and that worker gets nothing
 *   more until it is answered; so a burst of long calls spreads over every
 *   worker, and no worker idles while calls wait behind a busy one.
 * - workers are started for the demand: the calls queued plus those
 *   dispatched ahead behind a running one.
 */
import { SHORT_CALL_MS } from './protocol.js';
import type { Queue } from './queue.js';
import type { WorkerSlot } from './worker-slot.js';
import type { WorkItem } from './work-item.js';

/** At most this many calls are dispatched and unfinished on one worker (the dispatch contract). */
export const MAX_IN_FLIGHT = 16;
/**
 * A timing older than this (ms) is forgotten: the function is judged again from its next results.
 * Long enough that a function used now and then keeps its judgement (a burst of known-short calls
 * starts going out while the caller is still submitting), short enough that an old one does not.
 */
export const RECENT_MS = 60_000;

/** The longest recent running time of each function's calls, as the workers report it. */
export class CallTiming {
  /** timingKey → [longest call in the last results (ms), when they arrived]. */
  readonly #seen = new Map<number, [number, number]>();

  /** Records a `done` message's `timing` (`[key, maxMs, ...]`). */
  record(timing: readonly number[], now: number): void {
    for (let i = 0; i + 1 < timing.length; i += 2) {
      const entry = this.#seen.get(timing[i]);
      if (entry === undefined) this.#seen.set(timing[i], [timing[i + 1], now]);
      else {
        entry[0] = timing[i + 1];
        entry[1] = now;
      }
    }
  }

  /** Whether calls under `key` were seen, recently, to be short. */
  isShort(key: number, now: number): boolean {
    const entry = this.#seen.get(key);
    return entry !== undefined && entry[0] < SHORT_CALL_MS && now - entry[1] < RECENT_MS;
  }
}

export class DispatchPolicy {
  readonly timing = new CallTiming();
  readonly #maxTasks: number;

  constructor(maxTasksPerWorker: number) {
    this.#maxTasks = maxTasksPerWorker;
  }

  /** Calls `w` may still be given before maxTasksPerWorker retires it (external workers are never retired). */
  tasksLeft(w: WorkerSlot): number {
    return w.external ? Infinity : this.#maxTasks - w.assigned;
  }

  /**
   * Whether `w` may be given calls now: it is ready, nothing it runs must
   * stay alone or is not short, and (when busy) half its calls are done, so
   * each message carries several calls; or, on a channel whose round trip is
   * long (`WorkerChannel.eagerRefill`), any of them is done, so that
   * the calls ahead of it cover the round trip.
   */
  isOpen(w: WorkerSlot): boolean {
    return (
      w.state === 'ready' &&
      w.unshortInFlight === 0 &&
      !w.holdsExclusive &&
      w.busy <= (w.channel.eagerRefill === true ? MAX_IN_FLIGHT - 1 : MAX_IN_FLIGHT / 2) &&
      this.tasksLeft(w) > 0
    );
  }

  /**
   * Takes from the front of `queue` the calls for `w`, at most `limit`,
   * marking them RUNNING: short calls up to its room; a call that is not
   * short or is exclusive only alone, for an idle worker. Stops at the first
   * call it may not take (order is kept). Cancelled calls are dropped.
   * `shortOnly` (a burst, still in the submitting tick) takes no call alone.
   */
  take(queue: Queue<WorkItem>, w: WorkerSlot, limit: number, now: number, shortOnly = false): WorkItem[] {
    const batch: WorkItem[] = [];
    const idle = w.busy === 0;
    let n = Math.min(limit, MAX_IN_FLIGHT - w.busy, this.tasksLeft(w));
    while (batch.length < n) {
      const item = queue.peek();
      if (item === undefined) break;
      if (!item.future.done()) {
        const short = !item.exclusive && this.timing.isShort(item.timingKey, now);
        if (!short) {
          if (shortOnly || !idle || batch.length > 0) break;
          n = 1;
        }
        item.short = short;
      }
      queue.shift();
      if (item.started) {
        if (!item.future.done()) batch.push(item);
      } else if (item.future.setRunningOrNotifyCancel()) {
        item.markStarted(now);
        batch.push(item);
      }
    }
    return batch;
  }

  /**
   * How many workers to start: as many as the demand (calls queued plus calls
   * waiting behind a running one) wants beyond those already starting, up to
   * `maxWorkers` (external workers do not count; they come on top).
   */
  workersToStart(queued: number, workers: Iterable<WorkerSlot>, maxWorkers: number): number {
    let live = 0;
    let starting = 0;
    let ahead = 0;
    for (const w of workers) {
      if (w.busy > 1) ahead += w.busy - 1;
      if (w.external || w.state === 'retiring' || w.state === 'ended') continue;
      live++;
      if (w.state === 'starting') starting++;
    }
    return Math.min(maxWorkers - live, queued + ahead - starting);
  }
}
