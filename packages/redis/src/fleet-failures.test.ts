// Workers that die, stop or keep the CPU busy, with the executor's leaseMs as the only clock.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { BrokenExecutorError, type Future } from '@futures/core';
import { until } from '@futures/executor-tests';
import { BrokenRedisPoolError, RedisPoolExecutor } from '@futures/redis';
import { tasks } from '../test-fixtures/tasks.mjs';
import { RECOMMENDED_MIN_LEASE_MS } from './redis-pool-executor.js';
import { REPO_ROOT, describeWithRedis, startFleet, startRedisServer, startWorkerProcess, type RedisServer, type WorkerProcess } from './redis-server.testing.js';

const LEASE_MS = 1000;

describeWithRedis('RedisPoolExecutor: workers that die or go silent', () => {
  let server: RedisServer;
  const workers: WorkerProcess[] = [];
  const executors: RedisPoolExecutor[] = [];
  let dir: string;
  let pools = 0;

  beforeAll(async () => {
    server = await startRedisServer();
    dir = mkdtempSync(join(tmpdir(), 'futures-redis-failures-'));
  });
  afterEach(async () => {
    await Promise.all(executors.splice(0).map((ex) => ex.shutdown({ cancelFutures: true })));
    await Promise.all(workers.splice(0).map((w) => w.kill()));
  });
  afterAll(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A fresh pool name with `n` workers, and an executor on it. */
  function setup(n: number, options: { leaseMs?: number; maxFleetWorkers?: number } = {}): { pool: string; ex: RedisPoolExecutor } {
    const pool = `p${++pools}`;
    workers.push(...startFleet(server.url, pool, n));
    const ex = new RedisPoolExecutor({ url: server.url, pool, leaseMs: LEASE_MS, ...options });
    executors.push(ex);
    return { pool, ex };
  }

  async function pidFrom(path: string): Promise<number> {
    await until(() => existsSync(path) && readFileSync(path, 'utf8') !== '', 'the call starts in its worker');
    return Number(readFileSync(path, 'utf8'));
  }

  it('kill -9 mid-call fails that call with BrokenRedisPoolError naming the worker within leaseMs + 1 s; the calls behind it run once on the other worker', async () => {
    const { pool, ex } = setup(2, { maxFleetWorkers: 2 });
    // Both workers joined and warm.
    expect(new Set(await Promise.all(Array.from({ length: 20 }, () => ex.submit(tasks.pid)))).size).toBeGreaterThanOrEqual(1);
    const mark = join(dir, `${pool}-pid`);
    const hanging = ex.submit(tasks.markPidThenHang, mark);
    const pid = await pidFrom(mark);
    const behind = Array.from({ length: 10 }, (_, i) => ex.submit(tasks.incr, server.url, `${pool}:behind:${i}`, 5));
    const killedAt = Date.now();
    process.kill(pid, 'SIGKILL');
    const error = (await hanging.exception()) as Error;
    const elapsed = Date.now() - killedAt;
    expect(error).toBeInstanceOf(BrokenRedisPoolError);
    expect(error.message).toMatch(new RegExp(`worker ${pool}-w\\d \\(pid ${pid} on `));
    expect(error.message).toMatch(/markPidThenHang/);
    expect(elapsed).toBeLessThan(LEASE_MS + 1000);
    expect(await Promise.all(behind)).toHaveLength(10);
    for (let i = 0; i < 10; i++) expect(await server.client.get(`${pool}:behind:${i}`)).toBe('1');
    // The survivor ran them: every pid seen now is the other worker's.
    const pids = new Set(await Promise.all(Array.from({ length: 10 }, () => ex.submit(tasks.pid))));
    expect(pids.has(pid)).toBe(false);
  });

  it('SIGSTOP mid-call fails the call after leaseMs; after SIGCONT its late result is ignored and the worker rejoins', async () => {
    const { pool, ex } = setup(1);
    const mark = join(dir, `${pool}-pid`);
    const stopped = ex.submit(tasks.markPidThenSleep, mark, 300);
    const pid = await pidFrom(mark);
    process.kill(pid, 'SIGSTOP');
    const stoppedAt = Date.now();
    try {
      const error = (await stopped.exception()) as Error;
      expect(error).toBeInstanceOf(BrokenRedisPoolError);
      expect(error.message).toMatch(/no heartbeat/);
      expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(LEASE_MS - 400);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    // The late 'late' never lands: the future keeps its error, and the worker serves the next call.
    expect(await ex.submit(tasks.pid)).toBe(pid);
    expect(await stopped.exception()).toBeInstanceOf(BrokenRedisPoolError);
  });

  it('fleet workers stopped (SIGTERM, a deploy) while they join never break the pool: another worker takes their place', async () => {
    const pool = `p${++pools}`;
    const fleet = startFleet(server.url, pool, 4);
    workers.push(...fleet);
    const mark = join(dir, `${pool}-joining`);
    // Each worker writes its pid once it takes the request and runs the initializer, and is not ready until it returns.
    const ex = new RedisPoolExecutor({ url: server.url, pool, leaseMs: LEASE_MS, maxFleetWorkers: 1, initializer: tasks.markPidThenSleep, initargs: [mark, 1000] });
    executors.push(ex);
    const call = ex.submit(tasks.pid);
    const stopped = new Set<number>();
    // Three in a row, each stopped as it joins: as many as make the engine break a pool that cannot start workers.
    for (let i = 0; i < 3; i++) {
      // Read once per look: another joining worker may be rewriting the file (truncated, then written).
      let victim: (typeof fleet)[number] | undefined;
      await until(() => {
        const pid = existsSync(mark) ? Number(readFileSync(mark, 'utf8')) : NaN;
        victim = stopped.has(pid) ? undefined : fleet.find((w) => w.pid === pid);
        return victim !== undefined;
      }, 'a worker joins');
      stopped.add(victim!.pid);
      victim!.child.kill('SIGTERM');
      expect(await victim!.exited).toEqual({ code: 0, signal: null });
    }
    const pid = await call;
    expect(stopped.has(pid)).toBe(false);
    expect(fleet.map((w) => w.pid)).toContain(pid);
  });

  it('at the shortest lease the README advises, CPU-bound calls on every runtime thread of a worker process are never declared lost', async () => {
    // One process, two workers: its supervisors share a main thread while both runtime threads keep the CPU busy.
    const pool = `p${++pools}`;
    workers.push(startWorkerProcess(['--url', server.url, '--pool', pool, '--workers', '2', '--cwd', REPO_ROOT]));
    const ex = new RedisPoolExecutor({ url: server.url, pool, leaseMs: RECOMMENDED_MIN_LEASE_MS });
    executors.push(ex);
    expect(await Promise.all([ex.submit(tasks.spin, 2000), ex.submit(tasks.spin, 2000), ex.submit(tasks.spin, 2000)])).toEqual([true, true, true]);
  }, 20_000);

  it('a 5 s CPU-bound call is never declared lost', async () => {
    const { ex } = setup(1);
    expect(await ex.submit(tasks.spin, 5000)).toBe(true);
  }, 20_000);

  it('soak: 1,000 calls with random worker kills: every future settles, no call runs twice, every success ran exactly once', async () => {
    const pool = `p${++pools}`;
    const fleet = startFleet(server.url, pool, 3);
    workers.push(...fleet);
    const ex = new RedisPoolExecutor({ url: server.url, pool, leaseMs: 1000 });
    executors.push(ex);
    const futures: Future<string>[] = [];
    for (let i = 0; i < 1000; i++) futures.push(ex.submit(tasks.incr, server.url, `${pool}:call:${i}`, 2));
    let settled = false;
    const all = Promise.allSettled(futures).finally(() => (settled = true));
    // Kill a random worker every 250 ms and start a new one in its place: 12 times, or until every
    // future settled. Bounded, so that on a slow machine (where a replacement takes longer than
    // 250 ms to join) the calls still left after the storm show that the pool recovers.
    let replacements = 0;
    while (!settled && replacements < 12) {
      await Promise.race([all, new Promise((resolve) => setTimeout(resolve, 250))]);
      if (settled) break;
      const live = workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null);
      const victim = live[Math.floor(Math.random() * live.length)];
      if (victim !== undefined) process.kill(victim.pid, 'SIGKILL');
      workers.push(...startFleet(server.url, pool, 1).map((w) => w));
      replacements++;
    }
    const outcomes = await all;
    let ok = 0;
    for (let i = 0; i < outcomes.length; i++) {
      const runs = Number((await server.client.get(`${pool}:call:${i}`)) ?? 0);
      const outcome = outcomes[i];
      if (outcome.status === 'fulfilled') {
        ok++;
        expect(runs, `call ${i} succeeded`).toBe(1);
      } else {
        expect(BrokenExecutorError.isInstance(outcome.reason), String(outcome.reason)).toBe(true);
        expect(runs, `call ${i} failed`).toBeLessThanOrEqual(1);
      }
    }
    expect(replacements).toBeGreaterThan(0);
    expect(ok).toBeGreaterThan(500);
  }, 60_000);
});
