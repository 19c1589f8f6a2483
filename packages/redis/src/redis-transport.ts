/**
 * The Redis transport, executor side. Redis only carries messages; the
 * engine decides which worker runs which call, as with every transport.
 *
 * Each worker the engine starts is a {@link RedisChannel} that asks the fleet
 * for a worker: it pushes a request to the pool's `want` list, which free
 * workers pop in order (so executors that share a fleet are served in turn).
 * The worker that takes it says hello in this executor's outbox, and from
 * then on the channel pushes the engine's messages to that worker's inbox;
 * everything the worker sends arrives in the outbox, which one blocking read
 * on a connection of its own drains.
 *
 * Liveness: every tick this executor refreshes its alive key and, in one
 * script, checks each worker's heartbeat key; a worker whose key expired
 * (dead, stopped, cut off for `leaseMs`) is declared lost by a LOST frame in
 * the outbox, after all it had sent, and Redis refuses anything it sends
 * later (scripts.ts). If Redis cannot be reached for 10 s the transport
 * fails: every channel exits with the connection error, and starting a
 * worker throws it, which breaks the pool.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import { CALL_STRIDE, EXIT_GRACE_MS, PROGRESS_RUNNING, RESULT_STRIDE, type FromWorker, type ProgressReader, type ToWorker, type Transport, type TransportHost, type WorkerChannel, type WorkerEvents, type WorkerExit } from '@futures/core/transport';
import { AnswerWatch, UNREACHABLE_MS } from './answer-watch.js';
import { ClientRef, connect, isRefusal, redactUrl } from './connection.js';
import { EngineCodec } from './engine-codec.js';
import { BrokenRedisPoolError, RedisConnectionError } from './errors.js';
import { FleetKeys } from './keys.js';
import { InboxLedger } from './inbox-ledger.js';
import { FrameSealer, KIND, frameKey, type Frame } from './sealed-frame.js';
import { OrderedPushes } from './ordered-pushes.js';
import { scriptsOn, sendCommand, type Scripts } from './scripts.js';
import { hotClient, type HotClient } from './hot-client.js';
import { PortableRefs } from './task-refs.js';

/** The worker command, next to this module in `dist/`. */
const WORKER_ENTRY = fileURLToPath(new URL('./cli.js', import.meta.url));
/** Sequence number of the LOST frames this executor writes for itself: after everything a worker can send. */
const LOST_SEQ = Number.MAX_SAFE_INTEGER;
/**
 * Fleet workers in a row that one channel may lose while they join (declared
 * lost before `ready`: killed, or cut off) before the engine hears of it as a
 * failed start. A fleet's workers come and go; losing one that was joining
 * says nothing about whether this pool can start workers.
 */
const MAX_JOIN_LOSSES = 3;
/** A local worker that lived this long (ms) is started again at once when it exits; one that died sooner, after a delay. */
const LOCAL_STABLE_MS = 5_000;
/** The first and the longest delay (ms) before starting again a local worker that keeps dying young. */
const LOCAL_MIN_DELAY_MS = 100;
const LOCAL_MAX_DELAY_MS = 5_000;
/** The `want` list lives this long after the last executor that waits refreshed it, ms. */
const WANT_TTL_MS = 30_000;
/** Frames taken from the outbox in one read. */
const READ_COUNT = 512;
/** How long one outbox read blocks in Redis before it answers empty, s. */
const READ_BLOCK_SECONDS = 1;

/** Frames for one worker's inbox or control list; `answered` learns Redis's answer (1 in the list, 0 refused, undefined unknown). */
interface FramePush {
  list: string;
  heartbeat: string;
  lastSeqKey: string;
  /** The seq of the last frame. */
  lastSeq: number;
  frames: Buffer[];
  answered?: (ok: number | undefined) => void;
}

/** What the transport needs; validated by `RedisPoolExecutor`. */
export interface RedisTransportOptions {
  where: string;
  url: string;
  pool: string;
  prefix: string;
  token: string | undefined;
  leaseMs: number;
  /** Worker processes to spawn on this machine (they join the fleet). */
  localWorkers: number;
  /** Names the spawned workers. */
  name: string;
}

