// Run as its own process by the parent-death test: starts a pool with both children up (one of
// them busy in a call), prints the children's pids as one JSON line, then waits to be killed.
import { execFileSync } from 'node:child_process';
import { ProcessPoolExecutor } from '@futures/process-pool';
import { tasks } from './tasks.mjs';

const pool = new ProcessPoolExecutor({ maxWorkers: 2 });
// The first child to be ready takes the endless call, so the second call runs on the other child,
// which it leaves with a timer running: that child must exit all the same.
void pool.submit(tasks.hang);
const answered = await pool.submit(tasks.holdOpen);
const children = execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' })
  .trim()
  .split('\n')
  .map((line) => line.trim().split(/\s+/))
  .filter(([, comm]) => comm !== 'ps')
  .map(([pid]) => Number(pid));
if (children.length !== 2 || !children.includes(answered)) throw new Error(`unexpected children: ${children}`);
console.log(JSON.stringify(children));
setInterval(() => {}, 1_000);
