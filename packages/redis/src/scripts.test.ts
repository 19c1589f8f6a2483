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

  it('push lands only while the heartbeat and the alive key exist, and keeps working after Redis forgot its scripts', async () => {
    const client = connect(server.url, 'scripts test');
    try {
      const scripts = scriptsOn(client);
      const frame = Buffer.from('frame');
      expect(await scripts.push('t:hb', 't:x', 't:out', 5_000, [frame])).toBe(0);
      await client.set('t:hb', '1');
      await client.set('t:x', '1');
      expect(await scripts.push('t:hb', 't:x', 't:out', 5_000, [frame])).toBe(1);
      // Sent by its SHA1 now; after SCRIPT FLUSH Redis answers NOSCRIPT, and the script is sent again in full.
      expect(await scripts.push('t:hb', 't:x', 't:out', 5_000, [frame])).toBe(1);
      await client.script('FLUSH');
      expect(await scripts.push('t:hb', 't:x', 't:out', 5_000, [frame])).toBe(1);
      expect(await client.llen('t:out')).toBe(3);
      // By SHA1 once loaded (the one after the flush refused with NOSCRIPT), in full before and after it.
      const stats = await client.info('commandstats');
      const calls = (command: string) => Number(new RegExp(`cmdstat_${command}:calls=(\\d+),`).exec(stats)?.[1] ?? 0);
      expect(calls('evalsha')).toBeGreaterThanOrEqual(2);
      expect(calls('eval')).toBeGreaterThanOrEqual(2);
      expect(await client.pttl('t:out')).toBeGreaterThan(0);
    } finally {
      client.disconnect();
    }
  });
});
