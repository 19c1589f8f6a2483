// Tasks for the Redis transport's own tests. Workers import this module through its
// portable reference (@futures/redis + test-fixtures/tasks.mjs), resolved from their --cwd.
import { writeFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { defineTasks } from '@futures/core';

/** One client per worker thread, by URL (each runtime thread imports this module once). */
const clients = new Map();
function client(url) {
  let c = clients.get(url);
  if (c === undefined) {
    c = url.startsWith('/') ? new Redis({ path: url }) : new Redis(url);
    c.on('error', () => {});
    clients.set(url, c);
  }
  return c;
}

export const tasks = defineTasks(import.meta.url, {
  /** The side effect the soak counts: INCR of the call's own key, then a short sleep. */
  async incr(url, key, ms) {
    await client(url).incr(key);
    if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
    return key;
  },
  /** Writes this worker's pid to `path` once running, then never returns. */
  markPidThenHang(path) {
    writeFileSync(path, String(process.pid));
    return new Promise(() => {});
  },
  /** Writes this worker's pid to `path` once running, then sleeps `ms` and returns 'late'. */
  async markPidThenSleep(path, ms) {
    writeFileSync(path, String(process.pid));
    await new Promise((resolve) => setTimeout(resolve, ms));
    return 'late';
  },
  /** Keeps the CPU busy for `ms` (no await: the runtime thread never yields). */
  spin(ms) {
    const end = Date.now() + ms;
    let n = 0;
    while (Date.now() < end) n++;
    return n > 0;
  },
  pid() {
    return process.pid;
  },
});
