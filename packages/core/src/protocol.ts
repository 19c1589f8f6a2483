/**
 * The messages that the pool engine and the worker runtime exchange.
 *
 * They are plain data (arrays, numbers, strings, and the call's own arguments
 * and results), so any codec that a transport uses can carry them: structured
 * clone, the v8 serializer, or msgpackr. Errors travel as {@link SerializedError}
 * records, never as `Error` objects, so that every codec keeps their class,
 * message, code and properties the same way.
 *
 * Calls and results are packed into flat arrays (a fixed number of slots per
 * call) because a batch of thousands of tiny calls is the hot path: one array
 * costs far less to build and to encode than thousands of small objects.
 */

/** How a worker finds a function: by module URL and export name, or by source text. */
export type TaskRef =
  | { readonly kind: 'module'; readonly module: string; readonly name: string }
  | { readonly kind: 'source'; readonly source: string; readonly name: string };

/** An error as it crosses a worker boundary; rebuilt by `decodeError`. */
export interface SerializedError {
  /** The constructor's name as thrown (`TypeError`, `MyError`). */
  name: string;
  message: string;
  stack?: string;
  code?: unknown;
  /** Own enumerable properties other than name/message/stack/code/cause. */
  props?: Record<string, unknown>;
  cause?: SerializedError | { value: unknown };
}

/** A call slot kind: one call with an argument list, or a chunk of argument lists (map's `chunksize`). */
export const CALL = 0;
export const CHUNK = 1;
/**
 * Added to a call's kind on the wire when the caller listens to its progress
 * reports (`with({ onProgress })`): only then does the runtime run it where
 * `reportProgress` can reach the caller, and send `progress` messages.
 */
export const LISTENED = 2;
/** Slots per call in {@link RunMessage.calls}: id, fnId, kind (plus {@link LISTENED}), args. */
export const CALL_STRIDE = 4;

/**
 * A call whose function last ran for less than this (ms) counts as short.
 * The engine dispatches short calls ahead and in batches; the runtime lets
 * results wait in front of them. Defined here, once, for both sides.
 */
export const SHORT_CALL_MS = 0.25;

/**
 * The key under which a call's running time is reported and judged: one per
 * function for plain calls, another for chunks of it (a chunk runs many calls).
 */
export function timingKey(fnId: number, kind: number): number {
  return kind === CHUNK ? -1 - fnId : fnId;
}

/** A result slot status. */
export const OK = 0;
/** The value is a {@link SerializedError}. */
export const ERROR = 1;
/** The call threw a value that is not an Error; the value is carried as is. */
export const THROWN = 2;
/** Slots per result in {@link DoneMessage.results}: id, status, value. */
export const RESULT_STRIDE = 3;

/** First message to a worker: run the initializer, then answer `ready` or `init-failed`. */
export interface InitMessage {
  t: 'init';
  initializer?: TaskRef;
  initargs: unknown[];
}

/**
 * Calls to run in order, one at a time.
 * `defs` introduces function ids this worker has not seen yet: `[fnId, ref, fnId, ref, ...]`.
 * `calls` is `[id, fnId, kind, args, id, fnId, kind, args, ...]`; for a CHUNK, `args` holds columns:
 * `args[i][j]` is argument i of call j (no array per call, which is what makes chunked `map` cheap).
 */
export interface RunMessage {
  t: 'run';
  defs?: unknown[];
  calls: unknown[];
}

/**
 * A {@link RunMessage} as the transports whose codec is the v8 serializer
 * (structured clone between threads, `advanced` IPC to child processes) send
 * it: each call's arguments spread behind their count, `[id, fnId, kind, argc,
 * arg, ..., id, ...]`, so no array per call. That serializer pays for each
 * object it writes (it records every one, to write a second reference to it
 * as a reference) far more than for a number in it: 16 one-argument calls post
 * in 7-11 µs with an array each, in 2-3 µs flat. The worker's side rebuilds the
 * `RunMessage` with {@link unpackRun} before the runtime sees it.
 *
 * Without `defs` (every message but a worker's first calls of a function) it
 * goes as the bare array, with no object around it: an object and its keys
 * cost more to write and far more to read (the reader interns each key) than
 * the array they hold. Nothing else the engine sends a worker is an array.
 */
export interface PackedRunMessage {
  t: 'run';
  defs?: unknown[];
  packed: unknown[];
}

/** A run message as {@link packRun} packs it: the bare packed array, or with `defs`, a {@link PackedRunMessage}. */
export type PackedRun = unknown[] | PackedRunMessage;

/** `message` with its calls' argument lists spread out (see {@link PackedRunMessage}). */
export function packRun(message: RunMessage): PackedRun {
  const { calls } = message;
  // A lone call's: a literal of its slots, arguments added by one concat (both packed arrays of the
  // exact size); else filled by push, so it stays a packed array (a holey one is written key by key).
  let packed: unknown[];
  if (calls.length === CALL_STRIDE) {
    const args = calls[3] as unknown[];
    packed = [calls[0], calls[1], calls[2], args.length];
    if (args.length > 0) packed = packed.concat(args);
    return message.defs === undefined ? packed : { t: 'run', defs: message.defs, packed };
  }
  packed = [];
  for (let i = 0; i < calls.length; i += CALL_STRIDE) {
    const args = calls[i + 3] as unknown[];
    packed.push(calls[i], calls[i + 1], calls[i + 2], args.length);
    for (let j = 0; j < args.length; j++) packed.push(args[j]);
  }
  return message.defs === undefined ? packed : { t: 'run', defs: message.defs, packed };
}

