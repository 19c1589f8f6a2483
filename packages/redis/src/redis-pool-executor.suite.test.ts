// The shared executor suite (packages/executor-tests) against RedisPoolExecutor, served by two
// fleet workers started as separate futures-redis-worker processes, on a private redis-server.
// The tests import the built package, as users do: the worker command is dist/cli.js.
import { afterAll, beforeAll } from 'vitest';
import { describeExecutorSuite } from '@futures/executor-tests';
import { BrokenRedisPoolError, RedisPoolExecutor, type RedisPoolOptions } from '@futures/redis';
import { describeWithRedis, startFleet, startRedisServer, type RedisServer, type WorkerProcess } from './redis-server.testing.js';

describeWithRedis('RedisPoolExecutor with two futures-redis-worker processes', () => {
  let server: RedisServer;
  let fleet: WorkerProcess[];
  beforeAll(async () => {
    server = await startRedisServer();
    fleet = startFleet(server.url, 'suite', 2);
  });
  afterAll(async () => {
    await Promise.all(fleet.map((w) => w.kill()));
    await server.stop();
  });

  describeExecutorSuite('RedisPoolExecutor', {
    // The suite's maxWorkers means "workers this executor uses": here, fleet workers
    // (RedisPoolExecutor's own maxWorkers counts local processes it spawns). Invalid
    // values go through unchanged, so that the suite sees them refused.
    create: (options = {}) => {
      const { maxWorkers, ...rest } = options;
      const mapped = typeof maxWorkers === 'number' && Number.isInteger(maxWorkers) && maxWorkers >= 1 ? { maxFleetWorkers: maxWorkers } : { maxWorkers };
      return new RedisPoolExecutor({ url: server.url, pool: 'suite', leaseMs: 1000, ...mapped, ...rest } as RedisPoolOptions);
    },
    pool: true,
    realWorkers: true,
    brokenError: BrokenRedisPoolError,
  });
});
