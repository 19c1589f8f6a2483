/**
 * A minimal Redis connection (RESP2) for the hot path only: the pushes and
 * blocking reads of a runtime thread (session-link.ts). ioredis stays for
 * everything else (setup, heartbeats, scripts loading, TLS).
 *
 * Why: per command, ioredis builds a Command (argument flattening, flag
 * checks, a promise with its queue entry) and parses replies through
 * layers made for every case; for the few commands of a call's round trip
 * that was most of the client's CPU per call. This one writes each command
 * as one buffer and parses replies in one pass.
 *
 * Contract, narrower than ioredis's on purpose:
 * - Commands wait (in order) while the connection is not ready, and are
 *   written in order once it is; replies come in order.
 * - A command written when the connection drops is rejected, never sent
 *   again: whether Redis ran it is unknown, and the caller decides (the
 *   session link ends its session: see `inFlight`).
 * - It reconnects by itself (after `close`) unless {@link disconnect}ed.
 * - No TLS: {@link respTarget} says when a URL needs ioredis instead.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { EventEmitter } from 'node:events';
import { clientOptions, reconnectDelay } from './redis-url.js';

/** A reply: a string or integer, bulk bytes, null, an array of replies; errors reject. */
export type RespReply = null | number | string | Buffer | RespReply[];

/** Where and as whom to connect. */
export interface RespTarget {
  path?: string;
  host?: string;
  port?: number;
  username?: string;
  password?: string;
  db?: number;
  name: string;
}

/** The target for `url`, or undefined when it needs what only ioredis does (TLS). */
export function respTarget(url: string, name: string): RespTarget | undefined {
  const o = clientOptions(url);
  if (o.tls !== undefined) return undefined;
  return { path: o.path, host: o.host, port: o.port, username: o.username, password: o.password, db: o.db, name };
}

/** An argument of a command: strings are UTF-8, numbers are written in decimal. */
export type RespArg = string | number | Uint8Array;

const CRLF = Buffer.from('\r\n');

interface Pending {
  resolve(reply: RespReply): void;
  reject(error: Error): void;
  /** AUTH, SELECT or CLIENT SETNAME of the handshake, not a caller's command. */
  handshake?: true;
}

/** Redis's reply to AUTH when it has no password (Redis 6+, and older). */
const NO_PASSWORD_SET = /without any password configured|no password is set/i;

/** The smallest buffer a partial reply is gathered in (it doubles as it grows). */
const MIN_GATHER_BYTES = 64 * 1024;

/** Encodes a command as one buffer (a RESP array of bulk strings). */
export function encodeCommand(args: readonly RespArg[]): Buffer {
  const heads: string[] = new Array(args.length);
  const bodies: (Uint8Array | string)[] = new Array(args.length);
  let size = 0;
  const top = `*${args.length}\r\n`;
  size += top.length;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const body = typeof a === 'number' ? String(a) : a;
    const len = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
    heads[i] = `$${len}\r\n`;
    bodies[i] = body;
    size += heads[i].length + len + 2;
  }
  const out = Buffer.allocUnsafe(size);
  let at = out.write(top, 0, 'latin1');
  for (let i = 0; i < args.length; i++) {
    at += out.write(heads[i], at, 'latin1');
    const body = bodies[i];
    if (typeof body === 'string') at += out.write(body, at, 'utf8');
    else {
      out.set(body, at);
      at += body.byteLength;
    }
    out[at++] = 13;
    out[at++] = 10;
  }
  return out;
}

/** Thrown by the parser when the buffer ends inside a reply: `need` bytes in all are needed at least. */
class Incomplete {
  constructor(readonly need: number) {}
}

/** An error reply, as an Error whose message is Redis's. */
export class RespError extends Error {
  override name = 'ReplyError';
}

/** The decimal integer in `buf` from `from` to `to` (a reply's length or integer line). */
function intAt(buf: Buffer, from: number, to: number): number {
  let i = from;
  const negative = buf[i] === 0x2d;
  if (negative) i++;
  let n = 0;
  for (; i < to; i++) n = n * 10 + (buf[i] - 0x30);
  return negative ? -n : n;
}

/**
 * Parses one reply at `at` in `buf`: [reply, next offset]. Throws
 * {@link Incomplete} when it goes past the end. Errors come back as RespError values.
 */
