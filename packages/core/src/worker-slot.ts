/**
 * The engine's record of one worker, with its lifecycle as an explicit state
 * machine. Every transition goes through {@link WorkerSlot}'s `#to`, which
 * refuses the impossible ones:
 *
 * ```
 * starting ──ready──▶ ready ──retire──▶ retiring
 *     │                 │                  │
 *     └─────────────────┴──end / exit──────┴──▶ ended
 * ```
 *
 * - `starting`: started, initializer not done; nothing is sent but `init`.
 * - `ready`: takes calls.
 * - `retiring`: asked to go (idle, recycled, shutdown); takes nothing more and
 *   is ended by force if it has not exited {@link EXIT_GRACE_MS} later.
 * - `ended`: ended by the engine (its exit is still to come) or exited.
 *   Nothing is sent to it and its messages are ignored.
 */
import { setLongTimeout, type LongTimeout } from './long-timer.js';
import { PROGRESS_RUNNING, type ProgressReader } from './progress.js';
import { Queue } from './queue.js';
import { EXIT_GRACE_MS, type WorkerChannel } from './transport.js';
import type { WorkItem } from './work-item.js';

export type SlotState = 'starting' | 'ready' | 'retiring' | 'ended';

const TRANSITIONS: Record<SlotState, readonly SlotState[]> = {
  starting: ['ready', 'retiring', 'ended'],
  ready: ['retiring', 'ended'],
  retiring: ['ended'],
  ended: [],
};

export class WorkerSlot {
  #state: SlotState = 'starting';
  /** Set once the transport started it (a slot is made before its channel, so events can name it). */
  channel!: WorkerChannel;
  /** The engine's side of the worker's progress board, until the worker says the board failed. */
  progress: ProgressReader | undefined;
  /** Calls dispatched and not yet answered, in dispatch order: the first is the one running. */
  readonly inflight = new Queue<WorkItem>();
  /** How many of those were dispatched as not short: while any is, the worker gets nothing more. */
  unshortInFlight = 0;
  /**
   * `performance.now()` when it last answered (a result message), was given
   * calls while idle, or was seen on its board to have started a call it had
   * not been seen running: a busy worker silent for long is inside a long
   * call (see `DispatchPolicy.isOpen`).
   */
  answeredAt = 0;
  /** The call id its board named running when last read by {@link unfinished}. */
  #seenRunning = 0;
  /** The last {@link unfinished} reading: when, with how many calls in flight, and what it found. */
  #readAt = NaN;
  #readInFlight = 0;
  #readUnfinished = 0;
  /** Calls dispatched to it in its life (for maxTasksPerWorker). */
  assigned = 0;
  completed = 0;
  /** Function ids whose definition this worker has received. */
  readonly known = new Set<number>();
  /** Retires the worker after idleTimeout. */
  idleTimer: LongTimeout | undefined = undefined;
  /** Ends a retiring (or SIGTERMed) worker that has not exited in time. */
  #graceTimer: NodeJS.Timeout | undefined = undefined;
  /** Set when the engine ended this worker: the error for the call it was running. */
  endError: Error | undefined = undefined;
  /** The exit has been handled: the slot is out of the pool. */
  exited = false;
  /** `performance.now()` when it was made (its share of worker time, for utilization). */
  readonly bornAt = performance.now();
  /** The start supervisor's round when this worker was started (see `StartSupervisor.round`). */
  startRound = 0;

  constructor(readonly external: boolean) {}

  get state(): SlotState {
    return this.#state;
  }

  /** Calls in flight. */
  get busy(): number {
    return this.inflight.length;
  }

