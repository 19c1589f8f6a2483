/**
 * A fleet worker: the supervisor that runs on the main thread of
 * `futures-redis-worker`, one per `--workers`. It takes executors' requests
 * from the pool's `want` list, and for each executor it serves (a session,
 * under a fresh worker id) it runs the worker runtime in a fresh worker
 * thread (runtime-thread.ts), which takes the engine's messages from the
 * session's inbox and sends its own to the executor's outbox itself
 * (session-link.ts). The supervisor refreshes the heartbeat, whatever the
 * thread is doing, and reads the session's control list (RELEASE, END): it
 * ends the thread when the executor ends the call it runs, when the worker
 * is declared lost, or when the executor is gone.
 *
 * Session states: FREE (waiting for a request) → SERVING (bound to one
 * executor) → FREE again when the executor releases it, ends its call (abort,
 * timeout), goes away (its alive key expired), or declared it lost (its
 * heartbeat key expired: a late result is then refused by Redis), or when the
 * runtime thread died (its exit is reported first). A session's thread never
 * serves another: the next executor gets a fresh one (prepared in advance).
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Redis } from 'ioredis';
import { AnswerWatch, UNREACHABLE_MS, watchAnswers } from './answer-watch.js';
import { FleetKeys } from './keys.js';
import { FrameSealer, KIND, type Frame } from './sealed-frame.js';
import type { Scripts } from './scripts.js';
import type { RuntimeThreadData, ThreadInput, ThreadOutput } from './runtime-thread.js';
import { SessionBoard } from './session-board.js';

const THREAD_ENTRY = new URL('./runtime-thread.js', import.meta.url);
/** How long a blocking read waits before the loop looks around (stop, session over), s. */
const BLOCK_SECONDS = 1;
/** Pushed to a session's control list when the session ends, to end a blocking read of it (not a frame). */
const WAKE = 'wake';
/** Frames taken from the control list in one read. */
const READ_COUNT = 16;
/**
 * A runtime thread that died may have written its last messages to its own
 * connection just before: the EXIT frame, on another connection, waits this
 * long (ms) so that Redis has taken them first and the executor reads them
 * before the exit.
 */
const DEATH_SETTLE_MS = 100;
/** The longest wait (ms) for an ended runtime thread to stop (it stops at once unless it is stuck in native code). */
const THREAD_STOP_MS = 1000;

/** What the workers of one process share. */
export interface SupervisorContext {
  keys: FleetKeys;
  /** For commands and scripts (never blocking). */
  cmd: Redis;
  scripts: Scripts;
  sealer: FrameSealer;
  /** Where each runtime thread connects, and the token it signs with. */
  url: string;
  token: string | undefined;
  cwd: string;
  /** Reported in each hello: names this worker in the executor's messages. */
  name: string;
  /** Called with what went wrong outside any call (a Redis error while serving): logged by the CLI. */
  warn(message: string): void;
  /** Tracks the heartbeats on `cmd`: serve.ts reconnects it when Redis stops answering there. */
  cmdWatch: AnswerWatch;
}

/** A runtime thread: it connects to Redis as soon as it is made, so that a session finds it ready. */
class RuntimeThread {
  readonly worker: Worker;
  readonly board = new SessionBoard();
  /** Set when the supervisor ends it on purpose: its exit is then not reported. */
  ending = false;
  /** Resolves when the thread has stopped. */
  readonly stopped: Promise<void>;

  constructor(ctx: SupervisorContext) {
    this.worker = new Worker(THREAD_ENTRY, {
      workerData: { cwd: ctx.cwd, board: this.board.buffer } satisfies RuntimeThreadData,
      // Tasks see the worker's environment, as in a process pool.
      env: process.env,
      stdout: false,
      stderr: false,
    });
    this.stopped = new Promise((resolve) => this.worker.once('exit', () => resolve()));
    this.post({ setup: { url: ctx.url, token: ctx.token, name: `futures-redis-worker ${ctx.name} runtime` } });
  }

  post(input: ThreadInput): void {
    this.worker.postMessage(input);
  }

  end(): void {
    this.ending = true;
    void this.worker.terminate();
  }
}

interface Session {
  executorId: string;
  workerId: string;
  leaseMs: number;
  alive: string;
  outbox: string;
  inbox: string;
  control: string;
  heartbeat: string;
  thread: RuntimeThread;
  /** Seq of the last control frame taken. */
  seqControl: number;
  beat: NodeJS.Timeout;
  over: boolean;
  /** Its thread is being ended, to report what it took (see Supervisor.#endAndLeave): settles once that report is pushed. */
  ending: Promise<void> | undefined;
}

