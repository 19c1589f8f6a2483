import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { setImmediate as turn } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RespConnection, encodeCommand, respTarget, type RespTarget } from './resp-connection.js';
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

  it('a password given where Redis has none: it gets ready and serves (as with ioredis), not retrying for ever', async () => {
    const c = new RespConnection({ ...respTarget(server.url, 'resp test')!, password: 'not-needed' });
    c.on('error', () => {});
    try {
      expect(await c.command(['PING'])).toBe('PONG');
    } finally {
      c.disconnect();
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

/** A TCP server on 127.0.0.1 that hands each connection to `serve`. */
async function scriptedServer(serve: (socket: Socket) => void): Promise<{ port: number; server: Server }> {
  const server = createServer(serve);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as { port: number }).port, server };
}

/** +PONG for each PING in `data` (commands as encodeCommand writes them), +OK for any other command. */
function answers(data: Buffer): string {
  return data
    .toString('latin1')
    .split(/(?=\*\d+\r\n\$)/)
    .map((command) => (command.includes('\r\nPING\r\n') ? '+PONG\r\n' : '+OK\r\n'))
    .join('');
}

describe('RespConnection against a scripted server', () => {
  const target = (port: number, extra: Partial<RespTarget> = {}): RespTarget => ({ host: '127.0.0.1', port, name: 'scripted', ...extra });

  it('reads replies cut anywhere across many chunks, and the replies it handed out stay intact as more data arrives', async () => {
    const big = Buffer.alloc(200_000, 0x78);
    const stream = Buffer.concat([
      Buffer.from('+OK\r\n'),
      Buffer.from('$5\r\nhello\r\n'),
      Buffer.from('*3\r\n$3\r\nabc\r\n$200000\r\n'),
      big,
      Buffer.from('\r\n:-5\r\n'),
      Buffer.from('*2\r\n$-1\r\n*1\r\n$4\r\n\r\n\r\n\r\n'),
    ]);
    const { port, server } = await scriptedServer((socket) => {
      socket.once('data', async () => {
        // The handshake's CLIENT SETNAME gets the +OK; then the stream goes in pieces of 1 to 4,000 bytes.
        let at = 0;
        for (let i = 0; at < stream.length; i++) {
          const size = i % 3 === 0 ? 1 + (i % 7) : 1 + ((i * 7919) % 4000);
          socket.write(stream.subarray(at, at + size));
          at += size;
          await turn();
        }
      });
    });
    const c = new RespConnection(target(port));
    c.on('error', () => {});
    try {
      const [hello, array, nested] = await Promise.all([c.command(['GET', 'a']), c.command(['X']), c.command(['Y'])]);
      expect(hello).toEqual(Buffer.from('hello'));
      const [abc, bulk, minus] = array as [Buffer, Buffer, number];
      expect(abc.toString()).toBe('abc');
      expect(bulk.equals(big)).toBe(true);
      expect(minus).toBe(-5);
      expect(nested).toEqual([null, [Buffer.from('\r\n\r\n')]]);
      // Read again once everything arrived: nothing handed out was written over.
      expect(hello).toEqual(Buffer.from('hello'));
      expect(bulk.equals(big)).toBe(true);
    } finally {
      c.disconnect();
      server.close();
    }
  });

  it('a drop during the handshake loses no caller\'s command (close says 0), and holds what was asked for the next connection', async () => {
    let connections = 0;
    const { port, server } = await scriptedServer((socket) => {
      // The first connection drops as soon as the handshake arrives; the next answers it and a PING.
      if (++connections === 1) socket.once('data', () => socket.destroy());
      else socket.on('data', (data) => socket.write(answers(data)));
    });
    const c = new RespConnection(target(port));
    c.on('error', () => {});
    try {
      const closed = once(c, 'close');
      const pong = c.command(['PING']);
      expect(await closed).toEqual([0]);
      expect(await pong).toBe('PONG');
    } finally {
      c.disconnect();
      server.close();
    }
  });

  it('a cork taken before the connection is ready does not hold back the handshake, and its commands leave at uncork', async () => {
    const { port, server } = await scriptedServer((socket) => {
      socket.on('data', (data) => socket.write(answers(data)));
    });
    const c = new RespConnection(target(port));
    c.on('error', () => {});
    try {
      c.cork();
      const pong = c.command(['PING']);
      await once(c, 'ready');
      c.uncork();
      expect(await pong).toBe('PONG');
    } finally {
      c.disconnect();
      server.close();
    }
  });
});
