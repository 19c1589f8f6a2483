// A program with maxWorkers 0 whose call waits for a worker to join from outside: the wait alone
// must keep it alive. It prints where to connect, then the pid of the worker that ran the call.
import { SocketPoolExecutor } from '@futures/socket';
import { tasks } from './tasks.mjs';

const pool = new SocketPoolExecutor({ maxWorkers: 0, token: 'waiting-token' });
const future = pool.submit(tasks.pid);
process.stdout.write(`${JSON.stringify({ address: pool.address })}\n`);
process.stdout.write(`${JSON.stringify({ ranIn: await future })}\n`);
await pool.shutdown();
