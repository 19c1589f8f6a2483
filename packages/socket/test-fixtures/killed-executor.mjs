// A program whose process will be SIGKILLed while its two spawned workers are alive: it prints their pids and waits.
import { SocketPoolExecutor } from '@futures/socket';
import { tasks } from './tasks.mjs';

const pool = new SocketPoolExecutor({ maxWorkers: 2 });
const pids = await Promise.all([pool.submit(tasks.sleepThenPid, 200), pool.submit(tasks.sleepThenPid, 200)]);
process.stdout.write(`${JSON.stringify({ address: pool.address, pids })}\n`);
setInterval(() => {}, 1_000);
