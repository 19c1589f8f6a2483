import { afterAll, beforeAll, expect, it } from 'vitest';
import { RedisPoolExecutor } from '@futures/redis';
import { tasks } from '@futures/executor-tests/fixtures/tasks.mjs';
import { describeWithRedis, startFleet, startRedisServer, type RedisServer, type WorkerProcess } from './redis-server.testing.js';

describeWithRedis('smoke', () => {
  let server: RedisServer;
  let fleet: WorkerProcess[];
  beforeAll(async () => {
    server = await startRedisServer();
    fleet = startFleet(server.url, 'smoke', 2);
  });
  afterAll(async () => {
    await Promise.all(fleet.map((w) => w.kill()));
    await server.stop();
  });
  it('runs', async () => {
    const ex = new RedisPoolExecutor({ url: server.url, pool: 'smoke' });
    try {
      expect(await ex.submit(tasks.add, 1, 2)).toBe(3);
      expect(await ex.submit((a: number) => a * 2, 21)).toBe(42);
      const t0 = performance.now();
      const fs = Array.from({ length: 2000 }, (_, i) => ex.submit(tasks.add, i, 1));
      expect((await Promise.all(fs)).length).toBe(2000);
      console.log('2000 calls', performance.now() - t0);
    } finally {
      await ex.shutdown();
    }
  });
});
