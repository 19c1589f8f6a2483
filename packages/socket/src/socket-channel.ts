/**
 * One worker of the socket transport, as the engine sees it: an optional
 * child process (when the transport spawned it) and its authenticated
 * connection, over which messages travel as msgpackr frames.
 */
import type { ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { ExitMerger, type FileProgress, type FromWorker, type ToWorker, type WorkerChannel, type WorkerEvents } from '@futures/core/transport';
import { FrameError, FrameReader, fromTuple, type MessageCodec, toTuple } from '@futures/wire';
import { FrameWriter } from './frame-writer.js';

/**
 * One worker: an optional child process (when spawned) and its connection.
 * The exit is reported once, when both the connection and the child (if any)
 * are gone (see ExitMerger), so that every result the worker sent before it
 * died is delivered first, and the exit code or signal is known.
 */
export class SocketChannel implements WorkerChannel {
  readonly label: string;
  /** Spawned workers only; an external worker announces each call before it starts instead. */
  readonly progress: FileProgress | undefined;
  readonly #codec: MessageCodec;
  readonly #maxFrameBytes: number;
  readonly #writer: FrameWriter;
  readonly #events: WorkerEvents;
  readonly #child: ChildProcess | undefined;
  readonly #unpend: () => void;
  readonly #exit: ExitMerger;
  #socket: Socket | undefined;
  /** Frames sent before the connection was authenticated. */
  #queue: Buffer[] | undefined = [];
  #reported = false;
  #terminated = false;
  #refed = true;

  constructor(
    label: string,
    codec: MessageCodec,
    options: { maxFrameBytes: number },
    events: WorkerEvents,
    child: ChildProcess | undefined,
    unpend: () => void,
    progress?: FileProgress,
  ) {
    this.progress = progress;
    this.#codec = codec;
    this.#maxFrameBytes = options.maxFrameBytes;
    this.#writer = new FrameWriter(options.maxFrameBytes);
    this.#events = events;
    this.#child = child;
    this.#unpend = unpend;
    this.label = label;
    this.#exit = new ExitMerger(
      child !== undefined,
      (exit) => {
        this.#reported = true;
        this.#events.exit(exit);
        // The engine has read the board while handling the exit.
        this.progress?.close();
      },
      // The worker exits when its connection ends, and its connection ends when it exits: force the half that lags.
      (missing) => (missing === 'child' ? this.#kill('SIGKILL') : this.#socket?.destroy()),
    );
    if (child === undefined) return;
    this.#exit.watch(child);
    child.once('close', () => {
      this.#unpend();
      // A worker that never connected has no connection to wait for.
      if (this.#socket === undefined) this.#exit.connectionClosed();
    });
  }

  /** Takes over an authenticated connection: flushes what was queued and starts reading frames. */
  connect(socket: Socket, rest: Buffer): void {
    this.#unpend();
    this.#socket = socket;
    if (this.#refed) socket.ref();
    else socket.unref();
    const reader = new FrameReader(this.#maxFrameBytes, (body, attachments) => {
      if (this.#reported) return;
      let message: FromWorker;
      try {
        message = fromTuple(this.#codec.decode(body, attachments)) as FromWorker;
      } catch (error) {
        throw new FrameError(`it sent a frame that does not decode: ${(error as Error)?.message ?? String(error)}`, 'ERR_FRAME_GARBLED', { cause: error });
      }
      this.#events.message(message);
    });
    const receive = (chunk: Buffer) => {
      try {
        reader.push(chunk);
      } catch (error) {
        // Anything but a bad frame is a bug (the engine's or ours), and must surface.
        if (!(error instanceof FrameError)) throw error;
        // Garbled or oversized: this connection is over; every other one goes on.
        this.#exit.noteError(error);
        socket.destroy();
      }
    };
    socket.on('data', receive);
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // A reset or broken pipe is how a killed worker's connection ends: the exit says more.
      if (error.code !== 'ECONNRESET' && error.code !== 'EPIPE') this.#exit.noteError(error);
    });
    socket.once('close', () => {
      this.#writer.close();
      this.#exit.connectionClosed();
    });
    const queued = this.#queue ?? [];
    this.#queue = undefined;
    if (this.#terminated) {
      // Ended before its connection was handed over (the pool broke while attaching it).
      socket.destroy();
      return;
    }
    for (const frame of queued) socket.write(frame);
    if (rest.length > 0) receive(rest);
    socket.resume();
  }

  send(message: ToWorker): void {
    const tuple = toTuple(message);
    // Most calls and batches are small and plain: their frame is built in one step, without the codec.
    const plain = this.#writer.plainFrame(tuple);
    if (plain !== undefined) {
      if (this.#queue !== undefined) this.#queue.push(plain);
      // A worker that is gone reports its exit soon; what is sent to it now is lost with it.
      else if (this.#socket!.writable) this.#socket!.write(plain);
      return;
    }
    // Throws synchronously, sending nothing, when a value cannot be encoded or the frame is too large.
    const { body, attachments } = this.#codec.encode(tuple);
    if (this.#queue !== undefined) {
      this.#queue.push(this.#writer.frame(body, attachments));
      return;
    }
    const socket = this.#socket!;
    // A worker that is gone reports its exit soon; what is sent to it now is lost with it.
    // (A value too large must throw either way.)
    if (!socket.writable) {
      this.#writer.check(body, attachments);
      return;
    }
    this.#writer.write(socket, body, attachments);
  }

  terminate(): void {
    this.#terminated = true;
    this.#socket?.destroy();
    this.#kill('SIGKILL');
  }

  ref(): void {
    this.#refed = true;
    this.#socket?.ref();
    this.#child?.ref();
  }

  unref(): void {
    this.#refed = false;
    this.#socket?.unref();
    this.#child?.unref();
  }

  #kill(signal: NodeJS.Signals): void {
    const child = this.#child;
    if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill(signal);
  }
}
