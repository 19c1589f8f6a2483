/**
 * The Unix domain socket transport: the executor listens on a socket, and
 * every worker, whether this transport spawned it or it was started by hand
 * (`futures-worker --connect PATH`), connects, authenticates, and then
 * exchanges length-prefixed msgpackr frames with the engine. Scheduling,
 * errors and recycling are the engine's; this file only listens, spawns,
 * moves messages and reports how a worker ended.
 *
 * A spawned worker is paired with its connection by a random spawn id that
 * it receives in its environment and presents in the handshake; a connection
 * without one is an external worker, which the engine attaches on arrival.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { FileProgress, progressEnv, progressStdio, type Transport, type TransportHost, type WorkerChannel, type WorkerEvents } from '@futures/core/transport';
import { encodeFrame, MessageCodec } from '@futures/wire';
import { BrokenSocketPoolError } from './errors.js';
import { onProcessExit } from './exit-cleanup.js';
import { SocketChannel } from './socket-channel.js';
import { acceptHandshake, tokenKey } from './handshake.js';
import { loaderFlags } from './loader-flags.js';
import { checkSocketPath, createDefaultSocketLocation, removeSocketLocation, restrictSocket, type SocketLocation } from './socket-path.js';

/** The worker command, next to this module in `dist/`. */
const WORKER_ENTRY = fileURLToPath(new URL('./cli.js', import.meta.url));

/** What the transport needs; validated by `SocketPoolExecutor`. */
export interface SocketTransportOptions {
  /** Class name for messages. */
  where: string;
  /** A path chosen by the user; undefined for a fresh private directory. */
  path: string | undefined;
  token: string;
  maxFrameBytes: number;
  /** Spawned workers set their `process.title` to `${name}-1`, `${name}-2`, ... */
  name: string;
  /** Deadline for a connecting client's handshake, ms. */
  handshakeTimeout: number;
}

export class SocketTransport implements Transport {
  readonly kind = 'socket';
  readonly #options: SocketTransportOptions;
  readonly #key: Buffer;
  /** One codec for the whole transport: encoding and decoding are synchronous, so they never interleave. */
  readonly #codec = new MessageCodec();
  #location: SocketLocation | undefined;
  #server: Server | undefined;
  #host: TransportHost | undefined;
  #closed = false;
  /** Spawned workers that have not connected yet, by spawn id. */
  readonly #pending = new Map<string, SocketChannel>();
  /** Every accepted connection, so that close() can end those that never became a worker. */
  readonly #sockets = new Set<Socket>();
  #started = 0;
  #externals = 0;
  /** Unregisters the removal of the socket file at process exit. */
  #forgetOnExit: (() => void) | undefined;

  constructor(options: SocketTransportOptions) {
    this.#options = options;
    this.#key = tokenKey(options.token);
  }

