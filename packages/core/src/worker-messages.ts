/**
 * A worker's messages, checked and routed. A `done` message settles the
 * calls it answers, in the order they were dispatched (a worker runs its
 * calls in order, so the answers come in that order too; anything else is a
 * protocol breach). `started` and `board-failed` keep the engine's view of
 * which call runs (see crash-accounting.ts). The rest goes to the engine.
 */
import { MessageBoard } from './crash-accounting.js';
import { ERROR, OK, RESULT_STRIDE, THROWN, type FromWorker, type SerializedError } from './protocol.js';
import { decodeError } from './remote-error.js';
import type { WorkerSlot } from './worker-slot.js';

/**
 * Settles the futures of the calls `results` answers (`[id, status, value,
 * ...]`) and takes them out of `w`'s in-flight calls. `unknownStatus` makes
 * the error for a status this engine does not know. Returns what is wrong
 * with the message when the worker broke the protocol (then stop using it).
 */
export function settleResults(w: WorkerSlot, results: unknown[], started: number | undefined, unknownStatus: () => Error): string | undefined {
  const n = results.length / RESULT_STRIDE;
  if (!Number.isInteger(n) || n > w.busy) return 'more results than calls';
  const board = w.progress instanceof MessageBoard ? w.progress : undefined;
  for (let i = 0; i < results.length; i += RESULT_STRIDE) {
    const item = w.inflight.peek()!;
    if (item.id !== results[i]) return `a result for call ${String(results[i])}, expected ${item.id}`;
    w.inflight.shift();
    if (!item.short) w.unshortInFlight--;
    item.disarm();
    w.completed++;
    board?.answered(item.id);
    if (item.future.done()) continue;
    const status = results[i + 1];
    const value = results[i + 2];
    if (status === OK) item.future.setResult(value);
    else if (status === ERROR) item.future.setException(decodeError(value as SerializedError));
    else if (status === THROWN) item.future.setException(value);
    else item.future.setException(unknownStatus());
  }
  if (started !== undefined) board?.started(started);
  return undefined;
}

/** What the engine does with a worker's messages once they are checked. */
export interface MessageHandlers {
  /** Results were settled; `timing` is the message's call timing, `busy` the ms the worker spent on those calls. */
  done(w: WorkerSlot, timing: number[] | undefined, busy: number): void;
  /** The worker became ready. */
  ready(w: WorkerSlot): void;
  /** The initializer threw in the worker. */
  initFailed(w: WorkerSlot, cause: Error): void;
  /** A running call reported progress. */
  progress(w: WorkerSlot, id: number, value: unknown): void;
  /** The worker broke the protocol (`what` it sent): end it. */
  misbehaved(w: WorkerSlot, what: string): void;
  /** The error for a result status this engine does not know. */
  unknownStatus(w: WorkerSlot): Error;
}

/** Checks `message` from `w` and settles or routes it. Messages from an ended worker are ignored. */
export function routeMessage(w: WorkerSlot, message: FromWorker, on: MessageHandlers): void {
  if (w.state === 'ended') return;
  switch (message?.t) {
    case 'done': {
      if (w.state === 'starting' || !Array.isArray(message.results)) return on.misbehaved(w, 'a malformed result message');
      const breach = settleResults(w, message.results, message.started, () => on.unknownStatus(w));
      if (breach !== undefined) return on.misbehaved(w, breach);
      return on.done(w, Array.isArray(message.timing) ? message.timing : undefined, typeof message.busy === 'number' ? message.busy : 0);
    }
    case 'started':
      if (w.progress instanceof MessageBoard) w.progress.started(message.id);
      return;
    case 'progress':
      return on.progress(w, message.id, message.value);
    case 'board-failed':
      // From now on the runtime announces each call.
      w.progress = new MessageBoard();
      return;
    case 'ready':
      if (!w.becomeReady()) return on.misbehaved(w, "a second 'ready'");
      return on.ready(w);
    case 'init-failed':
      return on.initFailed(w, decodeError(message.error as SerializedError));
    default:
      return on.misbehaved(w, 'a message of unknown type');
  }
}
