/**
 * The child_process transport: each worker is a `fork`ed Node.js process
 * running `worker.js`, and messages cross the IPC channel with
 * `serialization: 'advanced'` (the v8 serializer). Scheduling, errors and
 * recycling are the engine's; this file only starts children, moves messages
 * and reports how a child ended.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { serialize } from 'node:v8';
import { FileProgress, type FromWorker, type ToWorker, type Transport, type WorkerChannel, type WorkerEvents } from '@futures/core';
import { BrokenProcessPoolError } from './broken-process-pool-error.js';

/** What the transport needs to start a child; validated by `ProcessPoolExecutor`. */
export interface ProcessTransportOptions {
  /** Children set their `process.title` to `${name}-1`, `${name}-2`, ... */
  name: string;
  /** `undefined` inherits the parent's `process.execArgv`. */
  execArgv?: string[];
  /** `undefined` inherits the parent's `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** How long a child asked to exit (IPC disconnected) may take before it is SIGKILLed. */
  gracePeriod: number;
}

/** The worker entry script, next to this module in `dist/`. */
const WORKER_ENTRY = fileURLToPath(new URL('./worker.js', import.meta.url));
/** The child's file descriptor for its progress board: the slot after stdin, stdout, stderr and IPC. */
const PROGRESS_FD = 4;

/** Why `startWorker` refuses after `terminateWorkers()`/`killWorkers()`. */
export class WorkersEndedError extends Error {}

export class ProcessTransport implements Transport {
  readonly kind = 'process';
  readonly #options: ProcessTransportOptions;
  readonly #live = new Set<ProcessChannel>();
  /** Children started so far, for their titles. */
  #started = 0;
  /** Set by `endAll`: no child starts after that. */
  #ended: string | undefined;

  constructor(options: ProcessTransportOptions) {
    this.#options = options;
  }

  broken(message: string, cause?: unknown): BrokenProcessPoolError {
    return new BrokenProcessPoolError(message, cause === undefined ? undefined : { cause });
  }

  startWorker(events: WorkerEvents): WorkerChannel {
    if (this.#ended !== undefined) throw new WorkersEndedError(`the workers were ended by ${this.#ended}`);
    const { name, execArgv, env, gracePeriod } = this.#options;
    this.#started += 1;
    // The child publishes which call it runs on this board (its fd 4), so it can batch its results.
    const progress = FileProgress.create();
    let child: ChildProcess;
    try {
      child = fork(WORKER_ENTRY, [`${name}-${this.#started}`, String(PROGRESS_FD)], {
        serialization: 'advanced',
        // stdin is not the children's to read; their output goes where the parent's does.
        stdio: ['ignore', 'inherit', 'inherit', 'ipc', progress.fd],
        ...(execArgv === undefined ? {} : { execArgv }),
        ...(env === undefined ? {} : { env }),
      });
    } catch (error) {
      progress.close();
      throw error;
    }
    const channel = new ProcessChannel(child, gracePeriod, progress, {
      message: (message) => events.message(message),
      exit: (exit) => {
        this.#live.delete(channel);
        events.exit(exit);
      },
    });
    this.#live.add(channel);
    return channel;
  }

  checkValue(value: unknown): void {
    try {
      serialize(value);
    } catch (error) {
      throw new TypeError(`the v8 serializer cannot carry it (${shortenCloneError(error)})`, { cause: error });
    }
  }

  /**
   * Sends `signal` to every live child and refuses to start new ones
   * (`terminateWorkers()`, `killWorkers()`). `by` names the method for the
   * error that pending calls then fail with.
   */
  endAll(signal: NodeJS.Signals, by: string): void {
    this.#ended ??= by;
    for (const channel of this.#live) {
      channel.kill(signal);
      // A child that ignores SIGTERM is killed after the grace period, so the promise of terminateWorkers() settles.
      if (signal !== 'SIGKILL') channel.killAfterGrace();
    }
  }
}

/** v8's message quotes the whole source of a function that cannot be cloned: keep its first line. */
function shortenCloneError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const firstLine = message.split('\n', 1)[0];
  if (firstLine === message) return message;
  return `${firstLine.length > 60 ? `${firstLine.slice(0, 60)}…` : firstLine} … could not be cloned`;
}

