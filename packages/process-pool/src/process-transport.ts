/**
 * The child_process transport: each worker is a `fork`ed Node.js process
 * running `worker.js`, and messages cross the IPC channel with
 * `serialization: 'advanced'` (the v8 serializer). Scheduling, errors,
 * retiring and recycling are the engine's; this file only starts children,
 * moves messages and reports how a child ended.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { serialize } from 'node:v8';
import {
  decodeError,
  ExitMerger,
  FileProgress,
  inheritedExecArgv,
  isPackedDone,
  packRun,
  unpackDone,
  progressEnv,
  progressStdio,
  type SerializedError,
  type FromWorker,
  type ToWorker,
  type Transport,
  type WorkerChannel,
  type WorkerEvents,
} from '@futures/core/transport';
import { BrokenProcessPoolError } from './broken-process-pool-error.js';

/** What the transport needs to start a child; validated by `ProcessPoolExecutor`. */
export interface ProcessTransportOptions {
  /** Children set their `process.title` to `${name}-1`, `${name}-2`, ... */
  name: string;
  /** `undefined` inherits the parent's `process.execArgv`. */
  execArgv?: string[];
  /** `undefined` inherits the parent's `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/** The worker entry script, next to this module in `dist/`. */
const WORKER_ENTRY = fileURLToPath(new URL('./worker.js', import.meta.url));

export class ProcessTransport implements Transport {
  readonly kind = 'process';
  readonly #options: ProcessTransportOptions;
  /** Children started so far, for their titles. */
  #started = 0;

  /** The children's Node.js flags; undefined: Node's default, the parent's own. */
  readonly #execArgv: string[] | undefined;

  constructor(options: ProcessTransportOptions) {
    this.#options = options;
    this.#execArgv = options.execArgv ?? inheritedExecArgv();
  }

  broken(message: string, cause?: unknown): BrokenProcessPoolError {
    return new BrokenProcessPoolError(message, cause === undefined ? undefined : { cause });
  }

  startWorker(events: WorkerEvents): WorkerChannel {
    const { name, env } = this.#options;
    this.#started += 1;
    // The child publishes which call it runs on this board, so it can batch its results.
    const progress = FileProgress.create();
    let child: ChildProcess;
    try {
      child = fork(WORKER_ENTRY, [`${name}-${this.#started}`], {
        serialization: 'advanced',
        // stdin is not the children's to read; their output goes where the parent's does.
        stdio: progressStdio(progress, 'ipc'),
        env: progressEnv(env ?? process.env),
        // Inherited flags lose those that describe only the parent's entry (`--input-type`).
        ...(this.#execArgv === undefined ? {} : { execArgv: this.#execArgv }),
      });
    } catch (error) {
      progress.close();
      throw error;
    }
    return new ProcessChannel(child, progress, events);
  }

  checkValue(value: unknown): void {
    try {
      serialize(value);
    } catch (error) {
      throw new TypeError(`the v8 serializer cannot carry it (${shortenCloneError(error)})`, { cause: error });
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

/** What a child sends when an error no call caught is about to end it (worker.ts): not the engine's, kept for the exit. */
interface UncaughtMessage {
  t: 'uncaught';
  error: SerializedError;
}

function isUncaught(message: unknown): message is UncaughtMessage {
  return typeof message === 'object' && message !== null && (message as { t?: unknown }).t === 'uncaught';
}

/** One child. Its exit is reported once it has exited AND its IPC channel is closed, so every message it sent came first. */
export class ProcessChannel implements WorkerChannel {
  readonly label: string;
  readonly #child: ChildProcess;
  /** terminate() or kill() was called: the child holds the event loop until its exit is reported. */
  #ending = false;
  /** The error no call caught that the child said is ending it (worker.ts), for its exit's report. */
  #uncaught: unknown = undefined;

  readonly progress: FileProgress;

  constructor(child: ChildProcess, progress: FileProgress, events: WorkerEvents) {
    this.#child = child;
    this.progress = progress;
    this.label = child.pid === undefined ? 'a child that did not spawn' : `pid ${child.pid}`;
    const exit = new ExitMerger(
      true,
      (how) => {
        // Only for an exit an uncaught error makes (a code, no signal): a task may have caught it with a handler of its own.
        const uncaught = how.error === undefined && how.signal === null && how.code !== 0 ? this.#uncaught : undefined;
        events.exit(uncaught === undefined ? how : { ...how, error: uncaught });
        // The engine has read the board while handling the exit.
        progress.close();
      },
      (missing) => (missing === 'child' ? this.kill('SIGKILL') : exit.connectionClosed()),
    );
    exit.watch(child);
    child.once('disconnect', () => exit.connectionClosed());
    // Results come flattened (see worker.ts): the engine reads them as the runtime made them.
    child.on('message', (message: FromWorker | unknown[] | UncaughtMessage) => {
      if (isPackedDone(message)) events.message(unpackDone(message));
      else if (isUncaught(message)) this.#uncaught ??= decodeError(message.error);
      else events.message(message as FromWorker);
    });
  }

  send(message: ToWorker): void {
    // A child whose channel is gone is exiting, and its exit is reported soon; what is sent now is lost with it.
    if (!this.#child.connected) return;
    // Throws synchronously, sending nothing, when the v8 serializer refuses a value.
    // Calls go packed: the v8 serializer pays for an array per call far more than for its contents.
    this.#child.send(message.t === 'run' ? packRun(message) : message);
  }

  terminate(): void {
    this.kill('SIGKILL');
  }

  /** Sends `signal` to the child, unless it has exited already; holds the event loop until its exit is reported. */
  kill(signal: NodeJS.Signals): void {
    this.#ending = true;
    this.#child.ref();
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
