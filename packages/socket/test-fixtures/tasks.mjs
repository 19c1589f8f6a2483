// Tasks for the socket-specific tests. Workers import this module by URL, so it is plain JavaScript.
import { writeFileSync } from 'node:fs';
import { defineTasks } from '@futures/core';

export const tasks = defineTasks(import.meta.url, {
  add(a, b) {
    return a + b;
  },
  echo(value) {
    return value;
  },
  pid() {
    return process.pid;
  },
  async sleepThenPid(ms) {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return process.pid;
  },
  /** Never settles: only a kill or a disconnect ends it. */
  forever() {
    return new Promise(() => {});
  },
  /** Writes `marker`, then computes for ever: the worker's main thread never gets back to its events. */
  spinForever(marker) {
    writeFileSync(marker, '');
    for (;;);
  },
  bytes(n) {
    return new Uint8Array(n);
  },
  byteSum(bytes) {
    let sum = 0;
    for (const b of new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)) sum += b;
    return sum;
  },
  env(key) {
    return process.env[key];
  },
});