export class RedisTransport implements Transport {
  readonly kind = 'redis';
  readonly #o: RedisTransportOptions;
  readonly #id = randomBytes(9).toString('base64url');
  readonly #keys: FleetKeys;
  readonly #alive: string;
  readonly #outbox: string;
  readonly #sealer: FrameSealer;
  readonly #codec = new EngineCodec();
  readonly #portable = new PortableRefs();
  #cmd!: Redis;
  /** The outbox reader's connection (hot-client.ts). */
  #block!: HotClient;
  #scripts!: Scripts;
  /**
   * Frames to workers: on the outbox reader's connection while no read waits
   * there (the engine answers what a read brought, and the next read leaves
   * with its frames, in one write), else on the command connection; in order.
   */
  #pushes!: OrderedPushes<FramePush>;
  #refs!: ClientRef;
  /**
   * Channels waiting for a worker, in order. Only the first has a request in
   * the `want` list at a time, so that the requests of executors sharing a
   * fleet alternate there and free workers go to each in turn.
   */
  readonly #waiting: RedisChannel[] = [];
  /** The channel whose request is in the `want` list. */
  #asked: RedisChannel | undefined;
  /** Channels bound to a worker, by worker id. */
  readonly #bound = new Map<string, RedisChannel>();
  #nextRequest = 0;
  #tickTimer: NodeJS.Timeout | undefined;
  /** The tick under way: close() waits for it, so that it cannot write the alive key again after close deleted it. */
  #lastTick: Promise<void> | undefined;
  #ticks = 0;
  /** The engine has nothing outstanding (between unref() and ref()). */
  #idle = true;
  /**
   * Channels the engine holds the event loop open for (a worker asked to
   * leave, whose exit `await shutdown()` waits for). Their exit arrives on
   * the Redis connections, so those stay ref'd while any is here.
   */
  readonly #holding = new Set<RedisChannel>();
  /** Whether the connections and local workers hold the event loop open now. */
  #refed: boolean | undefined;
  #downSince: number | undefined = Date.now();
  #lastError: unknown;
  /**
   * The commands the tick waits for. A connection that stays up while Redis
   * does not answer (the server is stopped or hung, the host or the network
   * is gone without a reset) never closes by itself: this watch, and
   * {@link #readWatch} on the other connection, notice it.
   */
  readonly #tickWatch = new AnswerWatch(UNREACHABLE_MS);
  /** The outbox read: answered within {@link READ_BLOCK_SECONDS} when Redis is alive. */
  readonly #readWatch = new AnswerWatch(UNREACHABLE_MS + READ_BLOCK_SECONDS * 1000);
  #failure: Error | undefined;
  #closed = false;
  #host!: TransportHost;
  readonly #local: ChildProcess[] = [];
  #reader: Promise<void> | undefined;
  /**
   * Ends the reader's current wait: a read queued while Redis is away never
   * settles once its client is disconnected. One promise per read, not one for
   * the executor's life: every race on a long-lived pending promise leaves it a
   * reaction that keeps that read's reply (up to READ_COUNT frames) alive.
   */
  #endRead: (() => void) | undefined;

  constructor(options: RedisTransportOptions) {
    this.#o = options;
    this.#keys = new FleetKeys(options.prefix, options.pool);
    this.#alive = this.#keys.alive(this.#id);
    this.#outbox = this.#keys.outbox(this.#id);
    this.#sealer = new FrameSealer(frameKey(options.token));
  }

  broken(message: string, cause?: unknown): BrokenRedisPoolError {
    return new BrokenRedisPoolError(message, cause === undefined ? undefined : { cause });
  }

  /** Bound: the engine calls it as a plain function. */
  readonly checkValue = (value: unknown): void => this.#codec.check(value);

