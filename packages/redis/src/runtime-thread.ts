/**
 * The worker thread of a fleet worker: the worker runtime of `@futures/core`,
 * fed by the supervisor on the main thread (supervisor.ts), which does all
 * Redis I/O and the heartbeat, so a CPU-bound call never silences it.
 *
 * Messages cross as encoded parts (the supervisor never decodes a call). The
 * one rule this thread adds: `send` returns only once the supervisor has
 * confirmed that Redis holds the message. The runtime sends the results it
 * holds before it starts each call, so a call starts only when the executor
 * is sure to learn that the calls before it finished: if this host dies or is
 * cut off, the executor blames the call that was really running, and sends
 * none that ran here to another worker.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runWorkerRuntime, type FromWorker, type ToWorker } from '@futures/core';
import { EngineCodec } from './engine-codec.js';
import { RefResolver } from './task-refs.js';

/** What the supervisor gives the thread. */
export interface RuntimeThreadData {
  cwd: string;
  /** Int32 slot 0: the number of messages Redis has confirmed. */
  confirmed: SharedArrayBuffer;
}

/** A message to the supervisor: encoded parts, and the message's number (from 1). */
export interface ThreadOutput {
  seq: number;
  parts: Uint8Array[];
}

const port = parentPort;
if (port !== null) {
  const data = workerData as RuntimeThreadData;
  const confirmed = new Int32Array(data.confirmed);
  const codec = new EngineCodec();
  const refs = new RefResolver(data.cwd);
  let sent = 0;
  let handler: ((message: ToWorker) => void) | undefined;
  runWorkerRuntime({
    send(message: FromWorker): void {
      // Throws, sending nothing, when a value cannot be encoded: the runtime then fails only that call.
      const parts = codec.encode(message);
      const seq = ++sent;
      port.postMessage({ seq, parts } satisfies ThreadOutput, parts.map((p) => p.buffer as ArrayBuffer));
      for (let now = Atomics.load(confirmed, 0); now < seq; now = Atomics.load(confirmed, 0)) Atomics.wait(confirmed, 0, now);
    },
    onMessage(h) {
      handler = h;
    },
  });
  port.on('message', (parts: Uint8Array[]) => {
    handler?.(refs.incoming(codec.decode(parts) as ToWorker));
  });
}
