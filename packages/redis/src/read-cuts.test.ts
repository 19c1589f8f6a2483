// A connection dropped just after Redis ran a blocking read: the frames it took are gone with the reply.
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { BrokenRedisPoolError, RedisPoolExecutor } from '@futures/redis';
import { tasks } from '../test-fixtures/tasks.mjs';
import { describeWithRedis, startFleet, startRedisServer, startReplyCutter, type RedisServer, type ReplyCutter, type WorkerProcess } from './redis-server.testing.js';

describeWithRedis('RedisPoolExecutor: a read cut with its reply in flight', () => {
  let server: RedisServer;
  let cutter: ReplyCutter;
  const workers: WorkerProcess[] = [];
  const executors: RedisPoolExecutor[] = [];

  beforeAll(async () => {
    server = await startRedisServer();
    cutter = await startReplyCutter(server.url);
  });
  afterEach(async () => {
    await Promise.all(executors.splice(0).map((ex) => ex.shutdown({ cancelFutures: true })));
    await Promise.all(workers.splice(0).map((w) => w.kill()));
  });
  afterAll(async () => {
    await cutter.close();
    await server.stop();
  });

  it("the executor's outbox read: the call whose result was lost fails with BrokenRedisPoolError instead of waiting for ever", async () => {
    workers.push(...startFleet(server.url, 'cut-out', 1));
    const ex = new RedisPoolExecutor({ url: cutter.path, pool: 'cut-out', leaseMs: 1000 });
    executors.push(ex);
    expect(await ex.submit(tasks.incr, server.url, 'cut-out:warm', 0)).toBe('cut-out:warm');
    const cut = cutter.cutNextRead(':out:');
    const call = ex.submit(tasks.incr, server.url, 'cut-out:lost', 0);
    await cut;
    const error = (await call.exception()) as Error;
    expect(error).toBeInstanceOf(BrokenRedisPoolError);
    expect(error.message).toMatch(/results may be lost/);
    expect(await server.client.get('cut-out:lost')).toBe('1');
    // The worker rejoined: the pool goes on.
    expect(await ex.submit(tasks.incr, server.url, 'cut-out:after', 0)).toBe('cut-out:after');
    expect(await server.client.get('cut-out:after')).toBe('1');
  });

  it("a worker's inbox read: the calls it never got go back to the queue and run once", async () => {
    workers.push(...startFleet(cutter.path, 'cut-in', 1));
    const ex = new RedisPoolExecutor({ url: server.url, pool: 'cut-in', leaseMs: 1000 });
    executors.push(ex);
    expect(await ex.submit(tasks.incr, server.url, 'cut-in:warm', 0)).toBe('cut-in:warm');
    const cut = cutter.cutNextRead(':in:');
    const call = ex.submit(tasks.incr, server.url, 'cut-in:lost', 0);
    await cut;
    expect(await call).toBe('cut-in:lost');
    expect(await server.client.get('cut-in:lost')).toBe('1');
  });
});
