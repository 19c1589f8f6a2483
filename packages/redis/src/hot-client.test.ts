import { afterAll, beforeAll, expect, it } from 'vitest';
import { hotClient, type HotClient } from './hot-client.js';
import { describeWithRedis, startRedisServer, type RedisServer } from './redis-server.testing.js';

describeWithRedis('hotClient', () => {
  let server: RedisServer;

  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  // The same hot path on either connection: the minimal one, and ioredis (what rediss:// gets, loaded on demand).
  for (const via of ['resp', 'ioredis'] as const) {
    it(`${via}: pushes and a blocking read written together in one cork answer as the hot path expects`, async () => {
      const c: HotClient = hotClient(server.url, `hot ${via}`, via);
      try {
        const list = `hot:${via}`;
        c.cork();
        const pushed = c.command(['RPUSH', list, Buffer.from([1, 2]), 'b']);
        const read = c.command(['BLMPOP', 1, 1, list, 'LEFT', 'COUNT', 10]);
        c.uncork();
        expect(await pushed).toBe(2);
        const [key, items] = (await read) as [Buffer, Buffer[]];
        expect(key.toString()).toBe(list);
        expect(items.map((b) => [...b])).toEqual([[1, 2], [...Buffer.from('b')]]);
        expect(await c.command(['BLMPOP', 0.01, 1, list, 'LEFT'])).toBeNull();
        await expect(c.command(['RPUSH'])).rejects.toThrow(/wrong number of arguments/);
      } finally {
        c.disconnect();
      }
    });
  }

  it('a dropped connection: the minimal one says a command was in flight (it is not sent again); ioredis sends it again', async () => {
    for (const via of ['resp', 'ioredis'] as const) {
      const c = hotClient(server.url, `hot drop ${via}`, via);
      try {
        const id = (await c.command(['CLIENT', 'ID'])) as number;
        const closed = new Promise<boolean>((resolve) => c.onClose(resolve));
        const list = `hot:drop:${via}`;
        const read = c.command(['BLMPOP', 5, 1, list, 'LEFT']).then(
          (reply) => reply,
          (error: unknown) => error as Error,
        );
        // The read waits in Redis before the cut (CLIENT LIST shows it blocked).
        while (!String(await server.client.call('CLIENT', 'LIST', 'ID', String(id))).includes('cmd=blmpop')) await new Promise((resolve) => setTimeout(resolve, 10));
        await server.client.call('CLIENT', 'KILL', 'ID', String(id));
        expect(await closed).toBe(via === 'resp');
        if (via === 'resp') expect(String(await read)).toMatch(/dropped/);
        else {
          await server.client.rpush(list, 'x');
          expect(((await read) as [Buffer, Buffer[]])[1].map(String)).toEqual(['x']);
        }
      } finally {
        c.disconnect();
      }
    }
  });
});

