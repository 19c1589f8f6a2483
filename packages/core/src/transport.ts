/**
 * The interface between the pool engine and a transport.
 *
 * The engine owns every scheduling decision: queue, dispatch, batching,
 * cancellation, timeouts, recycling, crash handling and shutdown. A transport
 * only starts workers, moves messages, and reports when a worker is gone,
 * in the spirit of CPython 3.14's `WorkerContext`.
 *
 * On the far side of every transport runs the same worker runtime
 * (`runWorker` in `worker-runtime.ts`), reached through a {@link WorkerPort}.
 */
import type { TransferListItem } from 'node:worker_threads';
import type { FromWorker, ToWorker } from './protocol.js';
import type { BrokenExecutorError } from './errors.js';
import type { ProgressReader, ProgressWriter } from './progress.js';

/**
 * How long a worker asked to go (retired, or SIGTERMed) may take to exit on
 * its own before it is ended by force; also how long a process-like worker's
 * exit waits for its second half (the child's exit, or its connection's close).
 */
export const EXIT_GRACE_MS = 5_000;

/** How a worker ended. Exactly one is reported per worker. */
export interface WorkerExit {
  /** Process or thread exit code, when there was one. */
  code: number | null;
  /** The signal that killed a process (`'SIGKILL'`), when there was one. */
  signal: string | null;
  /** Why the worker could not start or failed (a spawn error, a socket error), when known. */
  error?: unknown;
}

/** What the engine hears from one worker. The transport calls these. */
export interface WorkerEvents {
  /** A decoded message from the worker. */
  message(message: FromWorker): void;
  /** The worker is gone (exited, killed, disconnected). Called exactly once. */
  exit(exit: WorkerExit): void;
}

/** The engine's handle on one worker. The transport implements it. */
export interface WorkerChannel {
  /** Shown in error messages: `'thread 3'`, `'pid 4242'`. */
  readonly label: string;
  /**
   * Encode and send one message. Must throw synchronously, sending nothing,
   * when the message cannot be encoded (the engine then fails only the calls
   * whose values are at fault).
   */
  send(message: ToWorker, transfer?: readonly TransferListItem[]): void;
  /**
   * End the worker now, whatever it is doing (terminate, SIGKILL). `exit` follows.
   * (Retiring a worker is the engine's: it sends a `retire` message, and ends
   * the worker with this after {@link EXIT_GRACE_MS}.)
   */
  terminate(): void;
  /** Keep the event loop alive for this worker (work is outstanding). */
  ref(): void;
  /** Let the process exit even though this worker is alive (nothing outstanding). */
  unref(): void;
  /**
   * Optional: the engine's side of a progress board that the worker's
   * {@link WorkerPort.progress} writes (shared memory for threads, a shared
   * file descriptor for local child processes; see `progress.ts`). It lets the
   * worker batch results freely while the engine can still tell, when the
   * worker dies or is ended, which call was running. The engine stops reading
   * it when the worker says its board failed.
   */
  readonly progress?: ProgressReader;
  /**
   * Optional: true while no worker serves this channel yet (a request to a
   * fleet that no worker has taken). Such a slot is not a worker: it is left
   * out of `stats().workers` and of utilization until a worker takes it.
   * Default false.
   */
  readonly awaitingWorker?: boolean;
}

/** What the engine offers a transport whose workers can arrive on their own (external socket workers). */
export interface TransportHost {
  /**
   * Add a worker that the transport did not start at the engine's request.
   * The engine calls `connect` with the events object for it and uses the
   * returned channel; it never replaces such a worker when it goes away.
   * Returns false (and calls nothing) when the pool is shut down or broken.
   */
  attachWorker(connect: (events: WorkerEvents) => WorkerChannel): boolean;
  /**
   * The transport can no longer start or reach workers (its server is gone
   * for good): the pool breaks now, with `transport.broken(message, cause)`,
   * rather than at its next attempt to start a worker. No-op once broken.
   */
  fail(message: string, cause: unknown): void;
}

/** A transport: how workers are started and reached. */
export interface Transport {
  /** `'thread'`, `'process'`, `'socket'`: used in messages. */
  readonly kind: string;
  /**
   * True when `send`'s transfer list moves memory (threads): such a call is
   * then never sent twice. Transports that copy everything ignore transfer lists.
   */
  readonly movesTransfers?: boolean;
  /** Builds the pool's `Broken…Error` (BrokenThreadPoolError, ...). */
  broken(message: string, cause?: unknown): BrokenExecutorError;
  /**
   * Start one worker. The worker must run the worker runtime, which waits for
   * the engine's `init` message. Throwing here (or reporting `exit` before the
   * worker said `ready`) means the worker did not start: the engine retries
   * with backoff, and breaks the pool after 3 failed starts in a row (at once
   * when the error is not a passing one such as `EMFILE` or `EAGAIN`).
   */
  startWorker(events: WorkerEvents): WorkerChannel;
  /** Called once, before any worker starts, for transports that accept workers on their own. */
  open?(host: TransportHost): void;
  /** Called once after the last worker exited on shutdown (or when the pool broke): release servers, files. */
  close?(): Promise<void> | void;
  /** Work is outstanding / nothing is: ref or unref any server the transport holds. */
  ref?(): void;
  unref?(): void;
  /**
   * Throws if `value` cannot be carried by this transport's codec. Used only
   * after a send failed, to name the argument at fault. Default: `structuredClone`.
   */
  checkValue?(value: unknown): void;
}

/** The worker runtime's view of its connection to the engine. Each transport's worker entry implements it. */
export interface WorkerPort {
  /**
   * Encode and send a message to the engine. Must throw synchronously,
   * sending nothing, when it cannot be encoded.
   */
  send(message: FromWorker): void;
  /** Register the handler for messages from the engine. Called once. */
  onMessage(handler: (message: ToWorker) => void): void;
  /**
   * The engine retired this worker and it has run everything it was sent:
   * end it (exit the thread or process, end the connection).
   */
  close(): void;
  /**
   * The worker's side of the progress board that the engine reads through
   * {@link WorkerChannel.progress}: the runtime publishes there the id of the
   * call it is running and of the last one it finished. Without one, the
   * runtime sends the results it holds before it starts each call, so the
   * engine always knows which call is running.
   */
  readonly progress?: ProgressWriter;
}
