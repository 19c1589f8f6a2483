// Redis or the executor dies: nothing hangs, nothing is left behind, the fleet goes on.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { until } from '@futures/executor-tests';
import { BrokenRedisPoolError, RedisConnectionError, RedisPoolExecutor } from '@futures/redis';
import { tasks } from '../test-fixtures/tasks.mjs';
import { describeWithRedis, startFleet, startRedisServer, type RedisServer, type WorkerProcess } from './redis-server.testing.js';

const KILLED_EXECUTOR = fileURLToPath(new URL('../test-fixtures/killed-executor.mjs', import.meta.url));

describeWithRedis('RedisPoolExecutor: Redis or the executor dies', () => {
  let server: RedisServer;
  const workers: WorkerProcess[] = [];
  let dir: string;

  beforeAll(async () => {
    server = await startRedisServer();
    dir = mkdtempSync(join(tmpdir(), 'futures-redis-outages-'));
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.kill()));
  });
  afterAll(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('an executor killed with SIGKILL leaves no keys after leaseMs, and its workers serve a new executor', async () => {
    const pool = 'killed';
    workers.push(...startFleet(server.url, pool, 2));
    const mark = join(dir, 'killed-pid');
    const child = spawn(process.execPath, [KILLED_EXECUTOR, server.url, pool, '1000', mark], { stdio: 'inherit' });
    const closed = once(child, 'close');
    try {
      await until(() => existsSync(mark), 'the executor runs its call', 15_000);
    } finally {
      child.kill('SIGKILL');
      await closed;
    }
    const executorKeys = async () => [...(await server.client.keys(`futures:{${pool}}:x:*`)), ...(await server.client.keys(`futures:{${pool}}:out:*`))];
    expect((await executorKeys()).length).toBeGreaterThan(0);
    const deadline = Date.now() + 1000 + 1000;
    for (let left = await executorKeys(); left.length > 0; left = await executorKeys()) {
      expect(Date.now(), `still there: ${left.join(', ')}`).toBeLessThan(deadline);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const ex = new RedisPoolExecutor({ url: server.url, pool, maxFleetWorkers: 2 });
    try {
      // Both workers, the one that was running the dead executor's endless call too.
      const seen = new Set<number>();
      const fleetPids = new Set(workers.map((w) => w.pid));
      while (seen.size < 2) {
        const pids = await Promise.all(Array.from({ length: 8 }, () => ex.submit(tasks.incr, server.url, 'killed:spread', 20).then(() => ex.submit(tasks.pid))));
        for (const pid of pids) seen.add(pid);
      }
      expect([...seen].every((pid) => fleetPids.has(pid))).toBe(true);
    } finally {
      await ex.shutdown();
    }
    // Its own keys go on shutdown: shutdown() resolves once the transport has closed.
    expect(await server.client.keys(`futures:{${pool}}:x:*`)).toEqual([]);
  }, 30_000);

  it('Redis killed mid-run: every pending future fails with BrokenRedisPoolError within 10 s, and submit throws it', async () => {
    const own = await startRedisServer();
    try {
      workers.push(...startFleet(own.url, 'doomed', 1));
      const ex = new RedisPoolExecutor({ url: own.url, pool: 'doomed', leaseMs: 1000 });
      const mark = join(dir, 'doomed-pid');
      const running = ex.submit(tasks.markPidThenSleep, mark, 60_000);
      const queued = [ex.submit(tasks.pid), ex.submit(tasks.pid)];
      await until(() => existsSync(mark), 'the call runs');
      const killedAt = Date.now();
      await own.stop();
      const errors = (await Promise.all([running, ...queued].map((f) => f.exception()))) as Error[];
      expect(Date.now() - killedAt).toBeLessThan(10_000 + 1_500);
      for (const error of errors) expect(error).toBeInstanceOf(BrokenRedisPoolError);
      expect(errors.some((e) => RedisConnectionError.isInstance(e.cause))).toBe(true);
      expect(() => ex.submit(tasks.pid)).toThrow(BrokenRedisPoolError);
      await ex.shutdown();
    } finally {
      await own.stop();
    }
  }, 30_000);

  it('Redis hung (SIGSTOP): a call submitted then fails with BrokenRedisPoolError within 10 s; the fleet worker reconnects, and serves again once Redis resumes', async () => {
    const own = await startRedisServer();
    let stopped = false;
    try {
      const [worker] = startFleet(own.url, 'hung', 1);
      workers.push(worker);
      const ex = new RedisPoolExecutor({ url: own.url, pool: 'hung', leaseMs: 1000 });
      expect(await ex.submit(tasks.pid)).toBe(worker.pid);
      process.kill(own.pid, 'SIGSTOP');
      stopped = true;
      const hungAt = Date.now();
      const error = (await ex.submit(tasks.pid).exception()) as Error;
      expect(Date.now() - hungAt).toBeLessThan(10_000 + 1_500);
      expect(error).toBeInstanceOf(BrokenRedisPoolError);
      expect(RedisConnectionError.isInstance(error.cause)).toBe(true);
      expect((error.cause as RedisConnectionError).code).toBe('ERR_REDIS_UNREACHABLE');
      expect(() => ex.submit(tasks.pid)).toThrow(BrokenRedisPoolError);
      await ex.shutdown();
      // The worker does not wait for ever on a connection that nobody answers: it drops it and connects again.
      await until(() => worker.stderr().includes('Redis did not answer a blocking read for 10 s: reconnecting'), 'the worker notices', 5_000);
      process.kill(own.pid, 'SIGCONT');
      stopped = false;
      // Then it goes on, as after an outage, and serves the next executor.
      const next = new RedisPoolExecutor({ url: own.url, pool: 'hung', leaseMs: 1000 });
      try {
        expect(await next.submit(tasks.pid)).toBe(worker.pid);
      } finally {
        await next.shutdown();
      }
    } finally {
      if (stopped) process.kill(own.pid, 'SIGCONT');
      await own.stop();
    }
  }, 30_000);
});
