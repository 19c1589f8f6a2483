// A program that uses a SocketPoolExecutor and never shuts it down: it must still exit on its own,
// and take its socket file, its directory and its workers with it.
import { SocketPoolExecutor } from '@futures/socket';
import { tasks } from './tasks.mjs';

// With a count as argument, that many workers are started at once (minWorkers), most still joining when it ends.
const workers = Number(process.argv[2] ?? 1);
const pool = new SocketPoolExecutor({ maxWorkers: workers, minWorkers: workers });
const pid = await pool.submit(tasks.pid);
process.stdout.write(`${JSON.stringify({ address: pool.address, pid })}\n`);
