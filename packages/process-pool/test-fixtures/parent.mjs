// Run as its own process by the parent-death test: starts a pool with both children up (one of
// them inside a CPU-bound call that never ends), prints the children's pids as one JSON line, then
// waits to be killed.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProcessPoolExecutor } from '@futures/process-pool';
import { tasks } from './tasks.mjs';

const pool = new ProcessPoolExecutor({ maxWorkers: 2 });
const dir = mkdtempSync(join(tmpdir(), 'futures-parent-'));
const marker = join(dir, 'spinning');
// The first child to be ready takes the endless call, so the second call runs on the other child,
// which it leaves with a timer running: that child must exit all the same.
void pool.submit(tasks.spinForever, marker);
const answered = await pool.submit(tasks.holdOpen);
// The spinning child never reads its channel again: only its watch (parent-watch.ts) can end it.
while (!existsSync(marker)) await new Promise((resolve) => setTimeout(resolve, 5));
rmSync(dir, { recursive: true, force: true });
const children = execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' })
  .trim()
  .split('\n')
  .map((line) => line.trim().split(/\s+/))
  .filter(([, comm]) => comm !== 'ps')
  .map(([pid]) => Number(pid));
if (children.length !== 2 || !children.includes(answered)) throw new Error(`unexpected children: ${children}`);
console.log(JSON.stringify(children));
setInterval(() => {}, 1_000);