  /**
   * Calls dispatched and not finished: those in flight from the one its
   * progress board names running on (that one counted unfinished even when it
   * has just ended). The calls before it have finished, their results still
   * on the way, and do not count against the in-flight cap. Without a board,
   * or when the board names none of the last {@link within} calls, all of
   * them. A new running id counts as an answer at the previous reading (see
   * answeredAt).
   */
  unfinished(now: number, within: number): number {
    const n = this.inflight.length;
    if (n === 0 || this.progress === undefined) return n;
    // Read once per dispatch: on a process the board is a file, and each read a system call.
    if (now === this.#readAt && n === this.#readInFlight) return this.#readUnfinished;
    const readBefore = this.#readAt;
    this.#readAt = now;
    this.#readInFlight = n;
    return (this.#readUnfinished = this.#unfinishedOnBoard(readBefore, n, within));
  }

  /** `readBefore`: when the board was read before (NaN if never). */
  #unfinishedOnBoard(readBefore: number, n: number, within: number): number {
    const running = this.progress!.get(PROGRESS_RUNNING);
    // Only a call still in flight can be named: then every call dispatched before it has finished.
    for (let i = n - 1; i >= 0 && i >= n - within; i--) {
      if (this.inflight.at(i)!.id !== running) continue;
      if (running !== this.#seenRunning) {
        this.#seenRunning = running;
        // The call started after the last reading, which named another: the worker was alive then. Not
        // "now": after a quiet spell the first reading may come long into a long call.
        if (readBefore > this.answeredAt) this.answeredAt = readBefore;
      }
      return n - i;
    }
    return n;
  }

  /** Whether the call in flight must stay alone (see WorkItem.exclusive). */
  get holdsExclusive(): boolean {
    return this.inflight.peek()?.exclusive === true;
  }

  /** The channel is up: keep the progress board it offers. */
  attach(channel: WorkerChannel): void {
    this.channel = channel;
    this.progress = channel.progress;
  }

  /** The worker said `ready`. Returns false when that was not expected (a second `ready`). */
  becomeReady(): boolean {
    if (this.#state !== 'starting') return false;
    this.#to('ready');
    return true;
  }

  /**
   * Asks the worker to go once it has run what it was sent, holding the event
   * loop until it has exited; ends it after the grace period.
   */
  retire(): void {
    if (this.#state === 'retiring' || this.#state === 'ended') return;
    this.#to('retiring');
    this.clearIdle();
    this.channel.ref();
    this.#armGrace();
    this.channel.send({ t: 'retire' });
  }

  /**
   * The worker was asked to exit by other means (SIGTERM): as {@link retire},
   * it is ended by force after the grace period.
   */
  endAfterGrace(): void {
    this.channel.ref();
    this.#armGrace();
  }

  /**
   * Ends the worker now; its running call will fail with `error`. No-op once
   * ended. Holds the event loop until the exit is reported (as
   * {@link retire} does), so a shutdown that waits for it resolves even when
   * nothing else keeps the process alive.
   */
  end(error: Error): void {
    if (this.#state === 'ended') return;
    this.#to('ended');
    this.endError = error;
    this.clearIdle();
    this.channel.ref();
    this.channel.terminate();
  }

  /**
   * The worker exited. Returns the state it was in, which says what the exit
   * means: `starting` (a failed start), `ready` (a death), `retiring`
   * (expected), `ended` (ended by the engine, see `endError`).
   */
  onExit(): SlotState {
    const was = this.#state;
    if (was !== 'ended') this.#to('ended');
    this.exited = true;
    this.clearIdle();
    clearTimeout(this.#graceTimer);
    return was;
  }

  /** Calls `onIdle` after `ms` unless the worker gets a call first (the timer does not hold the process open). */
  armIdle(ms: number, onIdle: () => void): void {
    this.clearIdle();
    this.idleTimer = setLongTimeout(() => {
      this.idleTimer = undefined;
      if (this.busy === 0 && this.#state === 'ready') onIdle();
    }, ms).unref();
  }

  /**
   * Starts the per-call timeout of the call now running, if it has one:
   * `onTimeout(this, item, ms)` runs if that call is still running when it fires.
   */
  armCallTimeout(onTimeout: (slot: WorkerSlot, item: WorkItem, ms: number) => void): void {
    const item = this.inflight.peek();
    if (item === undefined || item.options.timeout === undefined || item.timer !== undefined) return;
    const ms = item.options.timeout;
    item.timer = setLongTimeout(() => {
      if (!item.future.done() && this.inflight.peek() === item) onTimeout(this, item, ms);
    }, ms);
  }

  clearIdle(): void {
    this.idleTimer?.clear();
    this.idleTimer = undefined;
  }

  /** Removes and returns every unanswered call, in order, their timeouts stopped. */
  drain(): WorkItem[] {
    const items = [...this.inflight];
    this.inflight.clear();
    this.unshortInFlight = 0;
    for (const item of items) item.disarm();
    return items;
  }

  #armGrace(): void {
    if (this.#graceTimer !== undefined) return;
    this.#graceTimer = setTimeout(() => this.channel.terminate(), EXIT_GRACE_MS);
    // The channel itself holds the event loop (ref) until the exit is reported.
    this.#graceTimer.unref();
  }

  #to(next: SlotState): void {
    if (!TRANSITIONS[this.#state].includes(next)) {
      throw new Error(`internal error: a worker cannot go from ${this.#state} to ${next}`);
    }
    this.#state = next;
  }
}
