import { ThreadPoolExecutor } from '@futures/thread-pool';
import { ProcessPoolExecutor } from '@futures/process-pool';
import { SocketPoolExecutor } from '@futures/socket';
import * as tasks from '/work/main/apps/bench/dist/workers/tasks.js';
for (const Cls of [ThreadPoolExecutor, ProcessPoolExecutor, SocketPoolExecutor]) {
const pool = new Cls({ maxWorkers: 2 });
await Promise.all(Array.from({ length: 400 }, () => pool.submit(tasks.fib, 20)));
const run = async (n, fn, arg) => { const t0 = performance.now(); const fs = Array.from({ length: n }, () => pool.submit(fn, arg));
  await Promise.all(fs); return performance.now() - t0; };
const fibs = [], bursts = [];
for (let r = 0; r < 7; r++) { fibs.push(await run(2000, tasks.fib, 20)); bursts.push(await run(20000, tasks.noop)); }
const med = (a) => a.sort((x, y) => x - y)[a.length >> 1];
console.log(`${Cls.name}: fib med ${med(fibs).toFixed(1)} ms (ratio ${(med(fibs)/63).toFixed(3)} of 63), burst med ${med(bursts).toFixed(1)} ms = ${(20000/med(bursts)).toFixed(0)}k/s`);
await pool.shutdown();
}
