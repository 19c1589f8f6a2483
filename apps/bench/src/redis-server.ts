/**
 * A private redis-server for the Redis rows: on a Unix socket in a fresh
 * 0700 directory, no persistence, killed by pid when the contender closes
 * (and when the bench exits, through the reaper, which sees it as our child).
 * Without `redis-server` on the PATH the Redis rows are n/a with a message
 * saying how to install it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REDIS_INSTALL_HINT = 'apt-get install -y --no-install-recommends redis-server';

export interface BenchRedis {
  /** The socket path: RedisPoolExecutor's `url`. */
  url: string;
  stop(): Promise<void>;
  kill(): void;
}

/** True when `redis-server` runs. */
export function hasRedisServer(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** One PING over the socket; true on +PONG. */
function ping(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection(path);
    let reply = '';
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: string) => {
      reply += chunk;
      if (reply.includes('\r\n')) {
        socket.destroy();
        resolve(reply.startsWith('+PONG'));
      }
    });
    socket.on('error', () => resolve(false));
  });
}

/** Starts a private server and resolves once it answers PING. */
export async function startBenchRedis(): Promise<BenchRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'futures-bench-redis-'));
  const path = join(dir, 'r.sock');
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', '0', '--unixsocket', path, '--unixsocketperm', '700', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: 'ignore' },
  );
  const exited = once(child, 'exit');
  const kill = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  const deadline = Date.now() + 10_000;
  while (!(await ping(path))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      kill();
      rmSync(dir, { recursive: true, force: true });
      throw new Error('redis-server did not start');
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    url: path,
    kill,
    async stop() {
      kill();
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
