// Tasks for the thread-pool tests. Plain JavaScript so that worker threads import it as is.
import { threadId } from 'node:worker_threads';
import { defineTasks } from '@futures/core';

export const tasks = defineTasks(import.meta.url, {
  echo(value) {
    return value;
  },
  add(a, b) {
    return a + b;
  },
  threadId() {
    return threadId;
  },
  /** Sum of the bytes of an ArrayBuffer. */
  byteSum(buffer) {
    return new Uint8Array(buffer).reduce((sum, b) => sum + b, 0);
  },
  /** Writes `value` at `index` of a shared Int32Array and wakes whoever waits on it. */
  writeShared(shared, index, value) {
    const view = new Int32Array(shared);
    Atomics.store(view, index, value);
    Atomics.notify(view, index);
  },
  /** Sets the first slot of `started` to 1 (so the caller knows the call runs), then never returns. */
  spin(started) {
    const view = new Int32Array(started);
    Atomics.store(view, 0, 1);
    Atomics.notify(view, 0);
    for (;;);
  },
  exitWith(code) {
    process.exit(code);
  },
  /** Throws outside any call (from a later turn of the event loop), which kills the thread. */
  throwOutside(message) {
    setImmediate(() => {
      throw new Error(message);
    });
    return new Promise(() => {});
  },
  /** Allocates until the heap limit is hit. */
  exhaustMemory() {
    const hoard = [];
    for (;;) hoard.push(new Array(100_000).fill(hoard.length));
  },
  env(key) {
    return process.env[key];
  },
  failInit(message) {
    throw new Error(message);
  },
});
