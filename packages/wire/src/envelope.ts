/**
 * The engine's messages as they go into a frame: each becomes a short tuple
 * (`[kind, ...fields]`) instead of an object, so the hot path (`run` and
 * `done`, thousands per second) carries no field names and no msgpackr
 * record definitions: half the encoded size and about half the codec time
 * of the object form. Values inside (arguments, results) are untouched.
 */
import type { FromWorker, ToWorker } from '@futures/core/transport';

type Message = ToWorker | FromWorker;

/** A message type this version does not know travels whole. */
const OTHER = 0;
const RUN = 1;
const DONE = 2;
const INIT = 3;
const READY = 4;
const INIT_FAILED = 5;
const PROGRESS = 6;

/** The tuple for `message`. */
export function toTuple(message: Message): unknown[] {
  switch (message.t) {
    case 'run':
      return message.defs === undefined ? [RUN, message.calls] : [RUN, message.calls, message.defs];
    case 'done':
      return message.started === undefined ? [DONE, message.results, message.busy, message.timing] : [DONE, message.results, message.busy, message.timing, message.started];
    case 'init':
      return [INIT, message.initargs, message.initializer];
    case 'ready':
      return [READY];
    case 'init-failed':
      return [INIT_FAILED, message.error];
    case 'progress':
      return [PROGRESS, message.id, message.value];
    default:
      return [OTHER, message];
  }
}

/**
 * The message for a decoded tuple.
 * @throws TypeError when the value is not a well-formed tuple.
 */
export function fromTuple(value: unknown): Message {
  if (!Array.isArray(value)) throw new TypeError('a frame is not a message');
  const [kind, a, b, c, d] = value as [unknown, unknown, unknown, unknown, unknown];
  switch (kind) {
    case RUN:
      if (Array.isArray(a) && (b === undefined || Array.isArray(b))) return b === undefined ? { t: 'run', calls: a } : { t: 'run', defs: b, calls: a };
      break;
    case DONE:
      if (Array.isArray(a) && typeof b === 'number' && (c === undefined || Array.isArray(c)) && (d === undefined || typeof d === 'number')) {
        const done: Message = { t: 'done', results: a, busy: b, timing: c as number[] | undefined };
        if (d !== undefined) done.started = d;
        return done;
      }
      break;
    case INIT:
      if (Array.isArray(a) && (b === undefined || isObject(b))) return { t: 'init', initargs: a, initializer: b as never };
      break;
    case READY:
      return { t: 'ready' };
    case INIT_FAILED:
      if (isObject(a)) return { t: 'init-failed', error: a as never };
      break;
    case PROGRESS:
      if (typeof a === 'number' && value.length === 3) return { t: 'progress', id: a, value: b };
      break;
    case OTHER:
      if (isObject(a) && typeof (a as { t?: unknown }).t === 'string') return a as Message;
      break;
  }
  throw new TypeError(`a frame holds a malformed message (kind ${String(kind)})`);
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}