  /** The socket path; defined once the engine opened the transport. */
  get address(): string {
    if (this.#location === undefined) throw new Error('the socket transport is not open');
    return this.#location.path;
  }

  broken(message: string, cause?: unknown): BrokenSocketPoolError {
    return new BrokenSocketPoolError(message, cause === undefined ? undefined : { cause });
  }

  /** Creates the socket (synchronously, so that `address` is usable at once) and starts accepting workers. */
  open(host: TransportHost): void {
    const { where, path } = this.#options;
    const location = path === undefined ? createDefaultSocketLocation() : checkSocketPath(path, where);
    const server = createServer((socket) => this.#accept(socket));
    let failure: Error | undefined;
    server.on('error', (error) => {
      failure ??= error;
    });
    // Listening on a path binds at once; only the error event is deferred, hence the `listening` check.
    server.listen(location.path);
    if (!server.listening) {
      server.close();
      // Only a path in our own fresh directory is ours to remove; a user's path may be someone else's socket.
      if (location.dir !== undefined) removeSocketLocation(location);
      throw new Error(`${where}: cannot listen on ${location.path}${failure ? `: ${failure.message}` : ''}`);
    }
    try {
      restrictSocket(location.path);
    } catch (error) {
      server.close();
      removeSocketLocation(location);
      throw error;
    }
    // An idle pool must not keep the process alive; the engine refs the server while calls wait.
    server.unref();
    this.#server = server;
    this.#location = location;
    this.#host = host;
    this.#forgetOnExit = onProcessExit(() => removeSocketLocation(location));
  }

  startWorker(events: WorkerEvents): WorkerChannel {
    const id = randomBytes(12).toString('base64url');
    this.#started += 1;
    // A spawned worker publishes which call it runs on this board, so it can batch its results.
    const progress = FileProgress.create();
    let child: ChildProcess;
    try {
      // With this process's module-loading flags, so a loader such as tsx reaches the workers too.
      const args = [...loaderFlags(process.execArgv), WORKER_ENTRY, '--connect', this.address, '--name', `${this.#options.name}-${this.#started}`];
      child = spawn(process.execPath, args, {
        // The executor's pid: this process may be gone before the worker has started and could ask for its parent.
        env: progressEnv({ ...process.env, FUTURES_TOKEN: this.#options.token, FUTURES_WORKER_ID: id, FUTURES_EXECUTOR_PID: String(process.pid) }),
        // stdin is not the workers' to read; their output goes where ours does.
        stdio: progressStdio(progress),
      });
    } catch (error) {
      progress.close();
      throw error;
    }
    const label = child.pid === undefined ? 'a worker that did not spawn' : `pid ${child.pid}`;
    const channel = new SocketChannel(label, this.#codec, this.#options, events, child, () => this.#pending.delete(id), progress);
    this.#pending.set(id, channel);
    return channel;
  }

  /** Bound: the engine calls it as a plain function. */
  readonly checkValue = (value: unknown): void => {
    const { body, attachments } = this.#codec.encode(value);
    // Throws a RangeError when the value alone is too large for a frame.
    encodeFrame(body, attachments, this.#options.maxFrameBytes);
  };

  ref(): void {
    this.#server?.ref();
  }

  unref(): void {
    this.#server?.unref();
  }

  close(): Promise<void> {
    this.#closed = true;
    this.#forgetOnExit?.();
    for (const socket of this.#sockets) socket.destroy();
    const server = this.#server;
    const location = this.#location;
    return new Promise((resolve) => {
      if (server === undefined) return resolve();
      server.close(() => {
        if (location !== undefined) removeSocketLocation(location);
        resolve();
      });
      // The file goes at once: no new worker should find it while the last connections end.
      if (location !== undefined) removeSocketLocation(location);
    });
  }

  #accept(socket: Socket): void {
    if (this.#closed) {
      socket.destroy();
      return;
    }
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
    // A stranger's handshake must not keep the process alive.
    socket.unref();
    acceptHandshake(socket, {
      key: this.#key,
      maxFrameBytes: this.#options.maxFrameBytes,
      timeout: this.#options.handshakeTimeout,
      admit: (workerId) => {
        if (this.#closed) return 'the executor is shutting down';
        if (workerId !== undefined && !this.#pending.has(workerId)) return 'no worker was spawned with this id';
        return undefined;
      },
    }).then(
      ({ workerId, pid, rest }) => {
        this.#sockets.delete(socket);
        if (socket.destroyed) return;
        if (workerId !== undefined) {
          const channel = this.#pending.get(workerId);
          if (channel === undefined) socket.destroy();
          else channel.connect(socket, rest);
          return;
        }
        let channel: SocketChannel | undefined;
        const attached = this.#host!.attachWorker((events) => {
          this.#externals += 1;
          channel = new SocketChannel(`external worker ${this.#externals} (pid ${pid})`, this.#codec, this.#options, events, undefined, () => {});
          return channel;
        });
        if (attached) channel!.connect(socket, rest);
        else socket.end(() => socket.destroy());
      },
      () => {
        // Refused: the handshake already told the client why (if it deserved it) and closed the socket.
      },
    );
  }
}
