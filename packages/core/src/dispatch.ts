/**
 * The dispatch policy: which queued calls a worker may be given now.
 *
 * A worker runs one call at a time. To hide the message round trip, calls
 * known to be short are dispatched ahead, up to {@link MAX_IN_FLIGHT} per
 * worker, and several go in one message. Everything else goes one call per
 * idle worker:
 *
 * - "short" is judged per function (per timing key) and recently (see
 *   `call-timing.ts`): a function whose last calls took less than
 *   SHORT_CALL_MS and none of whose calls ran long lately. A function never
 *   seen, not seen lately, or seen running long, is not short.
 * - a busy worker that has not answered (nor, by its board, started a new
 *   call) for {@link STALL_MS} is inside a call longer than expected: it
 *   gets nothing more until it answers, so no call waits behind it while
 *   another worker could run it.
 * - a call that is not short, or is exclusive (signal, timeout, transfer
 *   list), goes only to an idle worker, alone, and that worker gets nothing
 *   more until it is answered; so a burst of long calls spreads over every
 *   worker, and no worker idles while calls wait behind a busy one.
 * - the cap counts calls dispatched and unfinished, as the contract puts it: a
 *   worker's progress board names the call it runs, and the calls before it
 *   have finished though their results are still on the way (see
 *   `WorkerSlot.unfinished`). A worker is topped up once at most half its
 *   calls are unfinished.
 * - workers are started for the demand: the calls queued plus those
 *   dispatched ahead behind a running one.
 */
import { CallTiming } from './call-timing.js';
import type { Queue } from './queue.js';
import type { WorkerSlot } from './worker-slot.js';
import type { WorkItem } from './work-item.js';

/** At most this many calls are dispatched and unfinished on one worker (the dispatch contract). */
export const MAX_IN_FLIGHT = 16;
/**
 * A busy worker that has not answered for this long (ms) is running a call
 * longer than a short one: nothing more is dispatched ahead to it until it
 * answers. A worker running short calls answers at least every millisecond
 * or so (the runtime sends results that waited 1 ms after the call it is
 * in), so this only closes a worker that is inside a long call: calls
 * dispatched ahead behind it could not be taken back while other workers
 * idle.
 */
export const STALL_MS = 3;

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
   * How many calls `w` may be given now (0: none). It must be ready, with
   * nothing it runs that must stay alone or is not short; when busy, at most
   * half its calls unfinished (so each message carries several calls), and it
   * answered within {@link STALL_MS} of `now`. Its room is the cap less its
   * unfinished calls: those it finished, as its progress board shows, no
   * longer count, though their results are still on the way.
   */
  room(w: WorkerSlot, now: number): number {
    if (w.state !== 'ready' || w.unshortInFlight !== 0 || w.holdsExclusive) return 0;
    const left = this.tasksLeft(w);
    if (left <= 0) return 0;
    if (w.busy === 0) return Math.min(MAX_IN_FLIGHT, left);
    const unfinished = w.unfinished(now, MAX_IN_FLIGHT);
    if (unfinished > MAX_IN_FLIGHT / 2 || now - w.answeredAt > STALL_MS) return 0;
    return Math.min(MAX_IN_FLIGHT - unfinished, left);
  }

  /** Whether `w` may be given calls now (see {@link room}). */
  isOpen(w: WorkerSlot, now: number): boolean {
    return this.room(w, now) > 0;
  }

  /** `w` answered (a result message) at `now`. */
  answered(w: WorkerSlot, now: number): void {
    w.answeredAt = now;
  }

  /**
   * Takes from the front of `queue` the calls for `w`, at most `limit`,
   * marking them RUNNING: short calls up to its {@link room}; a call that is not
   * short or is exclusive only alone, for an idle worker. Stops at the first
   * call it may not take (order is kept). Cancelled calls are dropped.
   * `shortOnly` (a burst, still in the submitting tick) takes no call alone.
   */
  take(queue: Queue<WorkItem>, w: WorkerSlot, limit: number, now: number, shortOnly = false): WorkItem[] {
    const batch: WorkItem[] = [];
    const idle = w.busy === 0;
    let n = Math.min(limit, this.room(w, now));
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
    // An idle worker's silence is counted from the calls it is given now.
    if (idle && batch.length > 0) w.answeredAt = now;
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
