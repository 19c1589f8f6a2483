// The shared executor suite (packages/executor-tests) against RedisPoolExecutor, served by two
// separate futures-redis-worker processes of two workers each (the suite's spread tests want four
// workers), on a private redis-server.
// The tests import the built package, as users do: the worker command is dist/cli.js.
import { afterAll, beforeAll } from 'vitest';
import { describeExecutorSuite } from '@futures/executor-tests';
import { BrokenRedisPoolError, RedisPoolExecutor, type RedisPoolOptions } from '@futures/redis';
import { describeWithRedis, REPO_ROOT, startRedisServer, startWorkerProcess, type RedisServer, type WorkerProcess } from './redis-server.testing.js';

describeWithRedis('RedisPoolExecutor with two futures-redis-worker processes', () => {
  let server: RedisServer;
  let fleet: WorkerProcess[];
  beforeAll(async () => {
    server = await startRedisServer();
    fleet = [1, 2].map((n) => startWorkerProcess(['--url', server.url, '--pool', 'suite', '--workers', '2', '--name', `suite-p${n}`, '--cwd', REPO_ROOT]));
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