function parse(buf: Buffer, at: number): [RespReply | RespError, number] {
  if (at >= buf.length) throw new Incomplete(at + 1);
  const type = buf[at];
  const eol = buf.indexOf(CRLF, at + 1);
  if (eol < 0) throw new Incomplete(buf.length + 1);
  const next = eol + 2;
  switch (type) {
    case 0x2b: // +
      return [buf.toString('latin1', at + 1, eol), next];
    case 0x2d: // -
      return [new RespError(buf.toString('utf8', at + 1, eol)), next];
    case 0x3a: // :
      return [intAt(buf, at + 1, eol), next];
    case 0x24: {
      // $
      const len = intAt(buf, at + 1, eol);
      if (len < 0) return [null, next];
      const end = next + len;
      if (end + 2 > buf.length) throw new Incomplete(end + 2);
      return [buf.subarray(next, end), end + 2];
    }
    case 0x2a: {
      // *
      const count = intAt(buf, at + 1, eol);
      if (count < 0) return [null, next];
      const items: RespReply[] = new Array(count);
      let pos = next;
      let error: RespError | undefined;
      for (let i = 0; i < count; i++) {
        const [item, after] = parse(buf, pos);
        if (item instanceof RespError) error ??= item;
        else items[i] = item;
        pos = after;
      }
      return [error ?? items, pos];
    }
    default:
      throw new RespError(`unexpected reply type byte ${type}`);
  }
}

/**
 * Events: `ready` (connected, authenticated), `close` (the socket closed,
 * with the count of commands in flight, now rejected), `error` (what went
 * wrong).
 */
export class RespConnection extends EventEmitter {
  readonly #target: RespTarget;
  #socket: Socket | undefined;
  #ready = false;
  #ended = false;
  #attempts = 0;
  #retryTimer: NodeJS.Timeout | undefined;
  /** Written, waiting for their replies, in order. */
  readonly #inFlight: Pending[] = [];
  #inFlightHead = 0;
  /** Waiting for the connection to be ready: written then, in order. */
  #queued: { bytes: Buffer; pending: Pending }[] = [];
  /**
   * Bytes received and not parsed yet (a reply cut across chunks), from
   * `#pendStart` for `#pendLength` bytes. Chunks are appended in place, and
   * the buffer is replaced (never written over) when full: replies point
   * into it, and a reply cut over many chunks costs each byte a copy or two,
   * not one per chunk.
   */
  #pend: Buffer = Buffer.alloc(0);
  #pendStart = 0;
  #pendLength = 0;
  /** No reply can be complete before this many bytes are buffered. */
  #need = 0;
  #corked = 0;
  #refed = true;

  constructor(target: RespTarget) {
    super();
    this.#target = target;
    this.#open();
  }

  /** Commands written and not answered yet. */
  get inFlight(): number {
    return this.#inFlight.length - this.#inFlightHead;
  }

  get ready(): boolean {
    return this.#ready;
  }

