/**
 * The entry script of every worker thread: it connects the worker runtime of
 * `@futures/core` to `parentPort`, after giving the thread tsx's hooks when
 * the parent runs under tsx.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isPackedRun, runWorkerRuntime, SharedProgress, unpackRun, type ToWorker } from '@futures/core/transport';
import { withPrivateCopies } from './private-copies.js';
import { registerTsxHooks } from './tsx-hooks.js';

if (parentPort === null) {
  throw new Error('@futures/thread-pool: worker.js is the entry of a ThreadPoolExecutor thread; it cannot run on the main thread');
}
const port = parentPort;
// Before any task module is imported (messages wait in the port until the runtime listens).
await registerTsxHooks();

runWorkerRuntime({
  progress: new SharedProgress((workerData as { progress: SharedArrayBuffer }).progress),
  // postMessage throws a DataCloneError synchronously, sending nothing, for a value it cannot clone.
  send(message) {
    // Big results go as a moved copy: one allocation and one copy instead of two (see private-copies.ts).
    const copied = message.t === 'done' ? withPrivateCopies(message.results, undefined) : undefined;
    if (copied === undefined) port.postMessage(message);
    else port.postMessage({ ...message, results: copied.slots }, copied.transfer);
  },
  onMessage(handler) {
    // Calls this thread cannot decode (v8 wrote a value it cannot read back): end the thread with
    // the reason, so the pool fails the calls instead of waiting for them forever.
    port.on('messageerror', (error) => {
      throw new Error(`a message from the pool could not be decoded in this thread: ${error.message}`);
    });
    // Calls come packed (see thread-transport.ts): the runtime reads them as the engine made them.
    port.on('message', (message: unknown) => handler(isPackedRun(message) ? unpackRun(message) : (message as ToWorker)));
  },
  // Retired: process.exit in a worker ends this thread only, even when a task left timers or sockets open.
  close: () => process.exit(0),
});
