/**
 * A runtime thread's own link to Redis (it runs in the thread, see
 * runtime-thread.ts): it takes the engine's messages from the session's
 * inbox and pushes the runtime's messages to the executor's outbox itself,
 * so a call costs no hop through the supervisor on the main thread.
 *
 * Every write that wakes Redis costs both sides a system call and a
 * context switch, so the link writes as little as it can. One connection
 * (`main`) reads the inbox and pushes: after a read, the first push the
 * runtime makes carries the next read with it, in one write. That push
 * answers what the read brought (all of it, for tiny calls: the engine can
 * only send more once it has the results), or part of it (then the engine
 * tops the worker up while it runs the rest, and the read takes the new
 * calls as they land, without waking the thread). While a read waits on
 * `main`, pushes go on the other connection (`side`); the outbox keeps
 * their order, because a push switches connection only once every push on
 * the other one has been answered.
 *
 * Pushes go through the PUSH script (scripts.ts): once the worker is
 * declared lost or the executor is gone, Redis refuses them, and the thread
 * tells the supervisor.
 */
import { AnswerWatch, UNREACHABLE_MS, watchAnswers } from './answer-watch.js';
import { hotClient, type HotClient } from './hot-client.js';
import { FrameSealer, KIND, frameKey } from './sealed-frame.js';
import { OrderedPushes } from './ordered-pushes.js';
import { pushCommand } from './scripts.js';
import type { SessionBoard } from './session-board.js';

/** Frames taken from the inbox in one read. */
const READ_COUNT = 256;
/** How long one blocking read waits, s (the thread is ended with its session: nothing to look at between reads). */
const BLOCK_SECONDS = 5;
/** Pause after a failed read (Redis away), ms. */
const RETRY_MS = 200;

/** Where to connect; sent to a thread when it is made, before any session. */
export interface LinkSetup {
  url: string;
  token: string | undefined;
  /** The connection's name in Redis (CLIENT LIST). */
  name: string;
}

/** The session a thread serves: its keys and lease. */
export interface LinkSession {
  workerId: string;
  inbox: string;
  outbox: string;
  heartbeat: string;
  alive: string;
  leaseMs: number;
}

/**
 * What the thread tells the supervisor: retired and LEFT sent; session over (a push refused); the connection
 * dropped while a read of the inbox waited (Redis may have taken frames whose reply was lost with it); a problem
 * to log.
 */
export type LinkNotice = { close: true } | { over: true } | { cut: true } | { warn: string };

export class SessionLink {
  /** Reads the inbox; pushes too while no read waits on it. */
  readonly #main: HotClient;
  readonly #pushes: OrderedPushes<Buffer>;
  readonly #sealer: FrameSealer;
  readonly #board: SessionBoard;
  readonly #notify: (notice: LinkNotice) => void;
  #session: LinkSession | undefined;
  #deliver: (parts: Uint8Array[]) => void = () => {};
  #seqIn = 0;
  /** A read was cut: the session is ending. */
  #cut = false;
  /** Every command sent on either connection: each is answered within BLOCK_SECONDS while Redis is alive. */
  readonly #watch = new AnswerWatch(BLOCK_SECONDS * 1000 + UNREACHABLE_MS);

