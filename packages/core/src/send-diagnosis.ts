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
import { liveResource } from './live-values.js';
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

/** One line: v8's DataCloneError quotes the whole source of a function it cannot clone. */
function reason(error: unknown): string {
  const message = (error as Error)?.message ?? String(error);
  const firstLine = message.split('\n', 1)[0];
  if (firstLine === message) return message;
  return `${firstLine.length > 60 ? `${firstLine.slice(0, 60)}…` : firstLine} … ${/could not be cloned\.?$/.test(message) ? 'could not be cloned' : ''}`.trimEnd();
}

/** The class of an object that is not a plain one (`a Socket`), when the reason does not name it already. */
function classOf(value: unknown, why: string): string {
  if (typeof value !== 'object' || value === null) return '';
  const name = (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null)?.constructor?.name;
  if (typeof name !== 'string' || name === '' || name === 'Object' || name === 'Array' || why.includes(name)) return '';
  return `a ${name}: `;
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
      const value = columns[i][k];
      try {
        const live = item.options.transfer?.includes(value as never) ? undefined : liveResource(value);
        if (live !== undefined) throw new TypeError(`${live} cannot be sent`);
        check(value);
      } catch (error) {
        const where = item.kind === CHUNK ? `argument ${i + 1} of ${name} (map item ${k + 1} of the chunk)` : `argument ${i + 1} of ${name}`;
        const why = reason(error);
        return new TypeError(`${where} cannot be sent to a ${kind} worker: ${classOf(value, why)}${why}`, { cause: error });
      }
    }
  }
  return undefined;
}
