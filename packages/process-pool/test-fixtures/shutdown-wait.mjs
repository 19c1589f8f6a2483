// Run as its own process: awaits shutdown() of pools whose last calls finish as they shut down.
// With nothing else to keep the event loop alive, the process must still wait for each
// shutdown to complete (exit code 13 would mean a top-level await never settled).
import { ProcessPoolExecutor } from '@futures/process-pool';
import { tasks } from './tasks.mjs';

for (let i = 0; i < 10; i++) {
  const pool = new ProcessPoolExecutor({ maxWorkers: 2 });
  const calls = [pool.submit(tasks.add, 1, 2), pool.submit(tasks.add, 3, 4), pool.submit(tasks.add, 5, 6)];
  await pool.shutdown();
  await Promise.all(calls);
}
console.log('done');
