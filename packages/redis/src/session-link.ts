/**
 * A runtime thread's own link to Redis (it runs in the thread, see
 * runtime-thread.ts): it takes the engine's messages from the session's
 * inbox and pushes the runtime's messages to the executor's outbox itself,
 * so a call costs no hop through the supervisor on the main thread.
 *
 * Two connections: blocking reads of the inbox on one (the next read is
 * already waiting while the calls just taken run), pushes on the other, so
 * that a result never waits behind a read. Pushes go through the PUSH
 * script (scripts.ts): once the worker is declared lost or the executor is
 * gone, Redis refuses them, and the thread tells the supervisor.
 */
import type { Redis } from 'ioredis';
import { connect } from './connection.js';
import { FrameSealer, KIND, frameKey } from './sealed-frame.js';
import { scriptsOn, type Scripts } from './scripts.js';
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

/** What the thread tells the supervisor: retired and LEFT sent; session over (a push refused); a problem to log. */
export type LinkNotice = { close: true } | { over: true } | { warn: string };

export class SessionLink {
  readonly #cmd: Redis;
  readonly #block: Redis;
  readonly #scripts: Scripts;
  readonly #sealer: FrameSealer;
  readonly #board: SessionBoard;
  readonly #notify: (notice: LinkNotice) => void;
  #session: LinkSession | undefined;
  #seqIn = 0;

  constructor(setup: LinkSetup, board: SessionBoard, notify: (notice: LinkNotice) => void) {
    this.#cmd = connect(setup.url, setup.name);
    this.#block = this.#cmd.duplicate();
    // ioredis reconnects by itself, and commands wait for it; the supervisor's heartbeat decides when the session is over.
    this.#cmd.on('error', () => {});
    this.#block.on('error', () => {});
    this.#scripts = scriptsOn(this.#cmd);
    this.#sealer = new FrameSealer(frameKey(setup.token));
    this.#board = board;
    this.#notify = notify;
  }

  /** Starts taking the session's inbox; `deliver` gets each engine message's parts, in order. */
  serve(session: LinkSession, deliver: (parts: Uint8Array[]) => void): void {
    this.#session = session;
    void this.#read(session, deliver);
  }

  /** Sends one engine message (its encoded parts) to the executor. */
  send(parts: Uint8Array[]): void {
    const s = this.#session;
    if (s === undefined) return;
    this.#push(s, KIND.MESSAGE, [parts]).catch((error: unknown) => this.#notify({ warn: `a message could not be sent: ${(error as Error)?.message ?? String(error)}` }));
  }

  /** Retired: LEFT goes after everything sent (one connection, in order), then the supervisor frees the worker. */
  close(): void {
    const s = this.#session;
    if (s === undefined) return;
    this.#push(s, KIND.LEFT, [this.#seqIn]).then(
      () => this.#notify({ close: true }),
      () => this.#notify({ close: true }),
    );
  }

  async #push(s: LinkSession, kind: number, fields: unknown[]): Promise<void> {
    const frame = this.#sealer.seal(s.outbox, s.workerId, this.#board.nextOut(), kind, fields);
    // 0: declared lost, or the executor is gone: nothing this session sends arrives any more.
    if ((await this.#scripts.push(s.heartbeat, s.alive, s.outbox, s.leaseMs, [frame])) !== 1) this.#notify({ over: true });
  }

  #pop(inbox: string): Promise<[Buffer, Buffer[]] | null> {
    const read = this.#block.blmpopBuffer(BLOCK_SECONDS, 1, inbox, 'LEFT', 'COUNT', READ_COUNT) as Promise<[Buffer, Buffer[]] | null>;
    read.catch(() => {});
    return read;
  }

  async #read(s: LinkSession, deliver: (parts: Uint8Array[]) => void): Promise<void> {
    let next = this.#pop(s.inbox);
    for (;;) {
      let reply: [Buffer, Buffer[]] | null;
      try {
        reply = await next;
      } catch (error) {
        this.#notify({ warn: `redis error: ${(error as Error)?.message ?? String(error)}` });
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
        next = this.#pop(s.inbox);
        continue;
      }
      // The next read waits in Redis while the calls just taken run.
      next = this.#pop(s.inbox);
      if (reply === null) continue;
      for (const raw of reply[1]) {
        const frame = this.#sealer.open(s.inbox, raw);
        // Not signed with our token, another session's, or replayed: dropped.
        if (frame === undefined || frame.session !== s.workerId || frame.seq <= this.#seqIn) continue;
        this.#seqIn = frame.seq;
        this.#board.setTaken(frame.seq);
        const parts = frame.fields[0];
        if (frame.kind === KIND.MESSAGE && Array.isArray(parts)) deliver(parts as Uint8Array[]);
      }
    }
  }
}
