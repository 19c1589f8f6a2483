/**
 * The worker_threads transport: each worker is a `Worker` running
 * `worker.js`, and messages cross by structured clone with transfer lists.
 * Scheduling, errors and recycling are the engine's; this file only starts
 * threads, moves messages and reports how a thread ended.
 */
import { randomUUID } from 'node:crypto';
import { SHARE_ENV, Worker, type ResourceLimits, type TransferListItem } from 'node:worker_threads';
import { inheritedExecArgv, packRun, SharedProgress, type FromWorker, type ToWorker, type Transport, type WorkerChannel, type WorkerEvents } from '@futures/core/transport';
import { BrokenThreadPoolError } from './broken-thread-pool-error.js';
import { withPrivateCopies } from './private-copies.js';

/** What the transport needs to start a thread; validated by `ThreadPoolExecutor`. */
export interface ThreadTransportOptions {
  /** Threads are named `${name}-1`, `${name}-2`, ... */
  name: string;
  resourceLimits?: ResourceLimits;
  /** `undefined` inherits the parent's `process.execArgv` (and so a loader such as tsx). */
  execArgv?: string[];
}

/** The worker entry script, next to this module in `dist/`. */
const WORKER_ENTRY = new URL('./worker.js', import.meta.url);

export class ThreadTransport implements Transport {
  readonly kind = 'thread';
  readonly movesTransfers = true;
  readonly #options: ThreadTransportOptions;
  /** Threads started so far, for their names. */
  #started = 0;

  /** Without `execArgv`: the parent's flags minus those that describe only its entry (`--input-type`), if it has any. */
  readonly #inherited: string[] | undefined;

  constructor(options: ThreadTransportOptions) {
    this.#options = options;
    this.#inherited = options.execArgv === undefined ? inheritedExecArgv() : undefined;
  }

  broken(message: string, cause?: unknown): BrokenThreadPoolError {
    return new BrokenThreadPoolError(message, cause === undefined ? undefined : { cause });
  }

  startWorker(events: WorkerEvents): WorkerChannel {
    const { name, resourceLimits, execArgv } = this.#options;
    this.#started += 1;
    const threadName = `${name}-${this.#started}`;
    // Where the worker publishes which call it runs, so it can batch results and a crash still fails the right call.
    const progress = new SharedProgress();
    const start = (argv: string[] | undefined): Worker =>
      new Worker(WORKER_ENTRY, {
        name: threadName,
        workerData: { progress: progress.buffer },
        // Threads share the process environment, as threads do in Python.
        env: SHARE_ENV,
        ...(resourceLimits === undefined ? {} : { resourceLimits }),
        ...(argv === undefined ? {} : { execArgv: argv }),
      });
    const flags = execArgv ?? this.#inherited;
    // The parent's own flags may include some a thread refuses when they are listed (V8 heap sizes):
    // then try them unnamed, and then as Node inherits them itself.
    const attempts = [...new Set([withProfileName(flags, threadName), flags, execArgv])];
    for (let i = 0; ; i++) {
      try {
        // Throws synchronously for invalid execArgv: the engine takes that as "cannot start".
        return new ThreadChannel(start(attempts[i]), events, progress);
      } catch (error) {
        if (i === attempts.length - 1 || (error as { code?: unknown })?.code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw error;
      }
    }
  }
}

/**
 * The thread's execArgv. Under `--cpu-prof` each thread writes its own
 * profile, which Node names by thread id only: give it the thread's name
 * (`CPU.resize-1.<pid>.<random>.cpuprofile`) unless the caller chose a name.
 * `undefined` keeps inheriting the parent's flags.
 */
function withProfileName(execArgv: string[] | undefined, threadName: string): string[] | undefined {
  const flags = execArgv ?? process.execArgv;
  if (!flags.includes('--cpu-prof') || flags.some((f) => f.startsWith('--cpu-prof-name'))) return execArgv;
  // Unique per thread even across pools that share a name.
  return [...flags, `--cpu-prof-name=CPU.${threadName}.${process.pid}.${randomUUID().slice(0, 8)}.cpuprofile`];
}

class ThreadChannel implements WorkerChannel {
  readonly label: string;
  readonly #worker: Worker;
  /** The uncaught error (or out-of-memory) that ended the thread; 'exit' follows 'error'. */
  #error: unknown = undefined;
  /** terminate() was called: the thread holds the event loop until its exit is reported. */
  #ending = false;

  readonly progress: SharedProgress;

  constructor(worker: Worker, events: WorkerEvents, progress: SharedProgress) {
    this.#worker = worker;
    this.progress = progress;
    this.label = `thread ${worker.threadId}`;
    worker.on('message', (message: FromWorker) => events.message(message));
    worker.on('error', (error: unknown) => {
      this.#error ??= error;
    });
    // A result that cannot be deserialized here is lost: end the thread so the calls it held fail instead of hanging.
    worker.on('messageerror', (error: unknown) => {
      this.#error ??= error;
      this.terminate();
    });
    worker.once('exit', (code: number) => {
      events.exit(this.#error === undefined ? { code, signal: null } : { code, signal: null, error: this.#error });
    });
  }

  send(message: ToWorker, transfer?: readonly TransferListItem[]): void {
    // Throws a DataCloneError synchronously, sending nothing, when a value cannot be cloned or transferred.
    // Calls go packed: structured clone pays for an array per call far more than for its contents.
    if (message.t !== 'run') return this.#worker.postMessage(message, transfer);
    const packed = packRun(message);
    const slots = Array.isArray(packed) ? packed : packed.packed;
    // Big buffers go as a moved copy: one allocation and one copy instead of two (see private-copies.ts).
    const copied = withPrivateCopies(slots, transfer);
    if (copied === undefined) this.#worker.postMessage(packed, transfer);
    else this.#worker.postMessage(Array.isArray(packed) ? copied.slots : { ...packed, packed: copied.slots }, copied.transfer);
  }

  terminate(): void {
    // The exit is near: hold the event loop until it is reported, whatever unref follows, or
    // `await pool.shutdown()` could see the process end under it with nothing else to keep it alive.
    this.#ending = true;
    this.#worker.ref();
    void this.#worker.terminate();
  }

  ref(): void {
    this.#worker.ref();
  }

  unref(): void {
    if (!this.#ending) this.#worker.unref();
  }
}
