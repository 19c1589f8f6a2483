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
import { CALL_STRIDE, PROGRESS_RUNNING, RESULT_STRIDE, type FromWorker, type ProgressReader, type ToWorker, type Transport, type TransportHost, type WorkerChannel, type WorkerEvents, type WorkerExit } from '@futures/core/transport';
import { ClientRef, connect, isRefusal, redactUrl, UNREACHABLE_MS } from './connection.js';
import { EngineCodec } from './engine-codec.js';
import { BrokenRedisPoolError, RedisConnectionError } from './errors.js';
import { FleetKeys } from './keys.js';
import { FrameSealer, KIND, frameKey, type Frame } from './sealed-frame.js';
import { scriptsOn, type Scripts } from './scripts.js';
import { PortableRefs } from './task-refs.js';

/** The worker command, next to this module in `dist/`. */
const WORKER_ENTRY = fileURLToPath(new URL('./cli.js', import.meta.url));
/** Sequence number of the LOST frames this executor writes for itself: after everything a worker can send. */
const LOST_SEQ = Number.MAX_SAFE_INTEGER;
/** The `want` list lives this long after the last executor that waits refreshed it, ms. */
const WANT_TTL_MS = 30_000;
/** An executor with nothing to do keeps its workers this long before they return to the fleet, ms. */
const LINGER_MS = 500;
/** How long spawned local workers get to leave on close before they are killed, ms. */
const GRACE_MS = 5_000;

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
  #block!: Redis;
  #scripts!: Scripts;
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
  #lingerTimer: NodeJS.Timeout | undefined;
  /** The engine has nothing outstanding (between unref() and ref()). */
  #idle = true;
  #downSince: number | undefined = Date.now();
  #lastError: unknown;
  #failure: Error | undefined;
  #closed = false;
  readonly #local: ChildProcess[] = [];
  #reader: Promise<void> | undefined;
  /** Ends the reader's wait: a read queued while Redis is away never settles once its client is disconnected. */
  #stopReading!: () => void;
  readonly #readerStopped = new Promise<null>((resolve) => (this.#stopReading = () => resolve(null)));

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

  open(_host: TransportHost): void {
    const name = `futures executor ${this.#id}`;
    this.#cmd = connect(this.#o.url, name);
    this.#block = this.#cmd.duplicate();
    this.#refs = new ClientRef([this.#cmd, this.#block]);
    this.#scripts = scriptsOn(this.#cmd);
    for (const client of [this.#cmd, this.#block]) {
      client.on('error', (error: unknown) => {
        this.#lastError = error;
        // A refusal will not pass by itself: fail now rather than in 10 s.
        if (isRefusal(error)) this.#fail(error);
      });
    }
    this.#cmd.on('ready', () => (this.#downSince = undefined));
    this.#cmd.on('close', () => (this.#downSince ??= Date.now()));
    // The alive key first: workers accept this executor's requests only while it exists.
    void this.#cmd.set(this.#alive, '1', 'PX', this.#o.leaseMs).catch(() => {});
    this.#tickTimer = setInterval(() => this.#onTick(), Math.max(10, Math.min(250, Math.floor(this.#o.leaseMs / 4))));
    this.#tickTimer.unref();
    this.#reader = this.#read();
    for (let i = 0; i < this.#o.localWorkers; i++) this.#spawnLocal(i + 1);
    // Idle until the engine has work.
    this.#refs.set(false);
  }

  startWorker(events: WorkerEvents): WorkerChannel {
    if (this.#failure !== undefined) throw this.#failure;
    const channel = new RedisChannel(this, events);
    this.#request(channel);
    return channel;
  }

  ref(): void {
    this.#idle = false;
    clearTimeout(this.#lingerTimer);
    this.#lingerTimer = undefined;
    this.#refs.set(true);
    for (const child of this.#local) child.ref();
  }

  unref(): void {
    this.#refs.set(false);
    for (const child of this.#local) child.unref();
    this.#idle = true;
    this.#armLinger();
  }

  /** With nothing to do, give the workers back to the fleet a little later (another executor may wait for them). */
  #armLinger(): void {
    clearTimeout(this.#lingerTimer);
    this.#lingerTimer = setTimeout(() => {
      if (!this.#idle) return;
      for (const channel of [...this.#bound.values()]) channel.giveBack();
    }, LINGER_MS);
    this.#lingerTimer.unref();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#tickTimer);
    clearTimeout(this.#lingerTimer);
    for (const channel of this.#channels()) channel.gone({ code: null, signal: null });
    const locals = this.#local.map((child) => this.#stopLocal(child));
    this.#block.disconnect();
    this.#stopReading();
    await this.#reader;
    // Redis away (or given up on): a tick under way waits for a reconnect that will not come; its commands die with the client.
    if (this.#failure !== undefined || this.#cmd.status !== 'ready') this.#cmd.disconnect();
    else await this.#lastTick;
    if (this.#failure === undefined) {
      await this.#cmd.del(this.#alive, this.#outbox).catch(() => {});
      await this.#cmd.quit().catch(() => {});
    }
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

  /** Pushes frames to a worker's inbox (in order: one connection). */
  sendFrames(workerId: string, kind: number, seqs: number[], fields: unknown[][]): void {
    const inbox = this.#keys.inbox(workerId);
    const frames = seqs.map((seq, i) => this.#sealer.seal(inbox, workerId, seq, kind, fields[i]));
    this.#scripts.send(inbox, this.#o.leaseMs * 2 + 1000, frames).catch(() => {});
  }

  /** A worker said ready: joined while this executor has nothing to do, it goes back after the linger like the others. */
  ready(): void {
    if (this.#idle) this.#armLinger();
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

  /** Drains the outbox with one blocking read at a time, until close. */
  async #read(): Promise<void> {
    while (!this.#closed && this.#failure === undefined) {
      let reply: [Buffer, Buffer[]] | null;
      try {
        const read = this.#block.blmpopBuffer(1, 1, this.#outbox, 'LEFT', 'COUNT', 512) as Promise<[Buffer, Buffer[]] | null>;
        read.catch(() => {});
        reply = await Promise.race([read, this.#readerStopped]);
      } catch {
        if (this.#closed || this.#failure !== undefined) return;
        await new Promise((resolve) => setTimeout(resolve, 50).unref());
        continue;
      }
      if (reply === null) continue;
      for (const raw of reply[1]) {
        if (this.#closed) return;
        const frame = this.#sealer.open(this.#outbox, raw);
        if (frame !== undefined) this.#receive(frame);
      }
    }
  }

  #receive(frame: Frame): void {
    if (frame.kind === KIND.HELLO) {
      const [requestId, name, host, pid] = frame.fields as [unknown, unknown, unknown, unknown];
      const channel = this.#asked;
      if (channel === undefined || channel.requestId !== requestId || this.#bound.has(frame.session)) {
        // A request this executor no longer needs (withdrawn, or taken twice): send that worker back.
        if (!this.#bound.has(frame.session)) this.sendFrames(frame.session, KIND.RELEASE, [1], [[]]);
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

  async #tick(): Promise<void> {
    if (this.#closed || this.#failure !== undefined || this.#cmd.status !== 'ready') return;
    try {
      const workers = [...this.#bound.values()].filter((c) => c.lostFrame !== undefined);
      await this.#scripts.check(
        this.#alive,
        this.#outbox,
        this.#o.leaseMs,
        workers.map((c) => ({ heartbeat: this.#keys.heartbeat(c.workerId!), lost: c.lostFrame! })),
      );
      if (++this.#ticks % 4 !== 0) return;
      if (this.#asked !== undefined) await this.#renewRequest(this.#asked);
      if (!this.#idle && this.#bound.size > 0) await this.#shareFleet();
    } catch {
      // Redis went away mid-tick: the outage clock runs from the connection's close.
    }
  }

  /**
   * Fairness between executors that share a fleet: while another executor
   * waits for a worker, this one gives one of its workers back (about once a
   * second), as soon as that worker has finished the calls it was sent. The
   * calls the engine meanwhile dispatched to it were held back, never sent,
   * and go back to the queue.
   */
  async #shareFleet(): Promise<void> {
    const waiting = await this.#cmd.lrange(this.#keys.want, 0, 31);
    const others = new Set(waiting.map((request) => request.split('|')[0]).filter((id) => id !== this.#id));
    // A dead executor's request waits for a worker to discard it: only live ones count.
    if (others.size === 0 || (await this.#cmd.exists(...[...others].map((id) => this.#keys.alive(id)))) === 0) return;
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
    await this.#cmd.pexpire(want, WANT_TTL_MS);
    if (Date.now() - channel.requestedAt < 1000) return;
    const at = await this.#cmd.lpos(want, this.#requestValue(channel));
    if (at === null && this.#asked === channel) {
      channel.requestedAt = Date.now();
      await this.#cmd.rpush(want, this.#requestValue(channel));
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
    for (const channel of this.#channels()) channel.gone({ code: null, signal: null, error });
    this.#stopReading();
    this.#block.disconnect();
    this.#cmd.disconnect();
  }

  #spawnLocal(n: number): void {
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
    child.unref();
    this.#local.push(child);
  }

  #stopLocal(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), GRACE_MS);
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
   * What the engine reads when the worker is gone: RUNNING is the last call
   * the worker announced before starting it (calls before it with no result
   * fail as lost, calls after it go back to the queue); DONE is never a call
   * id, so that a worker whose announced calls all answered had none running.
   */
  readonly progress: ProgressReader = { get: (slot) => (slot === PROGRESS_RUNNING ? this.#announced : -1) };
  #announced = 0;
  readonly #transport: RedisTransport;
  readonly #events: WorkerEvents;
  requestId = '';
  requestedAt = 0;
  workerId: string | undefined;
  lostFrame: Buffer | undefined;
  #label = 'a fleet worker (not joined yet)';
  /** Encoded messages sent before a worker took the request. */
  #queue: Uint8Array[][] | undefined = [];
  /** The worker said ready: before that, an exit is a failed start, which the engine retries (and counts). */
  #ready = false;
  /** The engine sent `retire`: the worker runs what it was sent, then leaves (LEFT). */
  #retiring = false;
  #seqOut = 0;
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
    if (this.#queue !== undefined) this.#queue.push(parts);
    else this.#sendParts([parts]);
  }

  /** Gives the worker back to the fleet once the calls it was sent are answered; the engine's new calls are held meanwhile. */
  yieldWorker(): void {
    if (this.#reported || this.#leaving || this.#retiring || this.workerId === undefined || !this.#ready) return;
    this.yielding = true;
    this.#yieldIfDone();
  }

  #yieldIfDone(): void {
    if (!this.yielding || this.#inflight > 0 || this.#reported || this.#leaving) return;
    // The engine sees this worker leave with the held calls unanswered: nothing announced covers them, so it requeues them.
    this.#transport.sendFrames(this.workerId!, KIND.RELEASE, [++this.#seqOut], [[]]);
    this.gone({ code: 0, signal: null });
  }

  #sendParts(messages: Uint8Array[][]): void {
    const seqs = messages.map(() => ++this.#seqOut);
    this.#transport.sendFrames(this.workerId!, KIND.MESSAGE, seqs, messages.map((parts) => [parts]));
  }

  terminate(): void {
    this.#leave(KIND.END);
  }

  /** Idle with nothing outstanding: back to the fleet now (the engine hears an exit and drops this worker). */
  giveBack(): void {
    // A worker not ready yet goes back once it is (RedisTransport.ready): an exit now would count as a failed start.
    if (this.#reported || this.#leaving || this.#retiring || this.workerId === undefined || !this.#ready) return;
    this.#transport.sendFrames(this.workerId, KIND.RELEASE, [++this.#seqOut], [[]]);
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
    this.#transport.sendFrames(this.workerId, kind, [++this.#seqOut], [[]]);
    // The exit comes with the worker's LEFT (after its last results), or with LOST.
  }

  ref(): void {}

  unref(): void {}

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
          this.#transport.ready();
        }
        if (message.t === 'done' && Array.isArray(message.results)) this.#inflight -= message.results.length / RESULT_STRIDE;
        this.#events.message(message);
        this.#yieldIfDone();
        return;
      }
      case KIND.PROGRESS:
        if (typeof frame.fields[0] === 'number') this.#announced = frame.fields[0];
        return;
      case KIND.LEFT:
        this.gone({ code: 0, signal: null });
        return;
      case KIND.EXIT: {
        const [code, signal, reason] = frame.fields as [number | null, string | null, string | null];
        this.gone({ code: typeof code === 'number' ? code : null, signal: typeof signal === 'string' ? signal : null, ...(typeof reason === 'string' ? { error: new Error(reason) } : {}) });
        return;
      }
      case KIND.LOST:
        this.gone({ code: null, signal: null, error: new Error(`no heartbeat for ${this.#transport.leaseMs} ms: the worker is declared lost`) });
        return;
    }
  }

  #exitError: unknown;

  /** Reports the exit once. */
  gone(exit: WorkerExit): void {
    if (this.#reported) return;
    this.#reported = true;
    if (this.workerId === undefined) this.#transport.withdraw(this);
    else this.#transport.unbind(this);
    this.#events.exit(this.#exitError !== undefined && exit.error === undefined ? { ...exit, error: this.#exitError } : exit);
  }
}
