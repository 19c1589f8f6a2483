// A connection dropped just after Redis ran a blocking read: the frames it took are gone with the reply.
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { BrokenRedisPoolError, RedisConnectionError, RedisPoolExecutor } from '@futures/redis';
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
    // Workers first: an executor still waiting for a lost result (the failure these tests look for) then settles it.
    await Promise.all(workers.splice(0).map((w) => w.kill()));
    await Promise.all(executors.splice(0).map((ex) => ex.shutdown({ cancelFutures: true })));
  });
  afterAll(async () => {
    await cutter.close();
    await server.stop();
  });

  /** One worker on `workerUrl`, an executor on `executorUrl`, and a first call through both. */
  async function joined(pool: string, workerUrl: string, executorUrl: string): Promise<RedisPoolExecutor> {
    workers.push(...startFleet(workerUrl, pool, 1));
    const ex = new RedisPoolExecutor({ url: executorUrl, pool, leaseMs: 1000 });
    executors.push(ex);
    expect(await ex.submit(tasks.incr, server.url, `${pool}:warm`, 0)).toBe(`${pool}:warm`);
    return ex;
  }

  it("the executor's outbox read unanswered (its connection stays up, the other one answers): the pool breaks with BrokenRedisPoolError within 10 s past the read's block time", async () => {
    const ex = await joined('stall-out', server.url, cutter.path);
    void cutter.stallNextRead(':out:');
    const stalledAt = Date.now();
    const error = (await ex.submit(tasks.pid).exception()) as Error;
    expect(Date.now() - stalledAt).toBeLessThan(10_000 + 1_000 + 1_500);
    expect(error).toBeInstanceOf(BrokenRedisPoolError);
    expect(RedisConnectionError.isInstance(error.cause)).toBe(true);
    expect(error.message).toMatch(/did not answer for 10 s on the outbox reader's connection/);
    expect(() => ex.submit(tasks.pid)).toThrow(BrokenRedisPoolError);
  }, 20_000);

  it("the executor's outbox read: the call whose result was lost fails with BrokenRedisPoolError instead of waiting for ever", async () => {
    const ex = await joined('cut-out', server.url, cutter.path);
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
    const ex = await joined('cut-in', cutter.path, server.url);
    const cut = cutter.cutNextRead(':in:');
    const call = ex.submit(tasks.incr, server.url, 'cut-in:lost', 0);
    await cut;
    expect(await call).toBe('cut-in:lost');
    expect(await server.client.get('cut-in:lost')).toBe('1');
  });

  it("a worker's inbox read unanswered (its connection stays up, its heartbeat goes on): the session ends as for a cut, and the call it never got runs once", async () => {
    const ex = await joined('stall-in', cutter.path, server.url);
    // The read that takes the call's frame gets no reply: the frame is gone from the inbox, never delivered.
    // (A call first, so that the runtime sends a fresh read with its result rather than after its block time.)
    const stalled = cutter.stallNextRead(':in:');
    expect(await ex.submit(tasks.incr, server.url, 'stall-in:before', 0)).toBe('stall-in:before');
    await stalled;
    expect(await ex.submit(tasks.incr, server.url, 'stall-in:call', 0)).toBe('stall-in:call');
    expect(await server.client.get('stall-in:call')).toBe('1');
  }, 30_000);

  it('a worker whose inbox read is cut while it joins is replaced, and that never counts as a failed start', async () => {
    workers.push(...startFleet(cutter.path, 'cut-join', 1));
    const ex = new RedisPoolExecutor({ url: server.url, pool: 'cut-join', leaseMs: 1000 });
    executors.push(ex);
    // Three joins in a row cut before ready: as many failed starts as break a pool, were they counted.
    let cut = cutter.cutNextRead(':in:');
    const call = ex.submit(tasks.incr, server.url, 'cut-join:call', 0);
    for (let i = 1; i < 3; i++) {
      await cut;
      cut = cutter.cutNextRead(':in:');
    }
    await cut;
    expect(await call).toBe('cut-join:call');
    expect(await server.client.get('cut-join:call')).toBe('1');
  });
});
