/**
 * Crash accounting: when a worker dies or is ended, which of the calls in
 * flight on it failed, and which go back to the queue. No call ever runs
 * twice, so a call goes back only when it surely had not started.
 *
 * The worker's progress board (see `progress.ts`) says which call it started
 * last and which it finished last. Calls before the running one had finished
 * (their results were batched and died with the worker): they fail, they are
 * not run again. The running one is blamed. The ones after it had not
 * started: they go back to the front of the queue, unless they cannot be
 * sent again (their buffers were transferred) or keep killing workers before
 * they start (a message the workers cannot decode).
 */
import { PROGRESS_DONE, PROGRESS_RUNNING, type ProgressReader } from './progress.js';
import type { WorkerExit } from './transport.js';
import type { WorkItem } from './work-item.js';

/** How a worker ended, for messages: `was killed by SIGKILL`, `exited with code 3`, `disconnected`. */
export function describeExit(exit: WorkerExit): string {
  if (exit.signal) return `was killed by ${exit.signal}`;
  if (exit.code !== null && exit.code !== undefined) return `exited with code ${exit.code}`;
  return 'disconnected';
}

/** A call that kept killing workers before it started is failed after this many requeues. */
export const MAX_REQUEUES = 2;

/** How the calls in flight on a dead worker are sorted, each list in dispatch order. */
export interface CrashAccount {
  /** The call the worker was running, if any: it fails with the death's error. */
  blamed: WorkItem | undefined;
  /** Calls the worker had finished whose results were lost: they fail. */
  lost: WorkItem[];
  /** Calls that had not started and may go back to the front of the queue. */
  requeue: WorkItem[];
  /** Calls that had not started but must not be sent again, with why (a suffix for "had not started when …"). */
  refused: { item: WorkItem; why: string }[];
}

/** The errors a dead worker's calls fail with. */
export interface CrashErrors {
  /** For the call it was running. */
  running(item: WorkItem): Error;
  /** For a call it had finished whose result was lost. */
  lost(item: WorkItem): Error;
  /** For a call that had not started but cannot be sent again (`why` from {@link CrashAccount.refused}). */
  refused(item: WorkItem, why: string): Error;
}

/**
 * Fails the calls in flight on a dead worker that ran (or finished) there,
 * and returns those that had not started and may go back to the queue.
 */
export function settleCrash(items: readonly WorkItem[], board: ProgressReader, errors: CrashErrors): WorkItem[] {
  if (items.length === 0) return [];
  const account = accountCrash(items, board);
  const fail = (item: WorkItem, error: () => Error) => {
    item.disarm();
    if (!item.future.done()) item.future.setException(error());
  };
  for (const item of account.lost) fail(item, () => errors.lost(item));
  if (account.blamed !== undefined) fail(account.blamed, () => errors.running(account.blamed!));
  for (const { item, why } of account.refused) fail(item, () => errors.refused(item, why));
  return account.requeue;
}

/** Sorts `items` (the unanswered calls of a dead worker, in order) by what its `board` says. */
export function accountCrash(items: readonly WorkItem[], board: ProgressReader): CrashAccount {
  const runningId = board.get(PROGRESS_RUNNING);
  const doneId = board.get(PROGRESS_DONE);
  // The board names ids; a call started and finished has both slots equal: nothing runs.
  const runningAt = runningId === doneId ? -1 : items.findIndex((item) => item.id === runningId);
  const doneAt = items.findIndex((item) => item.id === doneId);
  const firstNotStarted = runningAt >= 0 ? runningAt + 1 : doneAt + 1;
  const account: CrashAccount = {
    blamed: runningAt >= 0 ? items[runningAt] : undefined,
    lost: items.slice(0, runningAt >= 0 ? runningAt : doneAt + 1),
    requeue: [],
    refused: [],
  };
  for (const item of items.slice(firstNotStarted)) {
    // Count a requeue only when no call can be blamed for the death: then one of these may be the cause.
    if (account.blamed === undefined) item.requeues++;
    if (item.sendsOnce) account.refused.push({ item, why: '; its transferred buffers are gone, so it is not sent again' });
    else if (item.requeues > MAX_REQUEUES) account.refused.push({ item, why: ` (for the ${ordinal(item.requeues)} time)` });
    else account.requeue.push(item);
  }
  return account;
}

function ordinal(n: number): string {
  return n === 3 ? 'third' : `${n}th`;
}

/**
 * The board of a worker that has no shared one (an external worker, or one
 * whose board failed): the runtime then announces each call before it starts
 * (`started`), and the engine keeps the two slots from the messages.
 */
export class MessageBoard implements ProgressReader {
  readonly #slots = [0, 0];

  /** The worker announced that call `id` starts now. */
  started(id: number): void {
    this.#slots[PROGRESS_RUNNING] = id;
  }

  /** The result of call `id` arrived. */
  answered(id: number): void {
    this.#slots[PROGRESS_DONE] = id;
  }

  get(slot: 0 | 1): number {
    return this.#slots[slot];
  }
}
