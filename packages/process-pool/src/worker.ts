/**
 * The entry script of every child process: it connects the worker runtime of
 * `@futures/core` to the IPC channel and does nothing else.
 */
import { deserialize, serialize } from 'node:v8';
import { encodeError, inheritedProgress, isPackedRun, packDone, runWorkerRuntime, unpackRun, watchParent, type FromWorker, type ToWorker } from '@futures/core/transport';

const send = process.send?.bind(process);
if (send === undefined) {
  throw new Error('@futures/process-pool: worker.js is the entry of a ProcessPoolExecutor child; start it with fork()');
}
const title = process.argv[2];
if (title) process.title = title;

// The channel disconnects when the parent dies, however it dies: the child must not outlive it.
process.on('disconnect', () => process.exit(0));
// The disconnect is heard only between calls; a CPU-bound call would keep running (parent-watch.ts).
watchParent();

/**
 * A write that fails (EPIPE: the parent is gone or has just closed the channel) would otherwise be
 * an uncaught 'error' on process; the disconnect that follows ends this child.
 */
function ignoreWriteError(): void {}

/**
 * v8 writes some values that it cannot read back (an Error whose `cause` leads back to itself),
 * and a message the parent cannot read fails inside Node's IPC reader, out of reach of any
 * handler. Results holding an Error are checked here so that such a value fails its call instead.
 */
function checkReadable(message: FromWorker): void {
  if (message.t !== 'done') return;
  const results = message.results;
  for (let i = 2; i < results.length; i += 3) {
    if (mayHoldError(results[i])) deserialize(serialize(results[i]));
  }
}

/** An Error, or a small array or plain object with an Error in it (a shallow look: cheap on big values). */
function mayHoldError(value: unknown): boolean {
  if (value instanceof Error) return true;
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) return false;
  if (Array.isArray(value)) return value.length <= 64 && value.some((v) => v instanceof Error);
  if (Object.getPrototypeOf(value) !== Object.prototype) return false;
  const values = Object.values(value);
  return values.length <= 64 && values.some((v) => v instanceof Error);
}

// An error no call caught (a timer a finished task left behind throws) is about to end this child: tell the
// parent what it was, so the call that fails with the child names the cause (process-transport.ts).
process.on('uncaughtExceptionMonitor', (error) => {
  try {
    if (process.connected) send({ t: 'uncaught', error: encodeError(error) }, undefined, undefined, ignoreWriteError);
  } catch {
    // The exit's code still tells the parent that the child failed.
  }
});

runWorkerRuntime({
  // The board the parent passed as an inherited file descriptor (see process-transport.ts).
  progress: inheritedProgress(),
  send(message: FromWorker) {
    // After a disconnect nobody is listening; the exit above is already on its way.
    // While connected, send throws synchronously, sending nothing, when the v8 serializer refuses a value.
    checkReadable(message);
    // Results go flattened: an object and its keys cost the parent more to read than the values (protocol.ts).
    if (process.connected) send(message.t === 'done' ? packDone(message) : message, undefined, undefined, ignoreWriteError);
  },
  onMessage(handler: (message: ToWorker) => void) {
    // Calls come packed (see process-transport.ts): the runtime reads them as the engine made them.
    process.on('message', (message) => handler(isPackedRun(message) ? unpackRun(message) : (message as ToWorker)));
  },
  // Retired: exit at once, even when a task left timers or sockets open (every result was sent).
  close: () => process.exit(0),
});
