// A script whose last lines come after `await shutdown()`: they must run (nothing else holds the event loop
// open while the executor shuts down). Usage: node shutdown-in-script.mjs URL POOL LOCAL_WORKERS [timeout] —
// prints the worker's pid, then (with `timeout`) the name of the error of a call ended by its timeout,
// then 'shut down'.
import { RedisPoolExecutor } from '@futures/redis';
import { tasks } from './tasks.mjs';

const [url, pool, local, then] = process.argv.slice(2);
const ex = new RedisPoolExecutor({ url, pool, maxWorkers: Number(local) });
console.log(await ex.submit(tasks.pid));
if (then === 'timeout') console.log((await ex.with({ timeout: 100 }).submit(tasks.markPidThenHang, '/dev/null').exception()).name);
await ex.shutdown();
console.log('shut down');
