// A program whose process will be SIGKILLed while its two spawned workers are alive, one of them inside a
// CPU-bound call that never ends: it prints their pids and waits.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SocketPoolExecutor } from '@futures/socket';
import { tasks } from './tasks.mjs';

const pool = new SocketPoolExecutor({ maxWorkers: 2 });
const pids = await Promise.all([pool.submit(tasks.sleepThenPid, 200), pool.submit(tasks.sleepThenPid, 200)]);
const dir = mkdtempSync(join(tmpdir(), 'futures-spin-'));
const marker = join(dir, 'spinning');
void pool.submit(tasks.spinForever, marker);
// That worker never reads its socket again: only its watch (parent-watch.ts in @futures/core) can end it.
while (!existsSync(marker)) await new Promise((resolve) => setTimeout(resolve, 5));
rmSync(dir, { recursive: true, force: true });
process.stdout.write(`${JSON.stringify({ address: pool.address, pids })}\n`);
setInterval(() => {}, 1_000);
