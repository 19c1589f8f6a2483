/**
 * The versioned hello and the mutual authentication that open every connection,
 * in the manner of Python's `multiprocessing.connection`: both sides prove they
 * know the shared token by answering the other's random challenge with
 * HMAC-SHA256, compared in constant time, and neither side ever sends the token.
 *
 * ```
 * executor → worker  HELLO    magic "FUTRSOCK", u16 version, executor nonce (32)
 * worker → executor  ANSWER   magic, u16 version, worker nonce (32),
 *                             HMAC(token, "futures-worker" ‖ executor nonce ‖ worker nonce ‖ id ‖ pid),
 *                             u8 id length, id (the spawn id of a worker the executor started), u32 pid
 * executor → worker  WELCOME  HMAC(token, "futures-executor" ‖ worker nonce ‖ executor nonce), u32 maxFrameBytes
 *                or  REFUSE   u8 reason, UTF-8 text
 * ```
 * Each message is `u8 type | u16 length | payload`. Magic and version lead
 * every HELLO and ANSWER of every version, so two different versions can
 * always tell each other their version: the executor refuses a mismatch with
 * a message that names both. The executor checks the worker before it proves
 * anything itself, so a client without the token learns nothing. The worker's
 * side of the handshake is capped at {@link MAX_HANDSHAKE_BYTES} and must be
 * done within a deadline (2 s by default): a client that sends too much, or
 * nothing, is dropped.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Socket } from 'node:net';
import { SocketConnectionError } from './errors.js';

/** The wire protocol version. Bump it on any incompatible change to frames, codec or handshake. */
export const PROTOCOL_VERSION = 1;
export const MAGIC = Buffer.from('FUTRSOCK', 'latin1');
/** How long a connecting client has to complete the handshake. */
export const DEFAULT_HANDSHAKE_TIMEOUT = 2_000;
/** The most bytes a client may send before it is authenticated. A valid ANSWER is under 150. */
export const MAX_HANDSHAKE_BYTES = 512;
/** The most bytes a worker accepts from the executor before WELCOME (a REFUSE carries text). */
const MAX_SERVER_HANDSHAKE_BYTES = 1024;
const NONCE_BYTES = 32;
const MAC_BYTES = 32;
const MAX_ID_BYTES = 64;

const HELLO = 1;
const ANSWER = 2;
const WELCOME = 3;
const REFUSE = 4;

const REFUSED_VERSION = 1;
const REFUSED_AUTH = 2;
const REFUSED_OTHER = 3;


/** The HMAC key for a token. */
export function tokenKey(token: string): Buffer {
  return Buffer.from(token, 'utf8');
}

function mac(key: Buffer, label: string, ...parts: Buffer[]): Buffer {
  const hmac = createHmac('sha256', key).update(label).update('\0');
  for (const part of parts) hmac.update(part);
  return hmac.digest();
}

