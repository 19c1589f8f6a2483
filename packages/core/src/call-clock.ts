/**
 * How long a call really ran: its wall time, less the time its thread spent
 * ready to run but waiting for a core.
 *
 * Why: the engine and the runtime judge a function short or long by its
 * calls' running times (call-timing.ts), and a call of 60 µs whose thread
 * lost its core to another thread or process for a timeslice (a few to tens
 * of ms on a busy machine; a pool's workers and its main thread are already
 * three threads on two cores) measured 20 ms by the wall. One such call made
 * the function "long" for 20 × that time: every call was then sent alone and
 * answered alone, a round trip each, and the workers waited on the main
 * thread between calls.
 *
 * The wait comes from `/proc/thread-self/schedstat` (Linux: one file per
 * thread, so right for worker threads and child processes alike), whose
 * second field is the time the thread spent runnable on a run queue. Time a
 * call spends blocked of its own accord (`Atomics.wait`, synchronous I/O, an
 * `await`) is not in it: that is time the call held its worker. Elsewhere
 * there is no such clock and the wall time stands.
 *
 * The file is read only around calls that ran long by the wall (at least
 * `SHORT_CALL_MS`), and to keep a recent reading (at most one every
 * {@link CHECKPOINT_MS} while calls run): tiny calls pay nothing.
 */
import { closeSync, openSync, readSync } from 'node:fs';

/**
 * A reading older than this (ms, by the wall) is renewed before the next
 * call starts. A reading costs an open, a read and a close (4 µs in a tight
 * loop, ~19 µs between messages on a 2-vCPU VM): once a millisecond that was
 * 2% of a worker's time in a round-trip loop. The price of a longer interval
 * is a call that lost its core judged longer by at most this much (see
 * {@link CallClock.ranFor}).
 */
export const CHECKPOINT_MS = 5;

const SCHEDSTAT = '/proc/thread-self/schedstat';

/** How long (ms) the calling thread has waited for a core since it started, or undefined when unknown. */
export type WaitReader = () => number | undefined;

/** The calling thread's {@link WaitReader}, or undefined where the platform has none. */
export function threadWaitReader(): WaitReader | undefined {
  if (process.platform !== 'linux') return undefined;
  const buffer = Buffer.alloc(64);
  const read: WaitReader = () => {
    // Opened per reading: a worker thread can be terminated at any point, and a descriptor kept
    // open would outlive it in the process.
    let fd: number;
    try {
      fd = openSync(SCHEDSTAT, 'r');
    } catch {
      return undefined;
    }
    try {
      // "<ns on a core> <ns waiting on a run queue> <timeslices>"
      const fields = buffer.toString('latin1', 0, readSync(fd, buffer, 0, buffer.length, 0)).split(' ', 2);
      const ns = Number(fields[1]);
      return fields.length === 2 && Number.isFinite(ns) ? ns / 1e6 : undefined;
    } catch {
      return undefined;
    } finally {
      closeSync(fd);
    }
  };
  return read() === undefined ? undefined : read;
}

/** One worker's clock for call times (see the module comment). */
export class CallClock {
  readonly #waited: WaitReader | undefined;
  /** The last reading (ms waited) and the wall time (`performance.now()`) it was taken at; NaN: none. */
  #waitedAt = NaN;
  #wallAt = -Infinity;

  /** `waited`: the thread's wait clock (tests pass their own). */
  constructor(waited: WaitReader | undefined = threadWaitReader()) {
    this.#waited = waited;
  }

  /** A call starts at `now` (`performance.now()`): keeps the reading recent. */
  starting(now: number): void {
    if (this.#waited !== undefined && now - this.#wallAt > CHECKPOINT_MS) this.#checkpoint(now);
  }

  /**
   * The running time to judge a call by that took `ms` by the wall, ending
   * at `end`: `ms` less the time the thread waited for a core during the
   * call. The clock only says how long it waited since the reading before
   * the call, which may be up to {@link CHECKPOINT_MS} older than the call's
   * start; waits in that gap (while earlier calls ran) cannot be told from
   * waits in the call, so only what exceeds the gap is taken off. A call is
   * thus never judged shorter than it ran (a multi-ms call judged short
   * would have calls dispatched behind it); it may be judged longer by at
   * most the gap, far below the time that marks a function long.
   */
  ranFor(ms: number, end: number): number {
    if (this.#waited === undefined || this.#waitedAt !== this.#waitedAt) return ms;
    const before = this.#waitedAt;
    const gap = Math.max(0, end - ms - this.#wallAt);
    this.#checkpoint(end);
    const waitedInCall = this.#waitedAt - before - gap;
    return waitedInCall > 0 ? Math.max(0, ms - waitedInCall) : ms;
  }

  #checkpoint(now: number): void {
    this.#waitedAt = this.#waited!() ?? NaN;
    this.#wallAt = now;
  }
}
