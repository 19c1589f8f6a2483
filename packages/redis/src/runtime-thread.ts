/**
 * The worker thread of a fleet worker: the worker runtime of `@futures/core`,
 * fed by the supervisor on the main thread (supervisor.ts), which does all
 * Redis I/O and the heartbeat, so a CPU-bound call never silences it.
 *
 * The executor knows which calls may have started here from what the
 * supervisor took from the inbox (inbox-ledger.ts), so the runtime needs no
 * announcement before a call: its progress board is one that always works
 * and keeps nothing, and it sends its results in batches.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runWorkerRuntime, type FromWorker, type ProgressWriter, type ToWorker } from '@futures/core/transport';
import { EngineCodec } from './engine-codec.js';
import { RefResolver } from './task-refs.js';

/** What the supervisor gives the thread. */
export interface RuntimeThreadData {
  cwd: string;
}

/**
 * An output to the supervisor, numbered from 1: an engine message's encoded
 * parts, or `close` (the engine retired this worker and it has run
 * everything it was sent).
 */
export type ThreadOutput = { seq: number; parts: Uint8Array[] } | { seq: number; close: true };

/** The executor reads progress from the inbox, not from a board: nothing to publish. */
const INBOX_BOARD: ProgressWriter = { set: () => true };

const port = parentPort;
if (port !== null) {
  const data = workerData as RuntimeThreadData;
  const codec = new EngineCodec();
  const refs = new RefResolver(data.cwd);
  let sent = 0;
  let handler: ((message: ToWorker) => void) | undefined;
  runWorkerRuntime({
    progress: INBOX_BOARD,
    send(message: FromWorker): void {
      // Throws, sending nothing, when a value cannot be encoded: the runtime then fails only that call.
      const parts = codec.encode(message);
      port.postMessage({ seq: ++sent, parts } satisfies ThreadOutput, parts.map((p) => p.buffer as ArrayBuffer));
    },
    onMessage(h) {
      handler = h;
    },
    close(): void {
      port.postMessage({ seq: ++sent, close: true } satisfies ThreadOutput);
    },
  });
  port.on('message', (parts: Uint8Array[]) => handler?.(refs.incoming(codec.decode(parts) as ToWorker)));
}
