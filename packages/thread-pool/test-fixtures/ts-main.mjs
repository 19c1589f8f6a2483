// Run as `node --import ./ts-loader.mjs ts-main.mjs`: submits a task from a TypeScript module.
import { ThreadPoolExecutor } from '@futures/thread-pool';
import { norm, where } from './ts-tasks.ts';

const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
try {
  const [length, thread] = await Promise.all([pool.submit(norm, { x: 3, y: 4 }), pool.submit(where)]);
  console.log(JSON.stringify({ length, inWorker: thread !== 0 }));
} finally {
  await pool.shutdown();
}
