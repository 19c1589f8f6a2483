// Tasks for the process-pool tests. Plain JavaScript so that children import it as is.
import { writeFileSync } from 'node:fs';
import { defineTasks } from '@futures/core';

export const tasks = defineTasks(import.meta.url, {
  echo(value) {
    return value;
  },
  add(a, b) {
    return a + b;
  },
  pid() {
    return process.pid;
  },
  /** Leaves a timer running in the child, which alone would keep a process alive; returns the pid. */
  holdOpen() {
    setInterval(() => {}, 60_000);
    return process.pid;
  },
  /** Its pid, after `ms` of work: long enough that the pool sends such calls one at a time. */
  slowPid(ms) {
    const end = performance.now() + ms;
    while (performance.now() < end);
    return process.pid;
  },
  title() {
    return process.title;
  },
  /** Writes `marker`, then computes for ever: the child's main thread never gets back to its events. */
  spinForever(marker) {
    writeFileSync(marker, '');
    for (;;);
  },
  /** Never settles: the call runs until its child is ended. */
  hang() {
    return new Promise(() => {});
  },
  exitWith(code) {
    process.exit(code);
  },
  killSelf(signal) {
    process.kill(process.pid, signal);
    return new Promise(() => {});
  },
  makeFunction() {
    return () => 1;
  },
  startup() {
    return { execArgv: process.execArgv, env: process.env.FUTURES_PROCESS_TEST };
  },
  failInit(message) {
    throw new Error(message);
  },
});