function sameMac(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

function message(type: number, ...parts: Buffer[]): Buffer {
  const payload = Buffer.concat(parts);
  const head = Buffer.allocUnsafe(3);
  head.writeUInt8(type, 0);
  head.writeUInt16BE(payload.length, 1);
  return Buffer.concat([head, payload]);
}

function u16(n: number): Buffer {
  const b = Buffer.allocUnsafe(2);
  b.writeUInt16BE(n, 0);
  return b;
}

function u32(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(n, 0);
  return b;
}

interface Received {
  type: number;
  payload: Buffer;
  /** Bytes that arrived after this message (the first frames, already on their way). */
  rest: Buffer;
}

/**
 * Reads handshake messages from a socket, one at a time, within a byte budget
 * and a deadline. Every failure rejects with a SocketConnectionError.
 */
class HandshakeReader {
  readonly #socket: Socket;
  readonly #maxBytes: number;
  readonly #capTotal: boolean;
  #buffered: Buffer = Buffer.alloc(0);
  #total = 0;
  #waiter: { resolve(m: Received): void; reject(e: Error): void } | undefined;
  #failure: Error | undefined;
  readonly #timer: NodeJS.Timeout;
  readonly #onData = (chunk: Buffer) => this.#receive(chunk);
  readonly #onEnd = () => this.#fail(new SocketConnectionError('the other side closed the connection during the handshake', 'ERR_SOCKET_CLOSED'));
  readonly #onError = (error: Error) => {
    this.#fail(new SocketConnectionError(`connection failed during the handshake: ${error.message}`, 'ERR_SOCKET_CLOSED', { cause: error }));
  };

  /**
   * `maxBytes` bounds each message; with `capTotal` it bounds everything
   * received (the executor's view of a client that is not authenticated yet).
   */
  constructor(socket: Socket, maxBytes: number, timeout: number, capTotal: boolean) {
    this.#socket = socket;
    this.#maxBytes = maxBytes;
    this.#capTotal = capTotal;
    this.#timer = setTimeout(() => {
      this.#fail(new SocketConnectionError(`the handshake did not complete within ${timeout} ms`, 'ERR_SOCKET_TIMEOUT'));
    }, timeout);
    // A half-done handshake must not keep the process alive.
    this.#timer.unref();
    socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
    socket.on('close', this.#onEnd);
    socket.on('error', this.#onError);
  }

  /** The next message, or a rejection. */
  next(): Promise<Received> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    const ready = this.#parse();
    if (ready !== undefined) return Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  /** Stops reading and pauses the socket, so that no byte is lost before the next reader attaches. */
  detach(): void {
    clearTimeout(this.#timer);
    this.#socket.pause();
    this.#socket.off('data', this.#onData);
    this.#socket.off('end', this.#onEnd);
    this.#socket.off('close', this.#onEnd);
    this.#socket.off('error', this.#onError);
    // Whoever takes the socket over adds its own listener; until then an error must not crash the process.
    this.#socket.on('error', ignore);
  }

  #receive(chunk: Buffer): void {
    this.#total += chunk.length;
    if (this.#capTotal && this.#total > this.#maxBytes) {
      this.#fail(new SocketConnectionError(`more than ${this.#maxBytes} bytes sent during the handshake`, 'ERR_SOCKET_PROTOCOL'));
      return;
    }
    this.#buffered = this.#buffered.length === 0 ? chunk : Buffer.concat([this.#buffered, chunk]);
    if (this.#waiter === undefined) return;
    const ready = this.#parse();
    if (ready === undefined) return;
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter.resolve(ready);
  }

  #parse(): Received | undefined {
    const b = this.#buffered;
    if (b.length < 3) return undefined;
    const length = b.readUInt16BE(1);
    if (3 + length > this.#maxBytes) {
      this.#fail(new SocketConnectionError(`a handshake message of ${length} bytes is larger than allowed`, 'ERR_SOCKET_PROTOCOL'));
      return undefined;
    }
    if (b.length < 3 + length) return undefined;
    this.#buffered = Buffer.alloc(0);
    return { type: b[0], payload: b.subarray(3, 3 + length), rest: b.subarray(3 + length) };
  }

  #fail(error: Error): void {
    if (this.#failure !== undefined) return;
    this.#failure = error;
    this.detach();
    this.#socket.destroy();
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.reject(error);
  }

  /** Fails the handshake for a reason found while reading a message. */
  fail(error: SocketConnectionError): never {
    this.#fail(error);
    throw error;
  }
}

/** Sends a REFUSE and closes the connection once it is flushed. */
function ignore(): void {}

function refuse(socket: Socket, reason: number, text: string): void {
  const bytes = Buffer.from(text, 'utf8').subarray(0, 400);
  socket.end(message(REFUSE, Buffer.from([reason]), bytes), () => socket.destroy());
}

function versionMismatch(executor: number, worker: number): string {
  return `protocol version mismatch: the executor speaks version ${executor}, the worker speaks version ${worker}`;
}

