/**
 * A worker process dies with the process that started it, even in the
 * middle of a call.
 *
 * A child notices its parent's death when its channel closes (the IPC
 * `disconnect`, the socket's `close`), but only on its main thread, which a
 * CPU-bound call holds until it returns: an endless loop, or a call of an
 * hour, would outlive a SIGKILLed executor for that long, burning a core
 * whose result nobody can read. So the child starts a small watch thread
 * that looks every {@link PARENT_WATCH_MS} whether its parent is still its
 * parent (a dead parent's children are re-parented) and kills the process
 * when it is not. It costs one idle thread (about 3 MB) per worker process.
 *
 * Where processes are not re-parented (Windows), there is no watch, and the
 * channel's close ends an idle child as before.
 */
import { Worker } from 'node:worker_threads';

/** How often (ms) the watch thread looks at its process's parent. */
export const PARENT_WATCH_MS = 500;

/** The watch thread: plain CommonJS (an eval worker), no loader, nothing inherited. */
const WATCH_SOURCE = `
const { workerData } = require('node:worker_threads');
setInterval(() => {
  if (process.ppid !== workerData.parent) process.kill(process.pid, 'SIGKILL');
}, workerData.everyMs);
`;

/**
 * Starts the watch for the calling process, whose parent is the executor
 * `parent` that started it (by default its parent now; an executor that may
 * have died before this process even started passes its pid along, see the
 * socket worker). Does nothing on Windows, or when the thread cannot start
 * (out of memory or descriptors: the child then lives as before).
 */
export function watchParent(parent = process.ppid, everyMs = PARENT_WATCH_MS): void {
  if (process.platform === 'win32') return;
  let watch: Worker;
  try {
    watch = new Worker(WATCH_SOURCE, {
      eval: true,
      workerData: { parent, everyMs },
      // Not the parent's flags: a loader or --cpu-prof is for the worker's tasks, not for this loop.
      execArgv: [],
      env: {},
      resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 2 },
    });
  } catch {
    return;
  }
  // It must never keep the process alive, nor crash it.
  watch.unref();
  watch.on('error', () => {});
}
