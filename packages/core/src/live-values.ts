/**
 * Live resources among the values a call sends or returns: an
 * `EventEmitter` or `EventTarget` (a socket, a stream, a child process, a
 * bare emitter). Structured clone and the v8 serializer copy such an object
 * as a bag of its fields (a bare `EventEmitter` arrives as `{}`), which is
 * never what the caller meant; the socket codec refuses them. Checking the
 * values passed or returned directly makes every transport refuse them the
 * same way, for a `typeof` per value; one nested inside another object is
 * left to the transport's codec (a full walk would cost every call).
 */
import { EventEmitter } from 'node:events';
import { MessagePort } from 'node:worker_threads';

/** Describes `value` if it is a live resource, else undefined. */
export function liveResource(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  // Plain objects and arrays, the common case, skip the prototype walks.
  const constructor = (value as { constructor?: unknown }).constructor;
  if (constructor === Object || constructor === Array) return undefined;
  if (!(value instanceof EventEmitter) && !(typeof EventTarget === 'function' && value instanceof EventTarget)) return undefined;
  // A port crosses to a thread in a transfer list; without one, the transport's own error says to list it.
  if (value instanceof MessagePort) return undefined;
  const name = (constructor as { name?: string } | undefined)?.name || 'live object';
  return `${/^[AEIOU]/i.test(name) ? 'an' : 'a'} ${name} (live resources such as sockets, streams, emitters and processes are not data)`;
}

/** Whether any argument of a call (or of a chunk's calls: `columns[i][k]`) is a live resource not in its transfer list. */
export function hasLiveArgument(args: readonly unknown[], chunk: boolean, transfer: readonly unknown[] | undefined): boolean {
  if (!chunk) {
    for (let i = 0; i < args.length; i++) if (isLiveArgument(args[i], transfer)) return true;
    return false;
  }
  for (const column of args as unknown[][]) for (let k = 0; k < column.length; k++) if (isLiveArgument(column[k], transfer)) return true;
  return false;
}

/** A transferred `MessagePort` (or `FileHandle`) is an emitter that does cross: the transfer list says so. */
function isLiveArgument(value: unknown, transfer: readonly unknown[] | undefined): boolean {
  return typeof value === 'object' && value !== null && liveResource(value) !== undefined && transfer?.includes(value) !== true;
}
