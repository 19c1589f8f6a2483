import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RespConnection, encodeCommand, respTarget } from './resp-connection.js';
import { describeWithRedis, startRedisServer, type RedisServer } from './redis-server.testing.js';

describe('encodeCommand', () => {
  it('writes a RESP array of bulk strings: UTF-8 strings, decimal numbers, bytes as they are', () => {
    expect(encodeCommand(['SET', 'clé', 42, Buffer.from([0, 13, 10])]).toString('latin1')).toBe(
      '*4\r\n$3\r\nSET\r\n$4\r\ncl\xc3\xa9\r\n$2\r\n42\r\n$3\r\n\x00\r\n\r\n',
    );
  });
});

describe('respTarget', () => {
  it('takes Unix sockets and redis:// URLs with user, password and db; leaves rediss:// (TLS) to ioredis', () => {
    expect(respTarget('/run/r.sock', 'n')).toMatchObject({ path: '/run/r.sock', name: 'n' });
    expect(respTarget('redis://u:p%40ss@10.0.0.1:7000/3', 'n')).toMatchObject({ host: '10.0.0.1', port: 7000, username: 'u', password: 'p@ss', db: 3 });
    expect(respTarget('rediss://h:6380', 'n')).toBeUndefined();
  });
});

describeWithRedis('RespConnection', () => {
  let server: RedisServer;
  let guarded: RedisServer;

  beforeAll(async () => {
    [server, guarded] = await Promise.all([startRedisServer(), startRedisServer({ password: 's3cret' })]);
  });
  afterAll(async () => {
    await Promise.all([server.stop(), guarded.stop()]);
  });

  function open(url: string): RespConnection {
    const c = new RespConnection(respTarget(url, 'resp test')!);
    c.on('error', () => {});
    return c;
  }

  it('answers commands in order: integers, bulk bytes, nil, nested arrays (BLMPOP), error replies', async () => {
    const c = open(server.url);
    try {
      const big = Buffer.alloc(3 * 1024 * 1024, 7);
      const replies = await Promise.all([
        c.command(['DEL', 'resp:l']),
        c.command(['RPUSH', 'resp:l', 'a', big]),
        c.command(['BLMPOP', 1, 1, 'resp:l', 'LEFT', 'COUNT', 10]),
        c.command(['GET', 'resp:none']),
        c.command(['LMPOP', 1, 'resp:l', 'LEFT']),
      ]);
      expect(replies[1]).toBe(2);
      const [key, items] = replies[2] as [Buffer, Buffer[]];
      expect(key.toString()).toBe('resp:l');
      expect(items[0].toString()).toBe('a');
      expect(items[1].equals(big)).toBe(true);
      expect(replies[3]).toBeNull();
      expect(replies[4]).toBeNull();
      await expect(c.command(['INCR', 'resp:l', 'extra'])).rejects.toThrow(/wrong number of arguments/);
      // The connection goes on after an error reply.
      expect(await c.command(['ECHO', 'still here'])).toEqual(Buffer.from('still here'));
      expect((await c.command(['CLIENT', 'GETNAME']))?.toString()).toBe('resp-test');
    } finally {
      c.disconnect();
    }
  });

  it('authenticates with the password of the URL; a wrong one never gets ready and says why', async () => {
    const c = open(guarded.url);
    const wrong = new RespConnection(respTarget(guarded.url.replace('s3cret', 'nope'), 'wrong')!);
    const refused = once(wrong, 'error');
    wrong.on('error', () => {});
    try {
      expect(await c.command(['PING'])).toBe('PONG');
      const error = await refused;
      expect(String(error[0])).toMatch(/WRONGPASS|invalid password/);
      expect(wrong.ready).toBe(false);
    } finally {
      c.disconnect();
      wrong.disconnect();
    }
  });

  it('an ACL user that may not name its connection still gets a working connection', async () => {
    await guarded.client.call('ACL', 'SETUSER', 'nameless', 'on', '>pw', '~*', '+@all', '-client|setname');
    const url = guarded.url.replace(/\/\/[^@]*@/, '//nameless:pw@');
    const c = open(url);
    try {
      expect(await c.command(['ECHO', 'served'])).toEqual(Buffer.from('served'));
      expect(await c.command(['ACL', 'WHOAMI'])).toEqual(Buffer.from('nameless'));
    } finally {
      c.disconnect();
    }
  });

  it('a dropped connection rejects what was in flight (not sent again), says how many, and serves later commands after reconnecting', async () => {
    const c = open(server.url);
    try {
      const id = (await c.command(['CLIENT', 'ID'])) as number;
      // Their rejections are looked at once the close is seen: caught now, so that none goes unhandled meanwhile.
      const read = c.command(['BLMPOP', 5, 1, 'resp:never', 'LEFT']).catch((error: unknown) => error);
      const behind = c.command(['PING']).catch((error: unknown) => error);
      expect(c.inFlight).toBe(2);
      const closed = once(c, 'close');
      await server.client.call('CLIENT', 'KILL', 'ID', String(id));
      expect((await closed)[0]).toBe(2);
      expect(String(await read)).toMatch(/dropped/);
      expect(String(await behind)).toMatch(/dropped/);
      expect(await c.command(['ECHO', 'back'])).toEqual(Buffer.from('back'));
      expect(await c.command(['CLIENT', 'ID'])).not.toBe(id);
    } finally {
      c.disconnect();
    }
  });
});
