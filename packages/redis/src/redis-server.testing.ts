/**
 * Test helpers: a private redis-server per test file, and fleet workers
 * started as separate `futures-redis-worker` processes. Everything started
 * here is killed by pid when the test file is done, and when the process
 * exits, whatever happens.
 *
 * Without `redis-server` on the PATH the Redis tests are skipped locally with
 * a message saying how to install it; under `CI=true` they fail instead.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection as connectSocket, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis, type RedisOptions } from 'ioredis';
import { describe, it } from 'vitest';

const INSTALL = 'apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends redis-server';

/** The repository root: fleet workers resolve task modules from here. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** The built worker command, as users run it. */
export const WORKER_CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

/** Every process started here, killed on exit whatever happens. */
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

function hasRedisServer(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** `describe`, when redis-server is installed; else a skip with how to install it (a failure under CI=true). */
export function describeWithRedis(name: string, body: () => void): void {
  if (hasRedisServer()) {
    describe(name, body);
    return;
  }
  if (process.env.CI === 'true') {
    describe(name, () => {
      it('needs redis-server', () => {
        throw new Error(`redis-server is not installed; install it with: ${INSTALL}`);
      });
    });
    return;
  }
  console.warn(`Skipping "${name}": redis-server is not installed. Install it with: ${INSTALL}`);
  describe.skip(name, body);
}

export interface RedisServer {
  /** What to pass as `url`: the Unix socket path, or `redis://:password@127.0.0.1:port`. */
  url: string;
  pid: number;
  /** A client for the test's own checks (closed by stop()). */
  client: Redis;
  /** Kills the server (SIGKILL) and waits for it; idempotent. */
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Starts a private redis-server: on a Unix socket in a fresh 0700 directory,
 * or with `password`, on 127.0.0.1 on a free port with `--requirepass`.
 * Resolves once it answers PING.
 */
export async function startRedisServer(options: { password?: string } = {}): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'futures-redis-'));
  const args = ['--save', '', '--appendonly', 'no', '--dir', dir];
  let url: string;
  let connectOptions: RedisOptions;
  if (options.password === undefined) {
    const path = join(dir, 'r.sock');
    args.unshift('--port', '0', '--unixsocket', path, '--unixsocketperm', '700');
    url = path;
    connectOptions = { path };
  } else {
    const port = await freePort();
    args.unshift('--port', String(port), '--bind', '127.0.0.1', '--requirepass', options.password);
    url = `redis://:${encodeURIComponent(options.password)}@127.0.0.1:${port}`;
    connectOptions = { host: '127.0.0.1', port, password: options.password };
  }
  const child = spawn('redis-server', args, { stdio: 'ignore' });
  children.add(child);
  const exited = once(child, 'exit');
  const client = new Redis({ ...connectOptions, lazyConnect: true, retryStrategy: () => 20, maxRetriesPerRequest: null });
  client.on('error', () => {});
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await client.connect();
      if ((await client.ping()) === 'PONG') break;
    } catch {
      // Not listening yet.
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server did not start (${args.join(' ')})`);
    }
    client.disconnect();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  let stopped: Promise<void> | undefined;
  return {
    url,
    pid: child.pid!,
    client,
    stop() {
      stopped ??= (async () => {
        client.disconnect();
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await exited;
        children.delete(child);
        rmSync(dir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}

export interface WorkerProcess {
  child: ChildProcess;
  pid: number;
  /** Everything it wrote to stderr so far. */
  stderr(): string;
  /** Resolves with how it ended. */
  exited: Promise<{ code: number | null; signal: string | null }>;
  /** SIGKILL (if still running), then wait. */
  kill(): Promise<void>;
}

/** Starts `futures-redis-worker` with these arguments (and `env` on top of ours, without FUTURES_TOKEN unless given). */
export function startWorkerProcess(args: string[], env: Record<string, string | undefined> = {}, cwd = REPO_ROOT): WorkerProcess {
  const fullEnv: Record<string, string | undefined> = { ...process.env, FUTURES_TOKEN: undefined, FUTURES_REDIS_URL: undefined, ...env };
  for (const key of Object.keys(fullEnv)) if (fullEnv[key] === undefined) delete fullEnv[key];
  const child = spawn(process.execPath, [WORKER_CLI, ...args], { cwd, env: fullEnv as NodeJS.ProcessEnv, stdio: ['ignore', 'inherit', 'pipe'] });
  children.add(child);
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    child.once('close', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    });
  });
  return {
    child,
    pid: child.pid!,
    stderr: () => err,
    exited,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Starts `n` fleet workers for `pool`, each a process of its own (`--workers 1`). */
export function startFleet(url: string, pool: string, n: number, env: Record<string, string | undefined> = {}): WorkerProcess[] {
  return Array.from({ length: n }, (_, i) => startWorkerProcess(['--url', url, '--pool', pool, '--workers', '1', '--name', `${pool}-w${i + 1}`, '--cwd', REPO_ROOT], env));
}

export interface ReplyCutter {
  /** The proxy's Unix socket: pass it as `url` to the side whose reads are cut. */
  path: string;
  /**
   * Arms the proxy: the next reply that brings frames to a blocking read of a
   * list whose name contains `listMark` (`:in:` for a worker's inbox, `:out:`
   * for an executor's outbox) is dropped with its connection, as a network
   * cut just after Redis ran the read. Resolves once it has cut.
   */
  cutNextRead(listMark: string): Promise<void>;
  /**
   * From the next blocking read of a list whose name contains `listMark`,
   * that connection gets no reply any more, yet stays open: a server or a
   * network that stopped answering without a reset, on that connection only.
   * Resolves once that read has gone by.
   */
  stallNextRead(listMark: string): Promise<void>;
  close(): Promise<void>;
}

/** A Unix socket proxy in front of `target` (a Unix socket path) that can cut a read's reply on demand. */
export async function startReplyCutter(target: string): Promise<ReplyCutter> {
  const dir = mkdtempSync(join(tmpdir(), 'futures-cutter-'));
  const path = join(dir, 'p.sock');
  const sockets = new Set<Socket>();
  let armed: { mark: Buffer; cut(): void } | undefined;
  let stall: { mark: Buffer; stalled(): void } | undefined;
  const server = createServer((downstream) => {
    const upstream = connectSocket(target);
    let stalled = false;
    sockets.add(downstream).add(upstream);
    const drop = () => {
      downstream.destroy();
      upstream.destroy();
      sockets.delete(downstream);
      sockets.delete(upstream);
    };
    downstream.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    downstream.on('data', (chunk: Buffer) => {
      const s = stall;
      if (s !== undefined && chunk.includes('BLMPOP') && chunk.includes(s.mark)) {
        stall = undefined;
        stalled = true;
        s.stalled();
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (stalled) return;
      const a = armed;
      if (a !== undefined && chunk.includes(a.mark)) {
        armed = undefined;
        drop();
        a.cut();
        return;
      }
      downstream.write(chunk);
    });
  });
  server.listen(path);
  await once(server, 'listening');
  return {
    path,
    cutNextRead(listMark) {
      return new Promise((resolve) => (armed = { mark: Buffer.from(listMark), cut: resolve }));
    },
    stallNextRead(listMark) {
      return new Promise((resolve) => (stall = { mark: Buffer.from(listMark), stalled: resolve }));
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
