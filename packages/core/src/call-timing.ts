/**
 * Whether a function's calls are short: the one judgement both sides make
 * about running time. The engine dispatches short calls ahead and in batches
 * (`dispatch.ts`); the runtime lets results wait in front of them
 * (`worker-runtime.ts`). Both judge the same way, from the times the runtime
 * measures (less what the worker's thread waited for a core: `call-clock.ts`):
 *
 * - a function is short when its latest calls took less than
 *   {@link SHORT_CALL_MS}, seen within {@link RECENT_MS};
 * - and when none of its calls ran long lately: a call of `ms` at or over
 *   {@link LONG_CALL_MS} keeps it from counting as short for
 *   {@link LONG_CALL_MEMORY} × `ms` (at most {@link RECENT_MS}). A function
 *   whose calls vary (parsing files of every size: mostly tiny, a few of
 *   hundreds of ms) is not judged by its last few tiny calls: a call
 *   dispatched ahead behind a huge one cannot be taken back (the worker is
 *   blocked in it) while other workers idle, and a small result held behind
 *   it waits that long too. Dispatching ahead saves a round trip per call
 *   (tens of µs); a wrong guess costs up to the long call's time per call
 *   behind it, hence a memory in proportion to the long call. Calls shorter
 *   than {@link LONG_CALL_MS} are not remembered: on a busy machine a tiny
 *   call that lost its core for a few ms looks that long now and then, and a
 *   memory of it would cost every call of a burst its round trip.
 */
import { SHORT_CALL_MS } from './protocol.js';

/**
 * A timing older than this (ms) is forgotten: the function is judged again from its next results.
 * Long enough that a function used now and then keeps its judgement (a burst of known-short calls
 * starts going out while the caller is still submitting), short enough that an old one does not.
 */
export const RECENT_MS = 60_000;
/** A call that ran at least this long (ms) is remembered (see above). */
export const LONG_CALL_MS = 20;
/** A call that ran `ms` (at least {@link LONG_CALL_MS}) keeps its function from counting as short for this many times `ms`. */
export const LONG_CALL_MEMORY = 20;

/** The recent running times of each function's calls (by a key: a function id, or a timing key). */
export class CallTiming {
  /** key → [longest call in the latest results (ms), when they arrived, until when a long call keeps it not short]. */
  readonly #seen = new Map<number, [number, number, number]>();

  /** Records that the latest calls under `key` took at most `ms`, at `now`. */
  note(key: number, ms: number, now: number): void {
    const longUntil = ms >= LONG_CALL_MS ? now + Math.min(RECENT_MS, LONG_CALL_MEMORY * ms) : 0;
    const entry = this.#seen.get(key);
    if (entry === undefined) this.#seen.set(key, [ms, now, longUntil]);
    else {
      entry[0] = ms;
      entry[1] = now;
      if (longUntil > entry[2]) entry[2] = longUntil;
    }
  }

  /** Records a `done` message's `timing` (`[key, maxMs, ...]`). */
  record(timing: readonly number[], now: number): void {
    for (let i = 0; i + 1 < timing.length; i += 2) this.note(timing[i], timing[i + 1], now);
  }

  /** Whether calls under `key` were seen, recently, to be short, and none ran long lately. */
  isShort(key: number, now: number): boolean {
    const entry = this.#seen.get(key);
    return entry !== undefined && entry[0] < SHORT_CALL_MS && now - entry[1] < RECENT_MS && now >= entry[2];
  }
}
