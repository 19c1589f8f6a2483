/**
 * `@futures/core/testing`: an in-memory transport for testing the pool engine
 * (and code that uses executors) without threads or processes.
 *
 * Each fake worker runs the real worker runtime in this thread; messages are
 * copied with `structuredClone` (so values that cannot cross a thread boundary
 * fail as they would) and delivered on a later turn of the event loop, as a
 * real channel does. Tests can make workers fail to start, crash mid-call,
 * or answer garbage.
 */
import type { TransferListItem } from 'node:worker_threads';
import { BrokenExecutorError, brandError } from './errors.js';
import { PoolExecutor, type PoolOptions } from './pool-executor.js';
import type { FromWorker, ToWorker } from './protocol.js';
import type { Transport, WorkerChannel, WorkerEvents, WorkerExit } from './transport.js';
import { runWorkerRuntime } from './worker-runtime.js';

export class BrokenFakePoolError extends BrokenExecutorError {
  override readonly code: string = 'ERR_BROKEN_FAKE_POOL';
}
brandError(BrokenFakePoolError, 'BrokenFakePoolError');

export interface FakeBehaviour {
  /** Every start fails. `'throw'`: startWorker throws; `'exit'`: the worker exits with code 1 before it is ready. */
  failStart?: 'throw' | 'exit';
  /**
   * What happens to the next starts, one entry each, then starts succeed:
   * `'ok'`: it starts; `'emfile'`: startWorker throws an `EMFILE` error;
   * `'killed'`: the worker is killed (SIGKILL) before it is ready.
   */
  startFailures?: ('ok' | 'emfile' | 'killed')[];
}

/** One in-memory worker, with controls for tests. */
export class FakeWorker implements WorkerChannel {
  readonly label: string;
  readonly #events: WorkerEvents;
  #toWorker: ((message: ToWorker) => void) | undefined;
  #gone = false;
  #refed = true;
  /** Messages the engine sent to this worker (after copying). */
  readonly received: ToWorker[] = [];

  constructor(id: number, events: WorkerEvents) {
    this.label = `fake worker ${id}`;
    this.#events = events;
    runWorkerRuntime({
      send: (message: FromWorker) => {
        const copy = structuredClone(message);
        // What the worker sent before it died still arrives, before its exit, as on a real channel.
        if (!this.#gone) setImmediate(() => this.#events.message(copy));
      },
      onMessage: (handler) => (this.#toWorker = handler),
      close: () => this.exit({ code: 0, signal: null }),
    });
  }

  get alive(): boolean {
    return !this.#gone;
  }

  /** Whether the engine currently wants this worker to hold the event loop open. */
  get refed(): boolean {
    return this.#refed;
  }

  send(message: ToWorker, transfer?: readonly TransferListItem[]): void {
    if (this.#gone) throw new Error(`${this.label} is gone`);
    const copy = structuredClone(message, { transfer: transfer as TransferListItem[] | undefined });
    this.received.push(copy);
    setImmediate(() => this.#gone || this.#toWorker?.(copy));
  }

  terminate(): void {
    this.exit({ code: 1, signal: null });
  }

  ref(): void {
    this.#refed = true;
  }

  unref(): void {
    this.#refed = false;
  }

  /** Simulates the worker dying (crash, kill). The runtime's late answers are dropped. */
  exit(exit: WorkerExit): void {
    if (this.#gone) return;
    this.#gone = true;
    setImmediate(() => this.#events.exit(exit));
  }

  /** Delivers `message` to the engine as if the worker had sent it. */
  inject(message: unknown): void {
    setImmediate(() => this.#gone || this.#events.message(message as FromWorker));
  }
}

/** A {@link Transport} of {@link FakeWorker}s. */
export class FakeTransport implements Transport {
  readonly kind = 'fake';
  readonly movesTransfers = true;
  readonly workers: FakeWorker[] = [];
  closed = false;
  readonly #behaviour: FakeBehaviour;

  constructor(behaviour: FakeBehaviour = {}) {
    this.#behaviour = behaviour;
  }

  broken(message: string, cause?: unknown): BrokenExecutorError {
    return new BrokenFakePoolError(message, cause === undefined ? undefined : { cause });
  }

  startWorker(events: WorkerEvents): WorkerChannel {
    if (this.#behaviour.failStart === 'throw') throw new Error('fake worker cannot start');
    const failure = this.#behaviour.startFailures?.shift();
    if (failure === 'emfile') throw Object.assign(new Error('spawn EMFILE: too many open files'), { code: 'EMFILE' });
    const worker = new FakeWorker(this.workers.length + 1, events);
    this.workers.push(worker);
    if (this.#behaviour.failStart === 'exit') worker.exit({ code: 1, signal: null, error: new Error('fake worker exited at start') });
    // Killed after the engine sent its init message, before the worker could answer it.
    if (failure === 'killed') queueMicrotask(() => worker.exit({ code: null, signal: 'SIGKILL' }));
    return worker;
  }

  close(): void {
    this.closed = true;
  }

  /** The workers that have not exited. */
  get live(): FakeWorker[] {
    return this.workers.filter((w) => w.alive);
  }
}

/** A pool on a {@link FakeTransport}; `transport` gives tests the workers. */
export class FakePoolExecutor extends PoolExecutor {
  readonly transport: FakeTransport;

  constructor(options?: PoolOptions, behaviour?: FakeBehaviour) {
    const transport = new FakeTransport(behaviour);
    super(transport, options, { where: 'FakePoolExecutor', defaultMaxWorkers: 2 });
    this.transport = transport;
  }
}
