/**
 * The worker side: connect to a `SocketPoolExecutor`, authenticate, then run
 * the worker runtime of `@futures/core` over msgpackr frames until the
 * executor goes away. `futures-worker` (cli.ts) is a thin wrapper around it.
 */
import { createConnection, type Socket } from 'node:net';
import {
  inheritedProgress,
  runWorkerRuntime,
  validateOptionsObject,
  validateString,
  rejectUnknownOptions,
  type FromWorker,
  type ToWorker,
} from '@futures/core/transport';
import { FrameError, FrameReader, fromTuple, MessageCodec, toTuple } from '@futures/wire';
import { SocketConnectionError } from './errors.js';
import { FrameWriter } from './frame-writer.js';
import { offerHandshake, tokenKey } from './handshake.js';

/** Options of {@link runWorker}. */
export interface RunWorkerOptions {
  /** The executor's socket path (its `address`). */
  path: string;
  /** The executor's shared secret (its `token` option). */
  token: string;
}

/** What the `futures-worker` command adds: the spawn id of a worker the executor started itself. */
export interface ServeOptions extends RunWorkerOptions {
  workerId?: string;
  /** Deadline for the handshake, ms. */
  handshakeTimeout?: number;
}

const WHERE = 'runWorker';

/**
 * Connects to the `SocketPoolExecutor` listening at `path` and serves its
 * calls in this process, one at a time, until the executor goes away (it
 * shuts down, or its process ends). Resolves then.
 *
 * Rejects with a {@link SocketConnectionError} when the worker cannot join
 * (no executor at `path`, wrong token, another protocol version) or when the
 * executor breaks the protocol. A call still running when the executor goes
 * away runs to its end, and its result is dropped; a process that should
 * stop then must exit on its own (`futures-worker` does).
 *
 * ```ts
 * import { runWorker } from '@futures/socket';
 * await runWorker({ path: '/run/user/1000/futures-ab12/executor.sock', token: process.env.FUTURES_TOKEN! });
 * ```
 */
export function runWorker(options: RunWorkerOptions): Promise<void> {
  const o = validateOptionsObject<RunWorkerOptions>(options, WHERE);
  rejectUnknownOptions(o, ['path', 'token'], WHERE);
  const path = validateString(o.path, `${WHERE}: path`);
  const token = validateString(o.token, `${WHERE}: token`);
  if (token.length === 0) throw new TypeError(`${WHERE}: token must not be empty`);
  return serveWorker({ path, token });
}

/** {@link runWorker} without the option checks, plus what the command passes. */
export async function serveWorker(options: ServeOptions): Promise<void> {
  const socket = await connect(options.path);
  const { maxFrameBytes, rest } = await offerHandshake(socket, {
    key: tokenKey(options.token),
    workerId: options.workerId,
    timeout: options.handshakeTimeout,
  });
  return serve(socket, maxFrameBytes, rest);
}

function connect(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    const onError = (error: NodeJS.ErrnoException) => {
      reject(new SocketConnectionError(`cannot connect to an executor at ${path}: ${error.message}`, 'ERR_SOCKET_CONNECT', { cause: error }));
    };
    socket.once('error', onError);
    socket.once('connect', () => {
      socket.off('error', onError);
      resolve(socket);
    });
  });
}

/** Runs the worker runtime on an authenticated connection; resolves when the connection ends. */
function serve(socket: Socket, maxFrameBytes: number, rest: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const codec = new MessageCodec();
    const writer = new FrameWriter(maxFrameBytes);
    let failure: SocketConnectionError | undefined;
    let handler: ((message: ToWorker) => void) | undefined;
    const reader = new FrameReader(maxFrameBytes, (body, attachments) => {
      let message: ToWorker;
      try {
        message = fromTuple(codec.decode(body, attachments)) as ToWorker;
      } catch (error) {
        throw new FrameError(`a frame does not decode: ${(error as Error)?.message ?? String(error)}`, 'ERR_FRAME_GARBLED', { cause: error });
      }
      handler?.(message);
    });
    runWorkerRuntime({
      // A worker spawned by the executor inherits a progress board; one started by hand has none
      // and announces each call before it starts instead.
      progress: inheritedProgress(),
      send(message: FromWorker): void {
        // Throws synchronously, sending nothing, when a value cannot be encoded or the frame is too large:
        // the runtime then fails only the call whose result is at fault.
        const tuple = toTuple(message);
        // Most results are small and plain: their frame is built in one step, without the codec.
        const plain = writer.plainFrame(tuple);
        if (plain !== undefined) {
          // After the executor went away nobody is listening; the process is about to end.
          if (socket.writable) socket.write(plain);
          return;
        }
        const { body, attachments } = codec.encode(tuple);
        if (socket.writable) writer.write(socket, body, attachments);
        else writer.check(body, attachments);
      },
      onMessage(h) {
        handler = h;
      },
      // Retired by the executor: end the connection; the executor sees it close.
      close: () => socket.end(),
    });
    const receive = (chunk: Buffer) => {
      if (failure !== undefined) return;
      try {
        reader.push(chunk);
      } catch (error) {
        // Anything but a bad frame is a bug here, and must surface.
        if (!(error instanceof FrameError)) throw error;
        failure = new SocketConnectionError(
          `the executor sent a frame this worker cannot read: ${(error as Error)?.message ?? String(error)}`,
          'ERR_SOCKET_FRAME',
          { cause: error },
        );
        socket.destroy();
      }
    };
    socket.on('data', receive);
    // A reset is how the connection ends when the executor's process dies: that is "going away" too.
    socket.on('error', () => {});
    // The executor ends the connection to retire this worker; finish our side too.
    socket.on('end', () => socket.end());
    socket.once('close', () => {
      writer.close();
      if (failure === undefined) resolve();
      else reject(failure);
    });
    if (rest.length > 0) receive(rest);
    socket.resume();
  });
}