  open(host: TransportHost): void {
    this.#host = host;
    const name = `futures executor ${this.#id}`;
    this.#cmd = connect(this.#o.url, name);
    this.#block = hotClient(this.#o.url, name);
    this.#refs = new ClientRef([this.#cmd]);
    this.#scripts = scriptsOn(this.#cmd);
    const ttlMs = this.#o.leaseMs * 2 + 1000;
    const sendOn = (send: (p: FramePush) => Promise<unknown>) => (p: FramePush) =>
      send(p).then(
        (ok) => {
          p.answered?.(typeof ok === 'number' ? ok : undefined);
          return ok;
        },
        (error: unknown) => {
          p.answered?.(undefined);
          throw error;
        },
      );
    this.#pushes = new OrderedPushes(
      sendOn((p) => this.#block.command(sendCommand(p.list, p.heartbeat, p.lastSeqKey, ttlMs, p.lastSeq, p.frames))),
      sendOn((p) => this.#scripts.send(p.list, p.heartbeat, p.lastSeqKey, ttlMs, p.lastSeq, p.frames)),
    );
    this.#cmd.on('error', (error: unknown) => {
      this.#lastError = error;
      // A refusal will not pass by itself: fail now rather than in 10 s.
      if (isRefusal(error)) this.#fail(error);
    });
    // A read cut while it waited may have taken frames from the outbox whose reply never came: results lost, and
    // their futures would wait for ever. So may a push cut before its reply (not sent again: its frames may never
    // reach the worker). Every worker that owes this executor something is ended (or replaced).
    this.#block.onClose((lost) => {
      if (!(lost || this.#pushes.reading) || this.#closed) return;
      for (const channel of [...this.#bound.values()]) channel.readCut();
    });
    this.#cmd.on('ready', () => (this.#downSince = undefined));
    this.#cmd.on('close', () => (this.#downSince ??= Date.now()));
    // The alive key first: workers accept this executor's requests only while it exists.
    void this.#cmd.set(this.#alive, '1', 'PX', this.#o.leaseMs).catch(() => {});
    this.#tickTimer = setInterval(() => this.#onTick(), Math.max(10, Math.min(250, Math.floor(this.#o.leaseMs / 4))));
    this.#tickTimer.unref();
    this.#reader = this.#read();
    for (let i = 0; i < this.#o.localWorkers; i++) this.#spawnLocal(i + 1);
    // Idle until the engine has work.
    this.#applyRef();
  }

  startWorker(events: WorkerEvents): WorkerChannel {
    if (this.#failure !== undefined) throw this.#failure;
    const channel = new RedisChannel(this, events);
    this.#request(channel);
    return channel;
  }

  ref(): void {
    this.#idle = false;
    this.#applyRef();
  }

  unref(): void {
    this.#idle = true;
    this.#applyRef();
  }

  /** {@link RedisChannel.ref}/`unref`: the engine holds the event loop open for `channel`, or no longer. */
  hold(channel: RedisChannel, on: boolean): void {
    if (on) this.#holding.add(channel);
    else this.#holding.delete(channel);
    this.#applyRef();
  }

  /**
   * The connections and local workers keep the process alive while the
   * engine has work, while a channel is held (its exit comes through them)
   * and while close() runs (it waits for Redis and the local workers); an
   * idle executor lets the process exit.
   */
  #applyRef(): void {
    const on = !this.#idle || this.#holding.size > 0 || this.#closed;
    if (on === this.#refed) return;
    this.#refed = on;
    this.#refs.set(on);
    this.#block.setRef(on);
    for (const child of this.#local) {
      if (on) child.ref();
      else child.unref();
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#applyRef();
    clearInterval(this.#tickTimer);
    for (const channel of this.#channels()) channel.gone({ code: null, signal: null });
    const locals = this.#local.map((child) => this.#stopLocal(child));
    this.#block.disconnect();
    this.#endRead?.();
    await this.#reader;
    // The liveness tick stopped: a Redis that stops answering now must not hold shutdown for ever (pending commands fail on disconnect).
    const giveUp = setTimeout(() => this.#cmd.disconnect(), UNREACHABLE_MS);
    giveUp.unref();
    // Redis away (or given up on): a tick under way waits for a reconnect that will not come; its commands die with the client.
    if (this.#failure !== undefined || this.#cmd.status !== 'ready') this.#cmd.disconnect();
    else await this.#lastTick;
    if (this.#failure === undefined) {
      await this.#cmd.del(this.#alive, this.#outbox).catch(() => {});
      await this.#cmd.quit().catch(() => {});
    }
    clearTimeout(giveUp);
    this.#cmd.disconnect();
    await Promise.all(locals);
  }

  // --- used by channels ---

  get leaseMs(): number {
    return this.#o.leaseMs;
  }

  encode(message: ToWorker): Uint8Array[] {
    return this.#codec.encode(this.#portable.outgoing(message));
  }

  /**
   * Pushes frames to a worker's inbox (engine messages, read by its runtime
   * thread), or with `control` to its control list (RELEASE, END, read by its
   * supervisor even while a call runs); in order: one connection.
   */
  sendFrames(workerId: string, kind: number, seqs: number[], fields: unknown[][], control = false, answered?: (ok: number | undefined) => void): void {
    const list = control ? this.#keys.control(workerId) : this.#keys.inbox(workerId);
    const frames = seqs.map((seq, i) => this.#sealer.seal(list, workerId, seq, kind, fields[i]));
    // 1: in the list; 0: the worker's heartbeat is gone (declared lost), the frames were refused, so it can never
    // take them; undefined: no answer (the client gave up), so whether they landed is unknown. `answered` hears it
    // before the liveness check can count on it (#tick).
    this.#pushes.push({ list, heartbeat: this.#keys.heartbeat(workerId), lastSeqKey: this.#keys.lastSeq(list), lastSeq: seqs[seqs.length - 1], frames, answered }).catch(() => {});
  }

  /** A worker was lost while it joined: ask the fleet for another one. */
  rerequest(channel: RedisChannel): void {
    this.unbind(channel);
    this.#request(channel);
  }

  withdraw(channel: RedisChannel): void {
    if (this.#asked === channel) {
      this.#asked = undefined;
      if (this.#failure === undefined && !this.#closed) void this.#cmd.lrem(this.#keys.want, 0, this.#requestValue(channel)).catch(() => {});
      this.#askNext();
      return;
    }
    const at = this.#waiting.indexOf(channel);
    if (at >= 0) this.#waiting.splice(at, 1);
  }

  unbind(channel: RedisChannel): void {
    if (channel.workerId !== undefined) this.#bound.delete(channel.workerId);
  }

  // --- internals ---

  #requestValue(channel: RedisChannel): string {
    return `${this.#id}|${channel.requestId}|${this.#o.leaseMs}`;
  }

  #request(channel: RedisChannel): void {
    this.#waiting.push(channel);
    this.#askNext();
  }

  /** Puts the next waiting channel's request in the `want` list, if none is there. */
  #askNext(): void {
    if (this.#asked !== undefined || this.#closed || this.#failure !== undefined) return;
    const channel = this.#waiting.shift();
    if (channel === undefined) return;
    this.#asked = channel;
    channel.requestId = (++this.#nextRequest).toString(36);
    channel.requestedAt = Date.now();
    const want = this.#keys.want;
    void this.#cmd.rpush(want, this.#requestValue(channel)).catch(() => {});
    void this.#cmd.pexpire(want, WANT_TTL_MS).catch(() => {});
  }

  #channels(): RedisChannel[] {
    return [...(this.#asked === undefined ? [] : [this.#asked]), ...this.#waiting, ...this.#bound.values()];
  }

  /**
   * Drains the outbox with one blocking read at a time, until close. Between
   * reads, what the engine sends in answer to what a read brought (it
   * dispatches in a microtask) goes on the reader's connection, in one write
   * with the next read.
   */
  async #read(): Promise<void> {
    /** The reader's connection is corked from a reply until the next read is written. */
    let corked = false;
    try {
      while (!this.#closed && this.#failure === undefined) {
        let reply: [Buffer, Buffer[]] | null;
        try {
          this.#pushes.reading = true;
          const read = this.#readWatch.track(this.#block.command(['BLMPOP', READ_BLOCK_SECONDS, 1, this.#outbox, 'LEFT', 'COUNT', READ_COUNT])) as Promise<[Buffer, Buffer[]] | null>;
          if (corked) this.#block.uncork();
          corked = false;
          read.catch(() => {});
          const stopped = new Promise<null>((resolve) => (this.#endRead = () => resolve(null)));
          reply = await Promise.race([read, stopped]);
          this.#endRead = undefined;
        } catch {
          this.#pushes.reading = false;
          if (this.#closed || this.#failure !== undefined) return;
          await new Promise((resolve) => setTimeout(resolve, 50).unref());
          continue;
        }
        this.#pushes.reading = false;
        if (reply === null) continue;
        corked = true;
        this.#block.cork();
        for (const raw of reply[1]) {
          if (this.#closed) return;
          const frame = this.#sealer.open(this.#outbox, raw);
          if (frame !== undefined) this.#receive(frame);
        }
        // The engine dispatches in microtasks (and a caller awaiting a result submits in them): they all run before a tick.
        await new Promise<void>((resolve) => process.nextTick(resolve));
      }
    } finally {
      if (corked) this.#block.uncork();
    }
  }

  #receive(frame: Frame): void {
    if (frame.kind === KIND.HELLO) {
      const [requestId, name, host, pid] = frame.fields as [unknown, unknown, unknown, unknown];
      const channel = this.#asked;
      if (channel === undefined || channel.requestId !== requestId || this.#bound.has(frame.session)) {
        // A request this executor no longer needs (withdrawn, or taken twice): send that worker back.
        if (!this.#bound.has(frame.session)) this.sendFrames(frame.session, KIND.RELEASE, [1], [[]], true);
        return;
      }
      this.#asked = undefined;
      this.#askNext();
      this.#bound.set(frame.session, channel);
      channel.bind(frame.session, `worker ${String(name)} (pid ${String(pid)} on ${String(host)})`, frame.seq, this.#lostFrame(frame.session));
      return;
    }
    const channel = this.#bound.get(frame.session);
    if (channel !== undefined) channel.receive(frame);
  }

  #lostFrame(workerId: string): Buffer {
    return this.#sealer.seal(this.#outbox, workerId, LOST_SEQ, KIND.LOST);
  }

  decode(parts: Uint8Array[]): FromWorker {
    return this.#codec.decode(parts) as FromWorker;
  }

  /** Liveness: refresh our keys, declare lost the workers whose heartbeat expired, renew stale requests, notice an outage. */
  /** Every tick: the outage clock first (a tick under way may wait for a reconnect), then the liveness check. */
  #onTick(): void {
    this.#checkOutage();
    this.#checkSilence();
    this.#lastTick ??= this.#tick().finally(() => (this.#lastTick = undefined));
  }

  /** Redis stayed away for UNREACHABLE_MS: the transport fails. */
  #checkOutage(): void {
    if (this.#closed || this.#failure !== undefined) return;
    if (this.#downSince !== undefined && Date.now() - this.#downSince >= UNREACHABLE_MS) {
      const detail = this.#lastError === undefined ? 'no answer' : ((this.#lastError as Error)?.message ?? String(this.#lastError));
      this.#fail(
        new RedisConnectionError(`${this.#o.where}: Redis at ${redactUrl(this.#o.url)} was unreachable for ${UNREACHABLE_MS / 1000} s: ${detail}`, 'ERR_REDIS_UNREACHABLE', {
          cause: this.#lastError,
        }),
      );
    }
  }

  /**
   * Redis has not answered a command for UNREACHABLE_MS (the outbox read: for
   * that long past its own block time): the transport fails, as when Redis
   * cannot be reached. Checked again after the event loop has read its
   * sockets, so that a loop that was itself busy (a long synchronous task in
   * this process) never mistakes its own delay for Redis's.
   */
  #checkSilence(): void {
    const silent = (): string | undefined => {
      if (this.#tickWatch.late()) return 'the command connection';
      if (this.#readWatch.late()) return "the outbox reader's connection";
      return undefined;
    };
    if (this.#closed || this.#failure !== undefined || silent() === undefined) return;
    setImmediate(() => {
      const where = silent();
      if (where === undefined || this.#closed || this.#failure !== undefined) return;
      this.#fail(
        new RedisConnectionError(`${this.#o.where}: Redis at ${redactUrl(this.#o.url)} did not answer for ${UNREACHABLE_MS / 1000} s on ${where} (stopped, hung, or cut off)`, 'ERR_REDIS_UNREACHABLE', {
          cause: this.#lastError,
        }),
      );
    }).unref();
  }

  /** A command of the tick, on the clock of {@link #checkSilence}. */
  #answer<T>(command: Promise<T>): Promise<T> {
    return this.#tickWatch.track(command);
  }

  async #tick(): Promise<void> {
    if (this.#closed || this.#failure !== undefined || this.#cmd.status !== 'ready') return;
    try {
      const workers = [...this.#bound.values()].filter((c) => c.lostFrame !== undefined);
      const lost = await this.#answer(
        this.#scripts.check(
          this.#alive,
          this.#outbox,
          this.#o.leaseMs,
          workers.map((c) => ({ heartbeat: this.#keys.heartbeat(c.workerId!), inbox: this.#keys.inbox(c.workerId!), lost: c.lostFrame! })),
        ),
      );
      // Every push Redis ran before this check was written before its answer came: once those are answered,
      // each channel knows which of its frames landed (its ledger counts the ones taken from that).
      if (lost.length > 0) await this.#answer(this.#pushes.answered());
      for (let k = 0; k < lost.length; k += 2) workers[lost[k] - 1].lostWith(lost[k + 1]);
      // Another executor waiting for a worker is looked for on every tick: it waits at most a tick for its turn.
      if (this.#bound.size > 0) await this.#shareFleet();
      if (++this.#ticks % 4 !== 0) return;
      if (this.#asked !== undefined) await this.#renewRequest(this.#asked);
    } catch {
      // Redis went away mid-tick: the outage clock runs from the connection's close.
    }
  }

  /**
   * Fairness between executors that share a fleet: while another executor
   * waits for a worker (checked on every liveness tick, at most 250 ms), this one gives back
   * every worker if it has nothing to do, or else one of its workers, as soon
   * as that worker has finished the calls it was sent (the calls the engine
   * meanwhile dispatched to it were held back, never sent, and go back to
   * the queue). An executor that nobody waits for keeps its workers, idle or
   * not: a pause between its batches costs no rejoin.
   */
  async #shareFleet(): Promise<void> {
    const waiting = await this.#answer(this.#cmd.lrange(this.#keys.want, 0, 31));
    const others = new Set(waiting.map((request) => request.split('|')[0]).filter((id) => id !== this.#id));
    // A dead executor's request waits for a worker to discard it: only live ones count.
    if (others.size === 0 || (await this.#answer(this.#cmd.exists(...[...others].map((id) => this.#keys.alive(id))))) === 0) return;
    if (this.#idle) {
      for (const channel of [...this.#bound.values()]) channel.giveBack();
      return;
    }
    let oldest: RedisChannel | undefined;
    for (const channel of this.#bound.values()) {
      if (channel.yielding) return;
      oldest ??= channel;
    }
    oldest?.yieldWorker();
  }

  /** A request that vanished from the list (Redis restarted, a worker took it after we had stalled) is made again. */
  async #renewRequest(channel: RedisChannel): Promise<void> {
    const want = this.#keys.want;
    await this.#answer(this.#cmd.pexpire(want, WANT_TTL_MS));
    if (Date.now() - channel.requestedAt < 1000) return;
    const at = await this.#answer(this.#cmd.lpos(want, this.#requestValue(channel)));
    if (at === null && this.#asked === channel) {
      channel.requestedAt = Date.now();
      await this.#answer(this.#cmd.rpush(want, this.#requestValue(channel)));
    }
  }

  /** Redis refused us or stayed away: every channel exits with the error; starting a worker throws it. */
  #fail(cause: unknown): void {
    if (this.#failure !== undefined || this.#closed) return;
    this.#failure =
      cause instanceof RedisConnectionError
        ? cause
        : new RedisConnectionError(`${this.#o.where}: Redis at ${redactUrl(this.#o.url)} refused this executor: ${(cause as Error)?.message ?? String(cause)}`, 'ERR_REDIS_REFUSED', {
            cause,
          });
    const error = this.#failure;
    // The pool breaks now, with this error's message as its own (it names the executor): every pending call fails
    // and submit throws, whether or not the engine was about to start a worker.
    this.#host.fail(error.message, error);
    for (const channel of this.#channels()) channel.gone({ code: null, signal: null, error });
    this.#endRead?.();
    this.#block.disconnect();
    this.#cmd.disconnect();
  }

  /**
   * Starts local worker `n`, and starts it again whenever it exits before
   * close (killed, out of memory): `maxWorkers` local workers stay in the
   * fleet. One that dies within {@link LOCAL_STABLE_MS} of its start is
   * started again after a doubling delay, so that a worker that cannot start
   * does not spin.
   */
  #spawnLocal(n: number, delay = 0): void {
    const startedAt = Date.now();
    const child = spawn(
      process.execPath,
      [WORKER_ENTRY, '--pool', this.#o.pool, '--prefix', this.#o.prefix, '--workers', '1', '--name', `${this.#o.name}-${n}`],
      {
        env: {
          ...process.env,
          FUTURES_REDIS_URL: this.#o.url,
          // It stops when this process is gone, even if close() never ran (SIGKILL).
          FUTURES_REDIS_PARENT: String(process.pid),
          ...(this.#o.token === undefined ? {} : { FUTURES_TOKEN: this.#o.token }),
        },
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    );
    child.on('error', () => {});
    child.once('exit', () => {
      const at = this.#local.indexOf(child);
      if (at >= 0) this.#local.splice(at, 1);
      if (this.#closed || this.#failure !== undefined) return;
      const next = Date.now() - startedAt >= LOCAL_STABLE_MS ? 0 : Math.min(LOCAL_MAX_DELAY_MS, Math.max(LOCAL_MIN_DELAY_MS, delay * 2));
      setTimeout(() => {
        if (!this.#closed && this.#failure === undefined) this.#spawnLocal(n, next);
      }, next).unref();
    });
    if (!this.#refed) child.unref();
    this.#local.push(child);
  }

  #stopLocal(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), EXIT_GRACE_MS);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.ref();
      child.kill('SIGTERM');
    });
  }
}

/**
 * One worker as the engine sees it: first a request to the fleet (messages
 * wait), then a worker that took it. Exits once: when the worker leaves as
 * asked, its runtime dies, it is declared lost, or Redis is gone.
 */
export class RedisChannel implements WorkerChannel {
  /**
   * What the engine reads when the worker is gone: RUNNING is the last
   * unanswered call in the frames it took from its inbox (inbox-ledger.ts:
   * calls before it with no result fail as lost, calls after it go back to
   * the queue), or -1; DONE is never a call id.
   */
  readonly progress: ProgressReader = { get: (slot) => (slot === PROGRESS_RUNNING ? this.#running : -1) };
  /** No fleet worker has taken this channel's request yet: not counted as a worker in `stats()`. */
  get awaitingWorker(): boolean {
    return this.workerId === undefined;
  }
  #running = -1;
  #ledger = new InboxLedger();
  /** What the engine sent before the worker said ready (its init): sent again to the next worker if this one is lost while joining. */
  #beforeReady: { parts: Uint8Array[]; calls: unknown[] | undefined }[] = [];
  #joinLosses = 0;
  /** Declared lost: the seq of the last frame it took (from the liveness check), once known. */
  #takenAtLoss: number | undefined;
  /** The LOST frame was read before the liveness check's reply: the exit waits for it. */
  #lossRead = false;
  readonly #transport: RedisTransport;
  readonly #events: WorkerEvents;
  requestId = '';
  requestedAt = 0;
  workerId: string | undefined;
  lostFrame: Buffer | undefined;
  #label = 'a fleet worker (not joined yet)';
  /** Encoded messages sent before a worker took the request. */
  #queue: { parts: Uint8Array[]; calls: unknown[] | undefined }[] | undefined = [];
  /** The worker said ready: before that, an exit is a failed start, which the engine retries (and counts). */
  #ready = false;
  /** The engine sent `retire`: the worker runs what it was sent, then leaves (LEFT). */
  #retiring = false;
  #seqOut = 0;
  #seqControl = 0;
  #seqIn = 0;
  #leaving = false;
  /** Calls sent to the worker and not answered yet. */
  #inflight = 0;
  /** Giving the worker back to the fleet (see RedisTransport.#shareFleet): the engine's messages are held, not sent. */
  yielding = false;
  #reported = false;

  constructor(transport: RedisTransport, events: WorkerEvents) {
    this.#transport = transport;
    this.#events = events;
  }

  get label(): string {
    return this.#label;
  }

  bind(workerId: string, label: string, seq: number, lostFrame: Buffer): void {
    this.workerId = workerId;
    this.#label = label;
    this.#seqIn = seq;
    this.lostFrame = lostFrame;
    const queued = this.#queue ?? [];
    this.#queue = undefined;
    if (queued.length > 0) this.#sendParts(queued);
  }

  send(message: ToWorker): void {
    if (this.#reported || this.#leaving) return;
    if (message.t === 'retire') {
      this.#retiring = true;
      // Not joined yet: nothing to run, withdraw the request.
      if (this.workerId === undefined) {
        this.#transport.withdraw(this);
        this.gone({ code: 0, signal: null });
        return;
      }
    }
    // Throws, sending nothing, when a value cannot be encoded.
    const parts = this.#transport.encode(message);
    // Held while yielding: the engine will get these calls back when this worker leaves.
    if (this.yielding) return;
    if (message.t === 'run') this.#inflight += message.calls.length / CALL_STRIDE;
    const calls = message.t === 'run' ? message.calls : undefined;
    if (!this.#ready) this.#beforeReady.push({ parts, calls });
    if (this.#queue !== undefined) this.#queue.push({ parts, calls });
    else this.#sendParts([{ parts, calls }]);
  }

  /** Gives the worker back to the fleet once the calls it was sent are answered; the engine's new calls are held meanwhile. */
  yieldWorker(): void {
    if (this.#reported || this.#leaving || this.#retiring || this.workerId === undefined || !this.#ready) return;
    this.yielding = true;
    this.#yieldIfDone();
  }

  #yieldIfDone(): void {
    if (!this.yielding || this.#inflight > 0 || this.#reported || this.#leaving) return;
    // The engine sees this worker leave with the held calls unanswered: they were never sent, so it requeues them.
    this.#control(KIND.RELEASE);
    this.gone({ code: 0, signal: null });
  }

  #sendParts(messages: { parts: Uint8Array[]; calls: unknown[] | undefined }[]): void {
    const seqs = messages.map((m) => {
      const seq = ++this.#seqOut;
      this.#ledger.sent(seq, m.calls, CALL_STRIDE);
      return seq;
    });
    this.#push(KIND.MESSAGE, seqs, messages.map((m) => [m.parts]));
  }

  /** Sends frames and notes in the ledger whether Redis took them into the inbox. */
  #push(kind: number, seqs: number[], fields: unknown[][]): void {
    const ledger = this.#ledger;
    this.#transport.sendFrames(this.workerId!, kind, seqs, fields, false, (ok) => ok === undefined || ledger.landed(seqs, ok === 1));
  }

  /** A control frame (RELEASE, END): to the worker's control list, outside the inbox and its ledger. */
  #control(kind: number): void {
    this.#transport.sendFrames(this.workerId!, kind, [++this.#seqControl], [[]], true);
  }

  /** The liveness check declared this worker lost with `untaken` frames left in its inbox. */
  lostWith(untaken: number): void {
    if (this.#takenAtLoss !== undefined || this.#reported) return;
    this.#takenAtLoss = this.#ledger.takenAtLoss(untaken);
    if (this.#lossRead) this.#lose();
  }

  #lose(): void {
    if (this.#rejoin()) return;
    this.gone({ code: null, signal: null, error: new Error(`no heartbeat for ${this.#transport.leaseMs} ms: the worker is declared lost`) }, this.#takenAtLoss);
  }

  /**
   * The worker went away while it joined (declared lost, or stopped by a
   * signal: a deploy restarting the fleet): the engine has not counted on
   * it, so the fleet is asked for another worker, up to
   * {@link MAX_JOIN_LOSSES} times in a row (unless not `counted`: the
   * worker is not to blame). False when the loss is the engine's to hear.
   */
  #rejoin(counted = true): boolean {
    if (this.#ready || this.#leaving || this.#retiring) return false;
    if (counted && ++this.#joinLosses > MAX_JOIN_LOSSES) return false;
    this.#transport.rerequest(this);
    this.workerId = undefined;
    this.lostFrame = undefined;
    this.#label = 'a fleet worker (not joined yet)';
    this.#seqOut = 0;
    this.#seqControl = 0;
    this.#seqIn = 0;
    this.#ledger = new InboxLedger();
    this.#takenAtLoss = undefined;
    this.#lossRead = false;
    this.#queue = this.#beforeReady.slice();
    return true;
  }

  terminate(): void {
    this.#leave(KIND.END);
  }

  /**
   * The outbox read was cut while it waited (the connection dropped): what
   * this worker sent then may be lost. One that joins is replaced; one with
   * calls unanswered is ended, so that its exit (which says which frames it
   * took) settles them instead of results that may never come.
   */
  readCut(): void {
    if (this.#reported || this.#leaving || this.workerId === undefined) return;
    if (!this.#ready) {
      // Its 'ready' may be lost: another fleet worker takes its place (a dropped connection is no failed start).
      this.#control(KIND.END);
      if (this.#rejoin(false)) return;
    } else if (this.#inflight === 0) return;
    this.#exitError = new Error('its results may be lost: the connection that read them from Redis dropped');
    this.terminate();
  }

  /** Idle with nothing outstanding: back to the fleet now (the engine hears an exit and drops this worker). */
  giveBack(): void {
    // A worker not ready yet goes back once it is (RedisTransport.ready): an exit now would count as a failed start.
    if (this.#reported || this.#leaving || this.#retiring || this.workerId === undefined || !this.#ready) return;
    this.#control(KIND.RELEASE);
    this.gone({ code: 0, signal: null });
  }

  #leave(kind: number): void {
    if (this.#reported || this.#leaving) return;
    if (this.workerId === undefined) {
      this.#transport.withdraw(this);
      this.gone({ code: 0, signal: null });
      return;
    }
    this.#leaving = true;
    // Until then the event loop stays open, so that `await shutdown()` sees the exit: the engine ends a worker
    // (timeout, abort) after the call's future failed, when it may have let go of the loop already.
    this.#transport.hold(this, true);
    this.#control(kind);
    // The exit comes with the worker's LEFT (after its last results), or with LOST.
  }

  ref(): void {
    if (!this.#reported) this.#transport.hold(this, true);
  }

  unref(): void {
    this.#transport.hold(this, false);
  }

  receive(frame: Frame): void {
    if (this.#reported || frame.seq <= this.#seqIn) return;
    this.#seqIn = frame.seq;
    switch (frame.kind) {
      case KIND.MESSAGE: {
        let message: FromWorker;
        try {
          message = this.#transport.decode(frame.fields[0] as Uint8Array[]);
        } catch (error) {
          this.terminate();
          this.#exitError = error;
          return;
        }
        if (message.t === 'ready') {
          this.#ready = true;
          this.#beforeReady = [];
        }
        if (message.t === 'done' && Array.isArray(message.results)) {
          this.#inflight -= message.results.length / RESULT_STRIDE;
          this.#ledger.answered(message.results.length / RESULT_STRIDE);
        }
        this.#events.message(message);
        this.#yieldIfDone();
        return;
      }
      case KIND.LEFT:
        this.gone({ code: 0, signal: null }, takenSeq(frame.fields[0]));
        return;
      case KIND.EXIT: {
        const [code, signal, reason, taken, cut] = frame.fields as [number | null, string | null, string | null, unknown, unknown];
        // Stopped by a signal before it was ready: the fleet's doing, not a failed start (a runtime that died is one).
        // Nor is a dropped connection, as when this executor's own read is cut (readCut): that worker is replaced uncounted.
        if (cut === 1 ? this.#rejoin(false) : typeof signal === 'string' && this.#rejoin()) return;
        this.gone(
          { code: typeof code === 'number' ? code : null, signal: typeof signal === 'string' ? signal : null, ...(typeof reason === 'string' ? { error: new Error(reason) } : {}) },
          takenSeq(taken),
        );
        return;
      }
      case KIND.LOST:
        // The count of frames it took comes with the liveness check's reply, on the other connection.
        this.#lossRead = true;
        if (this.#takenAtLoss !== undefined) this.#lose();
        return;
    }
  }

  #exitError: unknown;

  /**
   * Reports the exit once. `taken`: the seq of the last frame the worker took
   * from its inbox; unknown (Redis gone, closing), every frame sent may have been.
   */
  gone(exit: WorkerExit, taken = Infinity): void {
    if (this.#reported) return;
    this.#running = this.#ledger.running(taken);
    this.#reported = true;
    this.#transport.hold(this, false);
    if (this.workerId === undefined) this.#transport.withdraw(this);
    else this.#transport.unbind(this);
    this.#events.exit(this.#exitError !== undefined && exit.error === undefined ? { ...exit, error: this.#exitError } : exit);
  }
}

/** A LEFT or EXIT frame's count of frames taken; unknown means every frame sent may have been. */
function takenSeq(value: unknown): number {
  return typeof value === 'number' ? value : Infinity;
}
