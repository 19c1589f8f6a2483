// An executor that is never shut down: the process must still exit once nothing is pending.
// Usage: node forgotten-pool.mjs URL POOL — prints the local worker's pid.
import { RedisPoolExecutor } from '@futures/redis';
import { tasks } from './tasks.mjs';

const [url, pool] = process.argv.slice(2);
const ex = new RedisPoolExecutor({ url, pool, maxWorkers: 1 });
console.log(await ex.submit(tasks.pid));
