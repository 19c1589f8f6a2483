// Run as its own process: creates a pool, runs one call and never shuts the pool down.
// The process must still exit by itself once the call is done.
import { ThreadPoolExecutor } from '@futures/thread-pool';
import { tasks } from './tasks.mjs';

const pool = new ThreadPoolExecutor({ maxWorkers: 2 });
console.log(await pool.submit(tasks.echo, 'done'));