/** Whether `message` (as a worker received it) is a run message that {@link packRun} packed. */
export function isPackedRun(message: unknown): message is PackedRun {
  return Array.isArray(message) || ((message as PackedRunMessage | undefined)?.t === 'run' && Array.isArray((message as PackedRunMessage).packed));
}

/** The {@link RunMessage} that {@link packRun} packed. */
export function unpackRun(message: PackedRun): RunMessage {
  const packed = Array.isArray(message) ? message : message.packed;
  // The first call's slots go in a literal of their size (a push onto an empty array reserves 17).
  let calls: unknown[] | undefined;
  for (let i = 0; i < packed.length; ) {
    const argc = packed[i + 3];
    if (typeof argc !== 'number' || !(argc >= 0) || i + 4 + argc > packed.length) throw new Error(`a packed run message has a bad argument count at slot ${i + 3}`);
    const args = packed.slice(i + 4, i + 4 + argc);
    if (calls === undefined) calls = [packed[i], packed[i + 1], packed[i + 2], args];
    else calls.push(packed[i], packed[i + 1], packed[i + 2], args);
    i += 4 + argc;
  }
  calls ??= [];
  return Array.isArray(message) || message.defs === undefined ? { t: 'run', calls } : { t: 'run', defs: message.defs, calls };
}

/**
 * Retire: run what was sent before this message, then end this worker
 * (the runtime calls {@link WorkerPort.close}). The engine ends a worker
 * that has not exited {@link EXIT_GRACE_MS} after it was asked.
 */
export interface RetireMessage {
  t: 'retire';
}

export type ToWorker = InitMessage | RunMessage | RetireMessage;

export interface ReadyMessage {
  t: 'ready';
}

export interface InitFailedMessage {
  t: 'init-failed';
  error: SerializedError;
}

/**
 * Results of finished calls, in the order the calls were sent:
 * `[id, status, value, ...]`. A CHUNK's value is the array of its results.
 * `busy` is the milliseconds spent running these calls. `timing` is
 * `[key, maxMs, key, maxMs, ...]`: for each {@link timingKey} among these
 * calls, the longest one's running time, which the engine uses to tell short
 * functions from long ones.
 */
export interface DoneMessage {
  t: 'done';
  results: unknown[];
  busy: number;
  timing?: number[];
  /** Without a progress board: the id of the call that starts right after these results (see {@link StartedMessage}). */
  started?: number;
}

/**
 * A {@link DoneMessage} without `started` as the child process transport
 * sends it over its v8-serialized channel: one flat array, `[...results,
 * ...timing, timing.length, busy]`, instead of an object holding two arrays
 * (a result message is read once per answer on the engine's thread, and
 * reading an object's keys is most of what reading it costs). Results come
 * first, so {@link unpackDone} takes them as they are, only cut short.
 * Nothing else a worker sends is an array.
 */
export type PackedDone = unknown[];

/** `message` flattened (see {@link PackedDone}), or as it is when it carries `started` (a worker with no board). */
export function packDone(message: DoneMessage): PackedDone | DoneMessage {
  if (message.started !== undefined) return message;
  const timing = message.timing ?? [];
  // One array of the exact size, and packed (not holey: a holey one is written key by key).
  return message.results.concat(timing, [timing.length, message.busy]);
}

/** Whether `message` (as the engine received it) is a result message that {@link packDone} flattened. */
export function isPackedDone(message: unknown): message is PackedDone {
  return Array.isArray(message);
}

/**
 * The {@link DoneMessage} that {@link packDone} flattened; takes `packed` over
 * as its `results`. A malformed one gives a `done` whose `results` is not an
 * array, which the engine treats as the protocol breach it is.
 */
export function unpackDone(packed: PackedDone): DoneMessage {
  const n = packed.length;
  const busy = packed[n - 1];
  const timingLength = packed[n - 2];
  if (typeof busy !== 'number' || typeof timingLength !== 'number' || !Number.isInteger(timingLength) || timingLength < 0 || timingLength > n - 2) {
    return { t: 'done', results: undefined as unknown as unknown[], busy: 0 };
  }
  const resultsEnd = n - 2 - timingLength;
  // The runtime never sends a done without results: one with none is not its message (refused as malformed).
  if (resultsEnd === 0) return { t: 'done', results: undefined as unknown as unknown[], busy: 0 };
  const timing = packed.slice(resultsEnd, n - 2) as number[];
  packed.length = resultsEnd;
  return { t: 'done', results: packed, busy, timing };
}

/**
 * Without a progress board (an external worker, or one whose board failed),
 * the runtime announces each call before it starts, so the engine knows,
 * when the worker dies, whether a call dispatched to it had started.
 * (When results are waiting, they go first, in a `done` with `started`.)
 */
export interface StartedMessage {
  t: 'started';
  id: number;
}

/**
 * The worker's progress board stopped working (a write failed): from now on
 * it sends the results it holds before it starts each call, and the engine
 * stops reading the board. Sent before the next call starts.
 */
export interface BoardFailedMessage {
  t: 'board-failed';
}

/**
 * A running call reported progress (`reportProgress(value)`): sent at once,
 * only for calls sent with {@link LISTENED}, and only while the call runs.
 */
export interface ProgressReportMessage {
  t: 'progress';
  id: number;
  value: unknown;
}

export type FromWorker = ReadyMessage | InitFailedMessage | DoneMessage | StartedMessage | BoardFailedMessage | ProgressReportMessage;