export interface AcceptOptions {
  /** The HMAC key ({@link tokenKey}). */
  key: Buffer;
  /** Told to the worker, which holds its own frames to the same limit. */
  maxFrameBytes: number;
  /** Deadline for the whole handshake, ms. */
  timeout?: number;
  /** The version this side speaks (tests pretend to be another version). */
  version?: number;
  /** Decides on an authenticated worker: returns a reason to refuse it, or undefined to admit it. */
  admit?(workerId: string | undefined): string | undefined;
}

export interface Accepted {
  /** The spawn id the worker presented, if any. */
  workerId: string | undefined;
  /** The worker's process id, as it says (in its own pid namespace): for messages only. */
  pid: number;
  /** Bytes that arrived after the handshake; the socket is paused. */
  rest: Buffer;
}

/**
 * The executor's side of the handshake on a fresh connection. Resolves when
 * the worker is authenticated and welcomed; rejects (and closes the socket,
 * after telling the worker why when the worker deserves an answer) otherwise.
 */
export async function acceptHandshake(socket: Socket, options: AcceptOptions): Promise<Accepted> {
  const version = options.version ?? PROTOCOL_VERSION;
  const reader = new HandshakeReader(socket, MAX_HANDSHAKE_BYTES, options.timeout ?? DEFAULT_HANDSHAKE_TIMEOUT, true);
  const executorNonce = randomBytes(NONCE_BYTES);
  socket.write(message(HELLO, MAGIC, u16(version), executorNonce));

  const answer = await reader.next();
  const p = answer.payload;
  if (answer.type !== ANSWER || p.length < MAGIC.length + 2 || !p.subarray(0, MAGIC.length).equals(MAGIC)) {
    reader.fail(new SocketConnectionError('the client is not a futures worker', 'ERR_SOCKET_PROTOCOL'));
  }
  const workerVersion = p.readUInt16BE(MAGIC.length);
  if (workerVersion !== version) {
    reader.detach();
    const text = versionMismatch(version, workerVersion);
    refuse(socket, REFUSED_VERSION, text);
    throw new SocketConnectionError(text, 'ERR_SOCKET_VERSION');
  }
  let at = MAGIC.length + 2;
  if (p.length < at + NONCE_BYTES + MAC_BYTES + 1) {
    reader.fail(new SocketConnectionError('truncated handshake answer', 'ERR_SOCKET_PROTOCOL'));
  }
  const workerNonce = p.subarray(at, (at += NONCE_BYTES));
  const workerMac = p.subarray(at, (at += MAC_BYTES));
  const idLength = p[at++];
  if (idLength > MAX_ID_BYTES || p.length !== at + idLength + 4) {
    reader.fail(new SocketConnectionError('malformed handshake answer', 'ERR_SOCKET_PROTOCOL'));
  }
  const idBytes = p.subarray(at, (at += idLength));
  const pidBytes = p.subarray(at, at + 4);
  if (!sameMac(workerMac, mac(options.key, 'futures-worker', executorNonce, workerNonce, idBytes, pidBytes))) {
    reader.detach();
    refuse(socket, REFUSED_AUTH, 'authentication failed: the worker does not know the token');
    throw new SocketConnectionError('authentication failed: the worker does not know the token', 'ERR_SOCKET_AUTH');
  }
  const workerId = idLength > 0 ? idBytes.toString('utf8') : undefined;
  const refusal = options.admit?.(workerId);
  if (refusal !== undefined) {
    reader.detach();
    refuse(socket, REFUSED_OTHER, refusal);
    throw new SocketConnectionError(refusal, 'ERR_SOCKET_REFUSED');
  }
  reader.detach();
  socket.write(message(WELCOME, mac(options.key, 'futures-executor', workerNonce, executorNonce), u32(options.maxFrameBytes)));
  return { workerId, pid: pidBytes.readUInt32BE(0), rest: answer.rest };
}

