import { afterAll, beforeAll, expect, it } from 'vitest';
import { connect } from './connection.js';
import { scriptsOn } from './scripts.js';
import { describeWithRedis, startRedisServer, type RedisServer } from './redis-server.testing.js';

describeWithRedis('scripts', () => {
  let server: RedisServer;

  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  /** Runs `body` with a client of its own, disconnected afterwards whatever happens. */
  async function withClient(name: string, body: (client: ReturnType<typeof connect>) => Promise<void>): Promise<void> {
    const client = connect(server.url, name);
    try {
      await body(client);
    } finally {
      client.disconnect();
    }
  }

  it('push lands only while the heartbeat and the alive key exist', async () => {
    await withClient('scripts test', async (client) => {
      const scripts = scriptsOn(client);
      const frame = Buffer.from('frame');
      expect(await scripts.push('t:hb', 't:x', 't:out', 5_000, [frame])).toBe(0);
      await client.set('t:hb', '1');
      await client.set('t:x', '1');
      expect(await scripts.push('t:hb', 't:x', 't:out', 5_000, [frame])).toBe(1);
      expect(await client.llen('t:out')).toBe(1);
      expect(await client.pttl('t:out')).toBeGreaterThan(0);
    });
  });

  it('a push sent again (its reply lost with a dropped connection) lands once', async () => {
    await withClient('scripts resend test', async (client) => {
      const scripts = scriptsOn(client);
      const send = (seqs: number[]) => scripts.send('r:in', 'r:hb', 'r:in:last', 5_000, seqs[seqs.length - 1], seqs.map((seq) => Buffer.from(`frame ${seq}`)));
      expect(await send([1])).toBe(0);
      await client.set('r:hb', '1');
      expect(await send([1, 2])).toBe(1);
      // The client sends it again after a reconnect: Redis had run it.
      expect(await send([1, 2])).toBe(1);
      expect(await send([3])).toBe(1);
      expect(await send([3])).toBe(1);
      expect((await client.lrange('r:in', 0, -1)).map(String)).toEqual(['frame 1', 'frame 2', 'frame 3']);
    });
  });

  it('a script goes by SHA1 once sent in full, and keeps working after Redis forgot it', async () => {
    await withClient('scripts sha test', async (client) => {
      const scripts = scriptsOn(client);
      await client.set('s:x', '1');
      await client.set('s:hb', '1');
      expect(await scripts.beat('s:hb', 's:x', 5_000)).toBe(1);
      expect(await scripts.beat('s:hb', 's:x', 5_000)).toBe(1);
      await client.script('FLUSH');
      // Refused with NOSCRIPT, then sent in full again.
      expect(await scripts.beat('s:hb', 's:x', 5_000)).toBe(1);
      expect(await scripts.beat('s:hb', 's:x', 5_000)).toBe(1);
      const stats = await client.info('commandstats');
      const calls = (command: string) => Number(new RegExp(`cmdstat_${command}:calls=(\\d+),`).exec(stats)?.[1] ?? 0);
      expect(calls('evalsha')).toBeGreaterThanOrEqual(2);
      expect(calls('eval')).toBeGreaterThanOrEqual(2);
    });
  });

  it('pushes land in the order they were made when Redis forgot the scripts while some were under way', async () => {
    const client = connect(server.url, 'scripts order test');
    const other = connect(server.url, 'scripts order test, another process');
    try {
      const scripts = scriptsOn(client);
      await client.set('o:hb', '1');
      await client.set('o:x', '1');
      const push = (frame: string) => scripts.push('o:hb', 'o:x', 'o:out', 5_000, [Buffer.from(frame)]);
      expect(await push('a')).toBe(1);
      await server.client.script('FLUSH');
      // b runs first, while Redis has no scripts; c waits behind a blocking read, and runs after another
      // connection (another worker) has sent the script in full again. b must still land before c.
      const b = push('b');
      const gate = client.blpop('o:gate', 0);
      const c = push('c');
      expect(await scriptsOn(other).push('o:hb', 'o:x', 'o:elsewhere', 5_000, [Buffer.from('z')])).toBe(1);
      await server.client.rpush('o:gate', 'open');
      await gate;
      expect(await Promise.all([b, c])).toEqual([1, 1]);
      expect((await client.lrange('o:out', 0, -1)).map(String)).toEqual(['a', 'b', 'c']);
    } finally {
      client.disconnect();
      other.disconnect();
    }
  });
});
