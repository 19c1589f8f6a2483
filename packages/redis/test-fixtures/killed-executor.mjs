// An executor in a process of its own, which the test kills with SIGKILL mid-call.
// Usage: node killed-executor.mjs URL POOL LEASE_MS MARK_PATH
import { RedisPoolExecutor } from '@futures/redis';
import { tasks } from './tasks.mjs';

const [url, pool, leaseMs, mark] = process.argv.slice(2);
const ex = new RedisPoolExecutor({ url, pool, leaseMs: Number(leaseMs), maxFleetWorkers: 2 });
// Two calls: one that never returns (its worker is busy when we die), one that finishes.
ex.submit(tasks.markPidThenHang, mark);
ex.submit(tasks.pid);
