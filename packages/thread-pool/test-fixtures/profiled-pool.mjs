// Run as its own process under --cpu-prof: a pool named 'resize' runs one call and shuts down.
import { ThreadPoolExecutor } from '@futures/thread-pool';
import { tasks } from './tasks.mjs';

const pool = new ThreadPoolExecutor({ maxWorkers: 1, name: 'resize' });
console.log(await pool.submit(tasks.echo, 'done'));
await pool.shutdown();