export class Supervisor {
  readonly #ctx: SupervisorContext;
  /** This worker's own connection for blocking reads. */
  readonly #block: Redis;
  readonly #host = hostname();
  #spare: RuntimeThread | undefined;
  #session: Session | undefined;
  #stopping = false;
  #done: Promise<void> | undefined;
  /** The blocking reads: each is answered within BLOCK_SECONDS while Redis is alive. */
  readonly #blockWatch = new AnswerWatch(UNREACHABLE_MS + BLOCK_SECONDS * 1000);
  #unwatch: (() => void) | undefined;

  constructor(ctx: SupervisorContext, block: Redis) {
    this.#ctx = ctx;
    this.#block = block;
  }

  /** Serves executors until {@link stop}. */
  run(): Promise<void> {
    // Redis that stops answering on this connection is treated as one that went away: the connection is dropped and
    // made again (commands waiting are sent again), as ioredis does when the connection closes.
    this.#unwatch ??= watchAnswers(this.#blockWatch, 1000, () => {
      this.#ctx.warn(`Redis did not answer a blocking read for ${UNREACHABLE_MS / 1000} s: reconnecting`);
      this.#block.disconnect(true);
    });
    this.#done ??= this.#loop();
    return this.#done;
  }

  /** Leaves the current session (reporting the exit to its executor) and stops taking requests. */
  async stop(signal: string): Promise<void> {
    this.#stopping = true;
    const s = this.#session;
    if (s !== undefined) await this.#endAndLeave(s, { signal, reason: 'the worker process was asked to stop' });
    this.#spare?.end();
    this.#spare = undefined;
    this.#unwatch?.();
    this.#block.disconnect();
    await this.#done?.catch(() => {});
  }

  async #loop(): Promise<void> {
    this.#spare = new RuntimeThread(this.#ctx);
    while (!this.#stopping) {
      try {
        const s = this.#session;
        if (s === undefined) await this.#waitForRequest();
        else if (s.over) this.#session = undefined;
        else await this.#serve(s);
      } catch (error) {
        if (this.#stopping) break;
        this.#ctx.warn(`redis error: ${(error as Error)?.message ?? String(error)}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }

  /** FREE: takes the next executor's request and says hello; the executor's alive key must still exist. */
  async #waitForRequest(): Promise<void> {
    const { keys, scripts } = this.#ctx;
    const popped = (await this.#blockWatch.track(this.#block.blpop(keys.want, BLOCK_SECONDS))) as [string, string] | null;
    if (popped === null || this.#stopping) return;
    const [executorId, requestId, lease] = popped[1].split('|');
    const leaseMs = Number(lease);
    if (!executorId || !requestId || !(leaseMs > 0)) return;
    const workerId = randomBytes(9).toString('base64url');
    const s: Session = {
      executorId,
      workerId,
      leaseMs,
      alive: keys.alive(executorId),
      outbox: keys.outbox(executorId),
      inbox: keys.inbox(workerId),
      control: keys.control(workerId),
      heartbeat: keys.heartbeat(workerId),
      thread: undefined as unknown as RuntimeThread,
      seqControl: 0,
      beat: undefined as unknown as NodeJS.Timeout,
      over: false,
      ending: undefined,
    };
    const hello = this.#ctx.sealer.seal(s.outbox, s.workerId, 1, KIND.HELLO, [requestId, this.#ctx.name, this.#host, process.pid]);
    if ((await scripts.accept(s.alive, s.heartbeat, s.outbox, leaseMs, hello)) !== 1) return; // that executor is gone
    this.#bind(s);
  }

  #bind(s: Session): void {
    s.thread = this.#spare ?? new RuntimeThread(this.#ctx);
    this.#spare = undefined;
    const thread = s.thread;
    // The HELLO was seq 1.
    thread.board.startOut(1);
    thread.worker.on('message', (out: ThreadOutput) => {
      if (s.over) return;
      // Retired (the thread sent LEFT after its last results), or Redis refused its push: the worker is free again.
      if ('close' in out || 'over' in out) this.#leave(s);
      else if ('cut' in out) void this.#endAndLeave(s, { signal: null, reason: 'its connection to Redis dropped, or went unanswered, while it read its inbox (calls sent then may be lost)', cut: true });
      else this.#ctx.warn(out.warn);
    });
    let failure: string | undefined;
    thread.worker.on('error', (error) => {
      failure = (error as Error)?.stack ?? String(error);
    });
    thread.worker.once('exit', (code) => {
      if (thread.ending || s.over) return;
      // The runtime died (a task called process.exit, an uncaught error): say so after everything it sent.
      setTimeout(() => {
        if (s.over) return;
        void this.#push(s, [this.#frame(s, KIND.EXIT, [code, null, failure ?? null, thread.board.taken])]).catch(() => 0);
        this.#leave(s);
      }, DEATH_SETTLE_MS);
    });
    s.beat = setInterval(() => void this.#heartbeat(s), Math.max(10, Math.floor(s.leaseMs / 3)));
    this.#session = s;
    thread.post({ session: { workerId: s.workerId, inbox: s.inbox, outbox: s.outbox, heartbeat: s.heartbeat, alive: s.alive, leaseMs: s.leaseMs } });
    // The next session's thread starts now, while this one serves.
    this.#spare = new RuntimeThread(this.#ctx);
  }

  async #heartbeat(s: Session): Promise<void> {
    if (s.over) return;
    try {
      // 0: the executor declared this worker lost (it was silent too long); -1: the executor is gone.
      if ((await this.#ctx.cmdWatch.track(this.#ctx.scripts.beat(s.heartbeat, s.alive, s.leaseMs))) !== 1) this.#leave(s);
    } catch (error) {
      this.#ctx.warn(`heartbeat failed: ${(error as Error)?.message ?? String(error)}`);
    }
  }

  /** SERVING: reads the control list (the thread reads the inbox) and acts on each frame. */
  async #serve(s: Session): Promise<void> {
    const reply = (await this.#blockWatch.track(this.#block.blmpopBuffer(BLOCK_SECONDS, 1, s.control, 'LEFT', 'COUNT', READ_COUNT))) as [Buffer, Buffer[]] | null;
    if (reply === null) return;
    for (const raw of reply[1]) {
      if (s.over) return;
      const frame = this.#ctx.sealer.open(s.control, raw);
      // Not signed with our token, another session's, or replayed: dropped.
      if (frame === undefined || frame.session !== s.workerId || frame.seq <= s.seqControl) continue;
      s.seqControl = frame.seq;
      this.#receive(s, frame);
    }
  }

  #receive(s: Session, frame: Frame): void {
    switch (frame.kind) {
      case KIND.RELEASE:
      case KIND.END:
        void this.#endAndLeave(s);
        return;
    }
  }

  /**
   * Ends the session's thread and, once it has stopped, tells the executor
   * the seq of the last frame it took (in LEFT, or with `exit` in EXIT), then
   * leaves. Only a stopped thread's count is final: ended, a thread
   * still runs until it stops, and a frame it took meanwhile would go back to
   * the executor's queue while its calls ran here. The thread goes first, so
   * that nothing it runs outlives the session.
   */
  #endAndLeave(s: Session, exit?: { signal: string | null; reason: string; cut?: true }): Promise<void> {
    if (s.over) return Promise.resolve();
    // A second caller (stop() while a RELEASE is under way) waits for the same report instead of leaving before it.
    s.ending ??= this.#reportAndLeave(s, exit);
    return s.ending;
  }

  async #reportAndLeave(s: Session, exit: { signal: string | null; reason: string; cut?: true } | undefined): Promise<void> {
    s.thread.end();
    await Promise.race([s.thread.stopped, new Promise((resolve) => setTimeout(resolve, THREAD_STOP_MS).unref())]);
    if (s.over) return;
    const taken = s.thread.board.taken;
    const frame =
      exit === undefined ? this.#frame(s, KIND.LEFT, [taken]) : this.#frame(s, KIND.EXIT, [null, exit.signal, exit.reason, taken, exit.cut === true ? 1 : 0]);
    const pushed = this.#push(s, [frame]).catch(() => 0);
    this.#leave(s);
    await pushed;
  }

  /** Ends the session: the thread is ended, the keys go, and this worker is FREE again under a new id. */
  #leave(s: Session): void {
    if (s.over) return;
    s.over = true;
    clearInterval(s.beat);
    s.thread.end();
    // The loop may be blocked reading this session's control list: a marker (which opens as no frame) ends that
    // read now rather than after BLOCK_SECONDS, so that the worker takes the next request at once (a retired or
    // crashed runtime would otherwise leave the worker idle for a second). Nobody reads it later: it expires.
    void this.#ctx.cmd
      .multi()
      .del(s.heartbeat, s.inbox, s.control, this.#ctx.keys.lastSeq(s.inbox), this.#ctx.keys.lastSeq(s.control))
      .rpush(s.control, WAKE)
      .pexpire(s.control, BLOCK_SECONDS * 1000)
      .exec()
      .catch(() => 0);
    if (this.#session === s) this.#session = undefined;
  }

  #frame(s: Session, kind: number, fields: unknown[] = []): Buffer {
    return this.#ctx.sealer.seal(s.outbox, s.workerId, s.thread.board.nextOut(), kind, fields);
  }

  /** 1 when Redis took the frames, 0 when the session is over there (declared lost, or the executor is gone). */
  #push(s: Session, frames: Buffer[]): Promise<number> {
    return this.#ctx.scripts.push(s.heartbeat, s.alive, s.outbox, s.leaseMs, frames);
  }
}
