// A program that uses a SocketPoolExecutor and never shuts it down: it must still exit on its own,
// and take its socket file, its directory and its workers with it.
import { SocketPoolExecutor } from '@futures/socket';
import { tasks } from './tasks.mjs';

const pool = new SocketPoolExecutor({ maxWorkers: 1 });
const pid = await pool.submit(tasks.pid);
process.stdout.write(`${JSON.stringify({ address: pool.address, pid })}\n`);