  constructor(setup: LinkSetup, board: SessionBoard, notify: (notice: LinkNotice) => void) {
    const main = hotClient(setup.url, setup.name);
    // Pushes while a read waits on `main`.
    const side = hotClient(setup.url, setup.name);
    // A read cut while it waited may have taken frames from the inbox whose reply never came: their calls would
    // never run, and the executor would wait for them. So may a push whose reply never came (it is not sent
    // again): its results may be lost. The session ends (the supervisor reports the last frame the runtime
    // took; the calls after it go back to the executor's queue, the ones before it without a result fail).
    const onClose = (reading: () => boolean) => (lost: boolean) => {
      if (this.#session !== undefined && (lost || reading()) && !this.#cut) {
        this.#cut = true;
        this.#notify({ cut: true });
      }
    };
    main.onClose(onClose(() => this.#pushes.reading));
    side.onClose(onClose(() => false));
    // A connection that stays up while Redis answers nothing (a host or network gone without a reset) would hold
    // the calls sent to this worker for ever, its supervisor's heartbeat going on: the session ends as for a cut.
    watchAnswers(this.#watch, 1000, () => onClose(() => true)(true));
    this.#main = main;
    const pushOn = (client: HotClient) => (frame: Buffer) => {
      const s = this.#session!;
      return this.#watch.track(client.command(pushCommand(s.heartbeat, s.alive, s.outbox, s.leaseMs, [frame])));
    };
    this.#pushes = new OrderedPushes(pushOn(main), pushOn(side));
    this.#sealer = new FrameSealer(frameKey(setup.token));
    this.#board = board;
    this.#notify = notify;
  }

  /** Starts taking the session's inbox; `deliver` gets each engine message's parts, in order. */
  serve(session: LinkSession, deliver: (parts: Uint8Array[]) => void): void {
    this.#session = session;
    this.#deliver = deliver;
    this.#read();
  }

  /** Sends one engine message (its encoded parts) to the executor; the next read of the inbox leaves with it, if none waits. */
  send(parts: Uint8Array[]): void {
    const s = this.#session;
    if (s === undefined) return;
    const frame = this.#sealer.seal(s.outbox, s.workerId, this.#board.nextOut(), KIND.MESSAGE, [parts]);
    this.#main.cork();
    try {
      this.#push(frame);
      this.#read();
    } finally {
      this.#main.uncork();
    }
  }

  /** Retired: LEFT goes after everything sent (in order), then the supervisor frees the worker. */
  close(): void {
    const s = this.#session;
    if (s === undefined) return;
    const done = () => this.#notify({ close: true });
    this.#push(this.#sealer.seal(s.outbox, s.workerId, this.#board.nextOut(), KIND.LEFT, [this.#seqIn])).then(done, done);
  }

  #push(frame: Buffer): Promise<void> {
    return this.#pushes.push(frame).then(
      (sent) => {
        // 0: declared lost, or the executor is gone: nothing this session sends arrives any more.
        if (sent !== 1) this.#notify({ over: true });
      },
      (error: unknown) => this.#notify({ warn: `a message could not be sent: ${(error as Error)?.message ?? String(error)}` }),
    );
  }

  /** Takes what the inbox holds (waiting for it on `main`) and delivers it; reads again at once unless the runtime's first push did. */
  #read(): void {
    const s = this.#session;
    if (s === undefined || this.#pushes.reading) return;
    this.#pushes.reading = true;
    (this.#watch.track(this.#main.command(['BLMPOP', BLOCK_SECONDS, 1, s.inbox, 'LEFT', 'COUNT', READ_COUNT])) as Promise<[Buffer, Buffer[]] | null>).then(
      (reply) => {
        this.#pushes.reading = false;
        if (reply !== null) this.#take(s, reply[1]);
        // The runtime sent nothing (it awaits a call, or the frames asked for no answer): read now.
        this.#read();
      },
      (error: unknown) => {
        this.#pushes.reading = false;
        this.#notify({ warn: `redis error: ${(error as Error)?.message ?? String(error)}` });
        setTimeout(() => this.#read(), RETRY_MS);
      },
    );
  }

  #take(s: LinkSession, raws: Buffer[]): void {
    for (const raw of raws) {
      const frame = this.#sealer.open(s.inbox, raw);
      // Not signed with our token, another session's, or replayed: dropped.
      if (frame === undefined || frame.session !== s.workerId || frame.seq <= this.#seqIn) continue;
      this.#seqIn = frame.seq;
      this.#board.setTaken(frame.seq);
      const parts = frame.fields[0];
      if (frame.kind === KIND.MESSAGE && Array.isArray(parts)) this.#deliver(parts as Uint8Array[]);
    }
  }
}
