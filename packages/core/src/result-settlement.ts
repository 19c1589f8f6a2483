/**
 * Result settlement: a worker's `done` message settles the calls it answers,
 * in the order they were dispatched (a worker runs its calls in order, so
 * the answers come in that order too; anything else is a protocol breach).
 */
import { MessageBoard } from './crash-accounting.js';
import { ERROR, OK, RESULT_STRIDE, THROWN, type SerializedError } from './protocol.js';
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