class ProcessChannel implements WorkerChannel {
  readonly label: string;
  readonly #child: ChildProcess;
  readonly #gracePeriod: number;
  /** A spawn error, kept as the cause of the exit. */
  #error: unknown = undefined;
  #killTimer: NodeJS.Timeout | undefined;
  readonly #events: WorkerEvents;
  #reported = false;
  /** close() or terminate() was called: the child holds the event loop until its exit is reported. */
  #ending = false;

  readonly progress: FileProgress;

  constructor(child: ChildProcess, gracePeriod: number, progress: FileProgress, events: WorkerEvents) {
    this.#child = child;
    this.progress = progress;
    this.#gracePeriod = gracePeriod;
    this.#events = events;
    this.label = child.pid === undefined ? 'a child that did not spawn' : `pid ${child.pid}`;
    child.on('message', (message: FromWorker) => events.message(message));
    child.on('error', (error: unknown) => {
      // Only a spawn failure says why the child is gone; a failed send or kill to a dying child does not.
      if (child.pid === undefined) this.#error ??= error;
    });
    // The exit is reported once the child has exited AND its IPC channel is closed, so every message
    // it sent has been delivered first. Node emits 'close' for that, except when the parent closed the
    // channel itself (child.disconnect()), where 'close' never comes: 'exit' and 'disconnect' cover it.
    child.once('exit', (code, signal) => {
      if (!child.connected) this.#report(code, signal);
    });
    child.once('disconnect', () => {
      if (child.exitCode !== null || child.signalCode !== null) this.#report(child.exitCode, child.signalCode);
    });
    // After a spawn failure only 'error' and 'close' come.
    child.once('close', (code, signal) => this.#report(code, signal));
  }

  #report(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.#reported) return;
    this.#reported = true;
    clearTimeout(this.#killTimer);
    // A spawn failure reports a negative errno as its code; the error says more.
    const exitCode = code !== null && code < 0 ? null : code;
    this.#events.exit(this.#error === undefined ? { code: exitCode, signal } : { code: exitCode, signal, error: this.#error });
    // The engine has read the board while handling the exit.
    this.progress.close();
  }

  send(message: ToWorker): void {
    // A child whose channel is gone is exiting, and its exit is reported soon; what is sent now is lost with it.
    if (!this.#child.connected) return;
    // Throws synchronously, sending nothing, when the v8 serializer refuses a value.
    this.#child.send(message);
  }

  close(): void {
    if (this.#ending) return;
    this.#end();
    // The child exits when its IPC channel disconnects; one that does not (its event loop is blocked) is killed.
    this.killAfterGrace();
    if (this.#child.connected) this.#child.disconnect();
  }

  terminate(): void {
    this.kill('SIGKILL');
  }

  /** SIGKILL once the grace period has passed, if the child is still there. */
  killAfterGrace(): void {
    if (this.#killTimer !== undefined) return;
    this.#killTimer = setTimeout(() => this.kill('SIGKILL'), this.#gracePeriod);
  }

  /**
   * The exit is near: hold the event loop until it is reported, whatever ref/unref follows, or
   * `await pool.shutdown()` could see the process end under it with nothing else to keep it alive.
   */
  #end(): void {
    this.#ending = true;
    this.#child.ref();
  }

  /** Sends `signal` to the child, unless it has exited already. */
  kill(signal: NodeJS.Signals): void {
    this.#end();
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill(signal);
  }

  ref(): void {
    this.#child.ref();
    this.#child.channel?.ref();
  }

  unref(): void {
    if (this.#ending) return;
    this.#child.unref();
    this.#child.channel?.unref();
  }
}
