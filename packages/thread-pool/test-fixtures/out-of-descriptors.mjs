// Starts a pool while this process is out of file descriptors, and frees them a moment later:
// the threads that could not initialize (EMFILE) are started again, and the calls run.
// Run under a low `ulimit -n`, so that running out is quick.
import { closeSync, openSync } from 'node:fs';
import { ThreadPoolExecutor } from '@futures/thread-pool';

const pool = new ThreadPoolExecutor({ maxWorkers: 2 });
const fds = [];
try {
  for (;;) fds.push(openSync('/dev/null', 'r'));
} catch {
  // Out of descriptors, but for a few: a thread is made, and then cannot initialize (EMFILE).
  for (const fd of fds.splice(0, 6)) closeSync(fd);
}
const calls = [pool.submit((x) => x + 1, 1), pool.submit((x) => x + 1, 2)];
setTimeout(() => {
  for (const fd of fds) closeSync(fd);
}, 1_000);
try {
  console.log((await Promise.all(calls)).join(','));
} finally {
  await pool.shutdown();
}
