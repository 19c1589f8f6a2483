/**
 * Send diagnosis: a batch of calls failed to encode; which call, and which of
 * its values, is at fault? Only that call fails, with a `TypeError` naming
 * the argument (the executor stays healthy).
 *
 * The diagnosis must not change the caller's values: a buffer is checked by
 * copying it, and a transferable such as a `MessagePort` is never cloned
 * with a transfer list (that would move, and so detach, the caller's port).
 */
import { MessagePort } from 'node:worker_threads';
import { CHUNK } from './protocol.js';
import type { WorkItem } from './work-item.js';

/** Transferable objects that cannot be checked without moving them: trusted here, the transport's send decides. */
function movesWhenChecked(entry: unknown): boolean {
  return (
    entry instanceof MessagePort ||
    (typeof ReadableStream === 'function' && entry instanceof ReadableStream) ||
    (typeof WritableStream === 'function' && entry instanceof WritableStream) ||
    (typeof TransformStream === 'function' && entry instanceof TransformStream)
  );
}

function reason(error: unknown): string {
  return (error as Error)?.message ?? String(error);
}

/**
 * A TypeError naming the transfer entry or argument of `item` that cannot be
 * sent, if any. `check` throws for a value the transport's codec cannot carry;
 * `name` is the function's name, `kind` the transport's (`'thread'`).
 */
export function findUnsendable(item: WorkItem, name: string, kind: string, check: (value: unknown) => void): TypeError | undefined {
  for (const [i, entry] of (item.options.transfer ?? []).entries()) {
    if (movesWhenChecked(entry)) continue;
    try {
      // A copy finds a detached buffer without moving the caller's one; anything else must be transferable.
      if (entry instanceof ArrayBuffer) structuredClone(entry);
      else structuredClone(entry, { transfer: [entry] as never });
    } catch (error) {
      return new TypeError(`transfer[${i}] of the call to ${name} cannot be transferred: ${reason(error)}`, { cause: error });
    }
  }
  // A chunk's args are columns: columns[i][k] is argument i of call k.
  const columns = item.kind === CHUNK ? (item.args as unknown[][]) : item.args.map((arg) => [arg]);
  for (let k = 0; k < (columns[0]?.length ?? 0); k++) {
    for (let i = 0; i < columns.length; i++) {
      try {
        check(columns[i][k]);
      } catch (error) {
        const where = item.kind === CHUNK ? `argument ${i + 1} of ${name} (map item ${k + 1} of the chunk)` : `argument ${i + 1} of ${name}`;
        return new TypeError(`${where} cannot be sent to a ${kind} worker: ${reason(error)}`, { cause: error });
      }
    }
  }
  return undefined;
}
