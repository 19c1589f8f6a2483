// Run as `node --import ./ts-loader.mjs ts-main.mjs`: submits a task from a TypeScript module.
import { ProcessPoolExecutor } from '@futures/process-pool';
import { norm, where } from './ts-tasks.ts';

const pool = new ProcessPoolExecutor({ maxWorkers: 1 });
try {
  const [length, pid] = await Promise.all([pool.submit(norm, { x: 3, y: 4 }), pool.submit(where)]);
  console.log(JSON.stringify({ length, inWorker: pid !== process.pid }));
} finally {
  await pool.shutdown();
}