export interface OfferOptions {
  key: Buffer;
  /** The spawn id given by the executor that started this worker (FUTURES_WORKER_ID). */
  workerId?: string;
  /** Told to the executor for its messages; default `process.pid`. */
  pid?: number;
  timeout?: number;
  version?: number;
}

export interface Offered {
  /** The executor's frame size limit, which this worker applies to its own frames too. */
  maxFrameBytes: number;
  /** Bytes that arrived after WELCOME (the executor's first frames); the socket is paused. */
  rest: Buffer;
}

/**
 * The worker's side of the handshake on a fresh connection. Resolves when
 * the executor welcomed it and proved it knows the token; rejects with a
 * {@link SocketConnectionError} (and closes the socket) otherwise.
 */
export async function offerHandshake(socket: Socket, options: OfferOptions): Promise<Offered> {
  const version = options.version ?? PROTOCOL_VERSION;
  const idBytes = Buffer.from(options.workerId ?? '', 'utf8');
  if (idBytes.length > MAX_ID_BYTES) throw new RangeError(`worker id is longer than ${MAX_ID_BYTES} bytes`);
  const reader = new HandshakeReader(socket, MAX_SERVER_HANDSHAKE_BYTES, options.timeout ?? 10_000, false);

  const hello = await reader.next();
  const h = hello.payload;
  if (hello.type !== HELLO || h.length < MAGIC.length + 2 || !h.subarray(0, MAGIC.length).equals(MAGIC)) {
    reader.fail(new SocketConnectionError('the socket does not belong to a futures executor', 'ERR_SOCKET_PROTOCOL'));
  }
  const executorVersion = h.readUInt16BE(MAGIC.length);
  if (executorVersion !== version) {
    // Tell the executor our version too, so that it can say why it refused.
    reader.detach();
    socket.end(message(ANSWER, MAGIC, u16(version)), () => socket.destroy());
    throw new SocketConnectionError(versionMismatch(executorVersion, version), 'ERR_SOCKET_VERSION');
  }
  if (h.length !== MAGIC.length + 2 + NONCE_BYTES) {
    reader.fail(new SocketConnectionError('malformed handshake hello', 'ERR_SOCKET_PROTOCOL'));
  }
  const executorNonce = h.subarray(MAGIC.length + 2);
  const workerNonce = randomBytes(NONCE_BYTES);
  const pidBytes = u32(options.pid ?? process.pid);
  socket.write(
    message(
      ANSWER,
      MAGIC,
      u16(version),
      workerNonce,
      mac(options.key, 'futures-worker', executorNonce, workerNonce, idBytes, pidBytes),
      Buffer.from([idBytes.length]),
      idBytes,
      pidBytes,
    ),
  );

  const reply = await reader.next();
  const r = reply.payload;
  if (reply.type === REFUSE && r.length >= 1) {
    const text = r.subarray(1).toString('utf8');
    const code = r[0] === REFUSED_VERSION ? 'ERR_SOCKET_VERSION' : r[0] === REFUSED_AUTH ? 'ERR_SOCKET_AUTH' : 'ERR_SOCKET_REFUSED';
    reader.fail(new SocketConnectionError(`the executor refused this worker: ${text}`, code));
  }
  if (reply.type !== WELCOME || r.length !== MAC_BYTES + 4) {
    reader.fail(new SocketConnectionError('malformed handshake reply', 'ERR_SOCKET_PROTOCOL'));
  }
  if (!sameMac(r.subarray(0, MAC_BYTES), mac(options.key, 'futures-executor', workerNonce, executorNonce))) {
    reader.fail(new SocketConnectionError('authentication failed: the executor does not know the token', 'ERR_SOCKET_AUTH'));
  }
  reader.detach();
  return { maxFrameBytes: r.readUInt32BE(MAC_BYTES), rest: reply.rest };
}
