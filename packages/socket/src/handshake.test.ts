import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SocketConnectionError } from './errors.js';
import { acceptHandshake, MAGIC, MAX_HANDSHAKE_BYTES, offerHandshake, PROTOCOL_VERSION, tokenKey, type AcceptOptions } from './handshake.js';

let dir: string;
let server: Server;
let path: string;
const sockets: Socket[] = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'futures-handshake-'));
  path = join(dir, 's.sock');
  server = createServer();
  server.listen(path);
  await once(server, 'listening');
});

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

/** A client socket, connected, and the server's side of it. */
async function pair(): Promise<{ client: Socket; served: Socket }> {
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const client = createConnection(path);
  await once(client, 'connect');
  const [served] = await accepted;
  sockets.push(client, served);
  return { client, served };
}

const key = tokenKey('right token');

function accept(served: Socket, options: Partial<AcceptOptions> = {}) {
  return acceptHandshake(served, { key, maxFrameBytes: 123_456, ...options });
}

async function closed(socket: Socket): Promise<void> {
  if (!socket.destroyed) await once(socket, 'close');
}

describe('handshake', () => {
  it('authenticates both sides, passes the spawn id and maxFrameBytes, and keeps bytes that follow', async () => {
    const { client, served } = await pair();
    const [accepted, offered] = await Promise.all([
      accept(served).then((a) => {
        served.write('first frame bytes');
        return a;
      }),
      offerHandshake(client, { key, workerId: 'spawn-7' }),
    ]);
    expect(accepted.workerId).toBe('spawn-7');
    expect(accepted.pid).toBe(process.pid);
    expect(offered.maxFrameBytes).toBe(123_456);
    // The reader paused the socket; what followed the WELCOME is either in `rest` or still to come.
    const chunks: Buffer[] = [offered.rest];
    client.on('data', (chunk: Buffer) => chunks.push(chunk));
    client.resume();
    while (Buffer.concat(chunks).toString() !== 'first frame bytes') await once(client, 'data');
  });

  it('an external worker presents no spawn id', async () => {
    const { client, served } = await pair();
    const [accepted] = await Promise.all([accept(served), offerHandshake(client, { key })]);
    expect(accepted.workerId).toBeUndefined();
  });

  it('refuses a worker with the wrong token; the worker hears why', async () => {
    const { client, served } = await pair();
    const [a, o] = await Promise.allSettled([accept(served), offerHandshake(client, { key: tokenKey('wrong token') })]);
    expect(a.status === 'rejected' && a.reason).toMatchObject({ code: 'ERR_SOCKET_AUTH' });
    const reason = o.status === 'rejected' ? (o.reason as SocketConnectionError) : undefined;
    expect(reason).toBeInstanceOf(SocketConnectionError);
    expect(reason?.code).toBe('ERR_SOCKET_AUTH');
    expect(reason?.message).toMatch(/refused.*does not know the token/);
    await closed(served);
  });

  it('a worker refuses an executor that cannot prove it knows the token', async () => {
    const { client, served } = await pair();
    // A rogue executor: sends a HELLO, ignores the answer, and welcomes with a made-up proof.
    const hello = Buffer.concat([Buffer.from([1, 0, MAGIC.length + 2 + 32]), MAGIC, Buffer.from([0, PROTOCOL_VERSION]), Buffer.alloc(32, 1)]);
    served.write(hello);
    served.once('data', () => served.write(Buffer.concat([Buffer.from([3, 0, 36]), Buffer.alloc(36, 2)])));
    const error = await offerHandshake(client, { key }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_SOCKET_AUTH', message: expect.stringMatching(/executor does not know the token/) });
  });

  it('refuses another protocol version with a message that names both versions, on both sides', async () => {
    const { client, served } = await pair();
    const [a, o] = await Promise.allSettled([accept(served), offerHandshake(client, { key, version: PROTOCOL_VERSION + 1 })]);
    for (const result of [a, o]) {
      expect(result.status).toBe('rejected');
      const reason = (result as PromiseRejectedResult).reason as SocketConnectionError;
      expect(reason.code).toBe('ERR_SOCKET_VERSION');
      expect(reason.message).toContain(`executor speaks version ${PROTOCOL_VERSION}`);
      expect(reason.message).toContain(`worker speaks version ${PROTOCOL_VERSION + 1}`);
    }
  });

  it('the executor tells a worker of another version why it is refused', async () => {
    const { client, served } = await pair();
    // A worker of a future version that still answers with its version: the executor's REFUSE names both.
    const refused = accept(served).catch((e: unknown) => e);
    const [helloChunk] = (await once(client, 'data')) as [Buffer];
    expect(helloChunk.subarray(3, 3 + MAGIC.length).equals(MAGIC)).toBe(true);
    client.write(Buffer.concat([Buffer.from([2, 0, MAGIC.length + 2]), MAGIC, Buffer.from([0, PROTOCOL_VERSION + 4])]));
    const [reply] = (await once(client, 'data')) as [Buffer];
    expect(reply[0]).toBe(4); // REFUSE
    expect(reply.subarray(4).toString()).toBe(
      `protocol version mismatch: the executor speaks version ${PROTOCOL_VERSION}, the worker speaks version ${PROTOCOL_VERSION + 4}`,
    );
    expect(await refused).toMatchObject({ code: 'ERR_SOCKET_VERSION' });
    await closed(served);
  });

  it('drops a client that sends nothing once the deadline passes', async () => {
    const { served } = await pair();
    const started = Date.now();
    const error = await accept(served, { timeout: 100 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_SOCKET_TIMEOUT' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    await closed(served);
  });

  it('drops a client that sends more than the handshake allows', async () => {
    const { client, served } = await pair();
    const error = accept(served).catch((e: unknown) => e);
    client.write(Buffer.alloc(MAX_HANDSHAKE_BYTES + 1, 2));
    expect(await error).toMatchObject({ code: 'ERR_SOCKET_PROTOCOL' });
    await closed(served);
  });

  it('drops a client that sends garbage instead of an answer', async () => {
    const { client, served } = await pair();
    const error = accept(served).catch((e: unknown) => e);
    client.write('GET / HTTP/1.1\r\n\r\n');
    expect(await error).toMatchObject({ code: 'ERR_SOCKET_PROTOCOL' });
    await closed(served);
  });

  it('refuses a client that sends a valid hello prefix followed by junk', async () => {
    const { client, served } = await pair();
    const error = accept(served).catch((e: unknown) => e);
    const junk = Buffer.alloc(32 + 32 + 1 + 5 + 4, 0xab);
    junk[64] = 5;
    client.write(Buffer.concat([Buffer.from([2, 0, MAGIC.length + 2 + junk.length]), MAGIC, Buffer.from([0, PROTOCOL_VERSION]), junk]));
    expect(await error).toMatchObject({ code: 'ERR_SOCKET_AUTH' });
    await closed(served);
  });

  it('refuses an authenticated worker when admit says no, telling it why', async () => {
    const { client, served } = await pair();
    const [a, o] = await Promise.allSettled([
      accept(served, { admit: (id) => (id === 'stale' ? 'no worker was spawned with this id' : undefined) }),
      offerHandshake(client, { key, workerId: 'stale' }),
    ]);
    expect(a.status === 'rejected' && a.reason).toMatchObject({ code: 'ERR_SOCKET_REFUSED' });
    expect(o.status === 'rejected' && o.reason).toMatchObject({ code: 'ERR_SOCKET_REFUSED', message: expect.stringMatching(/no worker was spawned/) });
  });

  it('a worker refuses a socket that does not belong to a futures executor', async () => {
    const { client, served } = await pair();
    served.write('SSH-2.0-OpenSSH_9.6\r\n');
    expect(await offerHandshake(client, { key }).catch((e: unknown) => e)).toMatchObject({ code: 'ERR_SOCKET_PROTOCOL' });
  });

  it('a worker gives up when the executor closes the connection during the handshake', async () => {
    const { client, served } = await pair();
    served.end();
    expect(await offerHandshake(client, { key }).catch((e: unknown) => e)).toMatchObject({ code: 'ERR_SOCKET_CLOSED' });
  });
});
