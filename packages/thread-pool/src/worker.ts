/**
 * The entry script of every worker thread: it connects the worker runtime of
 * `@futures/core` to `parentPort` and does nothing else.
 */
import { parentPort } from 'node:worker_threads';
import { runWorkerRuntime, type ToWorker } from '@futures/core';
import { CLOSE_MESSAGE } from './close-message.js';

if (parentPort === null) {
  throw new Error('@futures/thread-pool: worker.js is the entry of a ThreadPoolExecutor thread; it cannot run on the main thread');
}
const port = parentPort;

runWorkerRuntime({
  // postMessage throws a DataCloneError synchronously, sending nothing, for a value it cannot clone.
  send: (message) => port.postMessage(message),
  onMessage(handler) {
    port.on('message', (message: ToWorker | typeof CLOSE_MESSAGE) => {
      // process.exit in a worker ends this thread only, even when a task left timers or sockets open.
      if (message === CLOSE_MESSAGE) process.exit(0);
      else handler(message);
    });
  },
});