  /** Sends a command; resolves with its reply, rejects with an error reply or when the connection drops first. */
  command(args: readonly RespArg[]): Promise<RespReply> {
    if (this.#ended) return Promise.reject(new Error('the connection is closed'));
    const bytes = encodeCommand(args);
    return new Promise<RespReply>((resolve, reject) => {
      const pending = { resolve, reject };
      if (!this.#ready || this.#socket === undefined) this.#queued.push({ bytes, pending });
      else {
        this.#inFlight.push(pending);
        this.#socket.write(bytes);
      }
    });
  }

  /** Holds writes until {@link uncork}, so that several commands leave in one write (nests). */
  cork(): void {
    // Before ready the socket must stay uncorked for the handshake; ready corks it if still asked to.
    if (this.#corked++ === 0 && this.#ready) this.#socket?.cork();
  }

  uncork(): void {
    if (this.#corked > 0 && --this.#corked === 0 && this.#ready) this.#socket?.uncork();
  }

  /** Whether the connection keeps the process alive (now and after reconnects), as `socket.ref()`. */
  setRef(refed: boolean): void {
    this.#refed = refed;
    if (refed) this.#socket?.ref();
    else this.#socket?.unref();
  }

  /** Closes for good: pending commands are rejected. */
  disconnect(): void {
    if (this.#ended) return;
    this.#ended = true;
    clearTimeout(this.#retryTimer);
    this.#socket?.destroy();
    this.#failAll(new Error('the connection was closed'));
  }

  #open(): void {
    const t = this.#target;
    const socket = t.path !== undefined ? netConnect(t.path) : netConnect(t.port ?? 6379, t.host ?? '127.0.0.1');
    this.#socket = socket;
    if (!this.#refed) socket.unref();
    if (t.path === undefined) socket.setNoDelay(true);
    socket.on('connect', () => this.#handshake(socket));
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', (error) => this.emit('error', error));
    socket.on('close', () => this.#onClose(socket));
  }

  /**
   * AUTH, SELECT and CLIENT SETNAME, pipelined before anything queued; ready
   * once all are answered. A refused AUTH or SELECT closes the connection (and
   * it tries again); a refused name does not matter (an ACL user without
   * `client|setname` still works, as with ioredis).
   */
  #handshake(socket: Socket): void {
    const t = this.#target;
    const steps: { args: RespArg[]; required: boolean }[] = [];
    if (t.password !== undefined) steps.push({ args: t.username !== undefined ? ['AUTH', t.username, t.password] : ['AUTH', t.password], required: true });
    if (t.db !== undefined && t.db !== 0) steps.push({ args: ['SELECT', t.db], required: true });
    steps.push({ args: ['CLIENT', 'SETNAME', t.name.replace(/\s+/g, '-')], required: false });
    let left = steps.length;
    let failed = false;
    const answered = () => {
      if (--left === 0 && !failed && this.#socket === socket) this.#onReady(socket);
    };
    for (const step of steps) {
      this.#inFlight.push({
        handshake: true,
        resolve: answered,
        reject: (error) => {
          // A password given where Redis has none: Redis says so and serves anyway (ioredis warns and goes on).
          if (!step.required || NO_PASSWORD_SET.test(error.message)) return answered();
          if (failed) return;
          failed = true;
          this.emit('error', error);
          socket.destroy();
        },
      });
      socket.write(encodeCommand(step.args));
    }
  }

  #onReady(socket: Socket): void {
    this.#ready = true;
    this.#attempts = 0;
    const queued = this.#queued;
    this.#queued = [];
    if (queued.length > 0) {
      socket.cork();
      for (const q of queued) {
        this.#inFlight.push(q.pending);
        socket.write(q.bytes);
      }
      socket.uncork();
    }
    if (this.#corked > 0) socket.cork();
    this.emit('ready');
  }

  #onData(chunk: Buffer): void {
    let buf = chunk;
    if (this.#pendLength > 0) {
      this.#gather(chunk);
      if (this.#pendLength < this.#need) return;
      buf = this.#pend.subarray(this.#pendStart, this.#pendStart + this.#pendLength);
    }
    let at = 0;
    while (at < buf.length) {
      let reply: RespReply | RespError;
      let next: number;
      try {
        [reply, next] = parse(buf, at);
      } catch (error) {
        if (error instanceof Incomplete) {
          this.#need = error.need - at;
          break;
        }
        // Not RESP: nothing after this can be trusted.
        this.emit('error', error);
        this.#socket?.destroy();
        return;
      }
      at = next;
      this.#need = 0;
      const pending = this.#inFlight[this.#inFlightHead++];
      if (this.#inFlightHead > 64 && this.#inFlightHead * 2 > this.#inFlight.length) {
        this.#inFlight.splice(0, this.#inFlightHead);
        this.#inFlightHead = 0;
      }
      if (pending === undefined) continue;
      if (reply instanceof RespError) pending.reject(reply);
      else pending.resolve(reply);
    }
    if (buf !== chunk) {
      // Past what was parsed, never back over it: the replies handed out point into it.
      this.#pendStart += at;
      this.#pendLength -= at;
    } else if (at < buf.length) {
      this.#gather(chunk.subarray(at));
    }
    if (this.#pendLength === 0) this.#need = 0;
  }

  /** Appends `bytes` to the partial reply, in place while they fit, else in a new buffer of twice the need. */
  #gather(bytes: Buffer): void {
    const end = this.#pendStart + this.#pendLength;
    if (end + bytes.length <= this.#pend.length) {
      bytes.copy(this.#pend, end);
    } else {
      const length = this.#pendLength + bytes.length;
      const next = Buffer.allocUnsafe(Math.max(MIN_GATHER_BYTES, 2 * length, this.#need));
      this.#pend.copy(next, 0, this.#pendStart, end);
      bytes.copy(next, this.#pendLength);
      this.#pend = next;
      this.#pendStart = 0;
    }
    this.#pendLength += bytes.length;
  }

  #onClose(socket: Socket): void {
    if (this.#socket !== socket) return;
    this.#ready = false;
    this.#socket = undefined;
    this.#pend = Buffer.alloc(0);
    this.#pendStart = 0;
    this.#pendLength = 0;
    this.#need = 0;
    const inFlight = this.#inFlight.splice(this.#inFlightHead);
    this.#inFlight.length = 0;
    this.#inFlightHead = 0;
    const error = new Error('the connection to Redis dropped before the reply came');
    for (const p of inFlight) p.reject(error);
    // The handshake's own commands are no caller's: a drop during it lost nothing.
    this.emit('close', inFlight.filter((p) => p.handshake !== true).length);
    if (this.#ended) return;
    // The same delays as the ioredis connections' (redis-url.ts).
    const delay = reconnectDelay(++this.#attempts);
    this.#retryTimer = setTimeout(() => this.#open(), delay);
  }

  #failAll(error: Error): void {
    const inFlight = this.#inFlight.splice(this.#inFlightHead);
    this.#inFlight.length = 0;
    this.#inFlightHead = 0;
    const queued = this.#queued;
    this.#queued = [];
    for (const p of inFlight) p.reject(error);
    for (const q of queued) q.pending.reject(error);
  }
}
