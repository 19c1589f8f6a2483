// Socket-specific behaviour of SocketPoolExecutor; the shared executor suite (socket-pool-executor.suite.test.ts)
// covers submit/map/cancel/shutdown. The tests import the built package, as users do: its worker command is dist/cli.js.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { BrokenExecutorError } from '@futures/core';
import { BrokenSocketPoolError, runWorker, SocketConnectionError, SocketPoolExecutor, type SocketPoolOptions } from '@futures/socket';
import { markThenHang, runTypeScriptTasks, startMarker, until } from '@futures/executor-tests';
import { tasks } from '../test-fixtures/tasks.mjs';
import { offerHandshake, tokenKey } from './handshake.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`../test-fixtures/${name}`, import.meta.url));

const pools: SocketPoolExecutor[] = [];
const children: ChildProcess[] = [];
const sockets: Socket[] = [];
const dirs: string[] = [];

function pool(options: SocketPoolOptions = {}): SocketPoolExecutor {
  const p = new SocketPoolExecutor({ maxWorkers: 1, ...options });
  pools.push(p);
  return p;
}

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(pools.splice(0).map((p) => p.shutdown({ cancelFutures: true })));
  await Promise.all(
    children.splice(0).map(async (child) => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, 'exit');
        child.kill('SIGKILL');
        await exited;
      }
    }),
  );
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

interface Started {
  child: ChildProcess;
  /** Resolves with how the process ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr: () => string;
  /** Resolves with the next line the process prints, parsed as JSON. */
  nextLine: () => Promise<any>;
}

function start(command: string[], env: NodeJS.ProcessEnv = {}): Started {
  const child = spawn(process.execPath, command, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  return {
    child,
    exited,
    stderr: () => stderr,
    nextLine: async () => {
      const { value, done } = await lines.next();
      if (done) throw new Error(`the process printed nothing more; stderr: ${stderr}`);
      return JSON.parse(value as string);
    },
  };
}

/** `futures-worker --connect path` in another process. */
function startCli(path: string, token: string | undefined, ...args: string[]): Started {
  const env: NodeJS.ProcessEnv = { FUTURES_TOKEN: token };
  if (token === undefined) env.FUTURES_TOKEN = '';
  return start([CLI, '--connect', path, ...args], env);
}

/** A raw client connection to the executor. It reads and drops what the executor sends, so that it sees the end. */
async function rawClient(path: string, read = true): Promise<Socket> {
  const socket = createConnection(path);
  sockets.push(socket);
  socket.on('error', () => {});
  await once(socket, 'connect');
  if (read) socket.resume();
  return socket;
}

async function closed(socket: Socket): Promise<void> {
  if (!socket.destroyed) await once(socket, 'close');
}


function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('SocketPoolExecutor: options', () => {
  it('rejects bad path, token and maxFrameBytes, naming the option', () => {
    expect(() => new SocketPoolExecutor({ path: 5 as never })).toThrow(/path/);
    expect(() => new SocketPoolExecutor({ token: '' })).toThrow(/token must not be empty/);
    expect(() => new SocketPoolExecutor({ token: Buffer.from('x') as never })).toThrow(TypeError);
    expect(() => new SocketPoolExecutor({ maxFrameBytes: 10 })).toThrow(RangeError);
    expect(() => new SocketPoolExecutor({ maxFrameBytes: 2 ** 40 })).toThrow(/maxFrameBytes/);
    expect(() => new SocketPoolExecutor({ maxFrameBytes: '1MB' as never })).toThrow(/maxFrameBytes/);
    expect(() => new SocketPoolExecutor({ maxWorkers: -1 })).toThrow(RangeError);
    expect(() => new SocketPoolExecutor({ maxWorker: 1 } as never)).toThrow(/maxWorker/);
  });

  it('accepts maxWorkers 0, and uses the token it is given', () => {
    const p = pool({ maxWorkers: 0, token: 'my secret' });
    expect(p.token).toBe('my secret');
  });

  it('makes up a random token when none is given', () => {
    const a = pool();
    const b = pool();
    expect(a.token).toMatch(/^[\w-]{40,}$/);
    expect(a.token).not.toBe(b.token);
  });

  it('refuses a path that already exists, and leaves it alone', () => {
    const dir = mkdtempSync(join(tmpdir(), 'futures-test-'));
    dirs.push(dir);
    const first = pool({ path: join(dir, 'taken.sock') });
    expect(() => new SocketPoolExecutor({ path: first.address })).toThrow(/already exists/);
    expect(statSync(first.address).isSocket()).toBe(true);
  });
});

describe('SocketPoolExecutor: the socket file', () => {
  it('by default lives in a fresh 0700 directory, is 0600, and both are gone after shutdown', async () => {
    const p = pool();
    const dir = dirname(p.address);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(p.address).isSocket()).toBe(true);
    expect(statSync(p.address).mode & 0o777).toBe(0o600);
    expect(await p.submit(tasks.add, 1, 2)).toBe(3);
    await p.shutdown();
    expect(existsSync(p.address)).toBe(false);
    expect(existsSync(dir)).toBe(false);
  });

  it('lives under XDG_RUNTIME_DIR when it is set', async () => {
    const runtime = mkdtempSync(join(tmpdir(), 'futures-xdg-'));
    dirs.push(runtime);
    const saved = process.env.XDG_RUNTIME_DIR;
    process.env.XDG_RUNTIME_DIR = runtime;
    try {
      const p = pool({ maxWorkers: 0 });
      expect(dirname(dirname(p.address))).toBe(runtime);
      await p.shutdown();
      expect(existsSync(dirname(p.address))).toBe(false);
    } finally {
      if (saved === undefined) delete process.env.XDG_RUNTIME_DIR;
      else process.env.XDG_RUNTIME_DIR = saved;
    }
  });

  it('at a path of the user\'s choosing is 0600 and removed after shutdown; the directory stays', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'futures-test-'));
    dirs.push(dir);
    const p = pool({ path: join(dir, 'mine.sock') });
    expect(p.address).toBe(join(dir, 'mine.sock'));
    expect(statSync(p.address).mode & 0o777).toBe(0o600);
    expect(await p.submit(tasks.add, 2, 2)).toBe(4);
    await p.shutdown();
    expect(existsSync(p.address)).toBe(false);
    expect(existsSync(dir)).toBe(true);
  });

  it('a program that forgets to shut down still exits on its own, taking the socket, its directory and its workers', async () => {
    const program = start([fixture('forgotten-pool.mjs')]);
    const { address, pid } = await program.nextLine();
    expect(await program.exited).toEqual({ code: 0, signal: null });
    expect(existsSync(address)).toBe(false);
    expect(existsSync(dirname(address))).toBe(false);
    await until(() => !alive(pid), `worker ${pid} exits`);
  });

  it('a program that forgets to shut down while its workers are still joining exits quietly: they say nothing on its stderr', async () => {
    const program = start([fixture('forgotten-pool.mjs'), '4']);
    await program.nextLine();
    // Its workers write to the same stderr: it closes only when they have all exited.
    expect(await program.exited).toEqual({ code: 0, signal: null });
    expect(program.stderr()).toBe('');
  });

  it('spawned workers get the node flags of the executor, so TypeScript task modules load through its loader (as with tsx)', async () => {
    expect(await runTypeScriptTasks('@futures/socket', 'SocketPoolExecutor')).toEqual({
      code: 0,
      signal: null,
      out: '{"length":5,"inWorker":true}',
    });
  });

  it('a call waiting for an external worker keeps the program alive until one joins', async () => {
    const program = start([fixture('waiting-pool.mjs')]);
    const { address } = await program.nextLine();
    const worker = startCli(address, 'waiting-token');
    expect(await program.nextLine()).toEqual({ ranIn: worker.child.pid });
    expect(await program.exited).toEqual({ code: 0, signal: null });
    expect(await worker.exited).toEqual({ code: 0, signal: null });
  });
});

describe('SocketPoolExecutor: workers that join from outside', () => {
  it('with maxWorkers 0, calls wait until a worker joins with runWorker, which resolves on shutdown', async () => {
    const p = pool({ maxWorkers: 0 });
    const f = p.submit(tasks.add, 20, 22);
    const early = await Promise.race([f.result(), new Promise((resolve) => setTimeout(() => resolve('waiting'), 100))]);
    expect(early).toBe('waiting');
    expect(f.state).toBe('PENDING');
    const served = runWorker({ path: p.address, token: p.token });
    expect(await f).toBe(42);
    expect(await p.submit(tasks.pid)).toBe(process.pid);
    await p.shutdown();
    await served;
  });

  it('a futures-worker started by hand runs calls, and exits with code 0 when the executor shuts down', async () => {
    const p = pool({ maxWorkers: 0 });
    const worker = startCli(p.address, p.token);
    expect(await p.submit(tasks.pid)).toBe(worker.child.pid);
    expect(await p.submit(tasks.env, 'FUTURES_TOKEN')).toBeUndefined();
    await p.shutdown();
    expect(await worker.exited).toEqual({ code: 0, signal: null });
  });

  it('an external worker killed mid-call fails only that call; a worker that joins later runs the rest', async () => {
    const p = pool({ maxWorkers: 0 });
    const first = startCli(p.address, p.token);
    expect(await p.submit(tasks.pid)).toBe(first.child.pid);
    const marker = startMarker();
    const dying = p.submit(markThenHang, marker.path);
    const next = p.submit(tasks.pid);
    await marker.started();
    marker.dispose();
    first.child.kill('SIGKILL');
    const error = (await dying.exception()) as Error;
    expect(error).toBeInstanceOf(BrokenSocketPoolError);
    expect(BrokenExecutorError.isInstance(error)).toBe(true);
    expect(error.message).toContain(`external worker 1 (pid ${first.child.pid}) disconnected while running markThenHang`);
    expect(next.done()).toBe(false);
    const second = startCli(p.address, p.token);
    expect(await next).toBe(second.child.pid);
  });

  it('an external worker killed before it started the call dispatched to it: the call goes back to the queue', async () => {
    const p = pool({ maxWorkers: 0 });
    const first = startCli(p.address, p.token);
    expect(await p.submit(tasks.pid)).toBe(first.child.pid);
    // Stopped, it cannot read the call it is sent, let alone start it.
    first.child.kill('SIGSTOP');
    const call = p.submit(tasks.pid);
    await until(() => call.running(), 'the call is dispatched to the stopped worker');
    first.child.kill('SIGKILL');
    await once(first.child, 'exit');
    const second = startCli(p.address, p.token);
    expect(await call).toBe(second.child.pid);
  });

  it('shutdown ends every worker: spawned ones and external ones', async () => {
    const p = pool({ maxWorkers: 1 });
    const spawnedPid = await p.submit(tasks.sleepThenPid, 20);
    const external = startCli(p.address, p.token);
    const served = runWorker({ path: p.address, token: p.token });
    // Calls this long go one at a time to each idle worker: batches of three reach all three once they joined.
    const pids = new Set<number>();
    while (!pids.has(external.child.pid!) || !pids.has(process.pid)) {
      for (const pid of await Promise.all([1, 2, 3].map(() => p.submit(tasks.sleepThenPid, 20)))) pids.add(pid);
    }
    expect(pids).toEqual(new Set([spawnedPid, external.child.pid, process.pid]));
    await p.shutdown();
    expect(await external.exited).toEqual({ code: 0, signal: null });
    await served;
    await until(() => !alive(spawnedPid), 'the spawned worker exits');
  });

  it('when the executor process dies, the workers it spawned exit, even one inside a CPU-bound call', async () => {
    const program = start([fixture('killed-executor.mjs')]);
    const { address, pids } = await program.nextLine();
    dirs.push(dirname(address)); // SIGKILL leaves no chance to remove it
    program.child.kill('SIGKILL');
    await program.exited;
    for (const pid of pids as number[]) await until(() => !alive(pid), `worker ${pid} exits`);
  });
});

describe('SocketPoolExecutor: spawned workers', () => {
  it('keep the token, the spawn id and the executor pid from their tasks (a task that starts a process must not pass them on)', async () => {
    const p = pool({ maxWorkers: 1 });
    for (const key of ['FUTURES_TOKEN', 'FUTURES_WORKER_ID', 'FUTURES_EXECUTOR_PID']) expect(await p.submit(tasks.env, key)).toBeUndefined();
  });
});

describe('SocketPoolExecutor: worker failures', () => {
  it('a spawned worker SIGKILLed mid-call fails only that call; a new worker replaces it', async () => {
    const p = pool({ maxWorkers: 1 });
    const firstPid = await p.submit(tasks.pid);
    const marker = startMarker();
    const dying = p.submit(markThenHang, marker.path);
    const behind = p.submit(tasks.pid);
    // Wait until the worker has really started the call: one merely dispatched would go back to the queue.
    await marker.started();
    marker.dispose();
    process.kill(firstPid, 'SIGKILL');
    const error = (await dying.exception()) as Error;
    expect(error).toBeInstanceOf(BrokenSocketPoolError);
    expect((error as BrokenSocketPoolError).code).toBe('ERR_BROKEN_SOCKET_POOL');
    expect(error.message).toContain(`pid ${firstPid} was killed by SIGKILL while running markThenHang`);
    const nextPid = await behind;
    expect(nextPid).not.toBe(firstPid);
    expect(await p.submit(tasks.add, 1, 1)).toBe(2);
  });

  it('a replacement whose spawn fails with EMFILE (descriptors held by silent connections) is retried: the call runs and the pool stays usable', async () => {
    // Under a low descriptor limit the fixture fills the table with silent connections, kills the
    // only worker, and reports the call it submitted meanwhile once the handshake deadline has
    // dropped those connections (before, the pool broke for good at the first EMFILE).
    const fixture = fileURLToPath(new URL('../test-fixtures/out-of-descriptors.mjs', import.meta.url));
    const child = spawn('bash', ['-c', 'ulimit -n 100 && exec "$0" "$1"', process.execPath, fixture], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    const [code] = (await once(child, 'close')) as [number | null];
    expect(code).toBe(0);
    const report = JSON.parse(out) as { silent: number; ran?: boolean; error?: string; after: number };
    expect(report.silent).toBeGreaterThan(0);
    expect(report).toMatchObject({ ran: true, after: 4 });
  });

  it('an argument larger than maxFrameBytes fails only that call, with an error that says so', async () => {
    const p = pool({ maxFrameBytes: 64 * 1024 });
    const tooBig = p.submit(tasks.byteSum, new Uint8Array(100 * 1024));
    const fine = p.submit(tasks.byteSum, new Uint8Array(1000).fill(1));
    const error = (await tooBig.exception()) as Error;
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(/argument 1 of byteSum/);
    expect(error.message).toMatch(/maxFrameBytes \(65536\)/);
    expect(await fine).toBe(1000);
    expect(await p.submit(tasks.add, 1, 2)).toBe(3);
  });

  it('a result larger than maxFrameBytes fails only that call; the worker stays', async () => {
    const p = pool({ maxFrameBytes: 64 * 1024 });
    const pid = await p.submit(tasks.pid);
    const error = (await p.submit(tasks.bytes, 100 * 1024).exception()) as Error;
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(/result .*maxFrameBytes/);
    expect(await p.submit(tasks.pid)).toBe(pid);
  });

  it('initargs that cannot be sent break the pool when the first worker joins; shutdown still completes', async () => {
    const p = pool({ maxWorkers: 0, initializer: tasks.add, initargs: [() => 1] });
    const f = p.submit(tasks.add, 1, 2);
    const served = runWorker({ path: p.address, token: p.token });
    const error = (await f.exception()) as Error;
    expect(error).toBeInstanceOf(BrokenSocketPoolError);
    expect(error.message).toMatch(/initargs cannot be sent/);
    await served;
    await p.shutdown();
    expect(existsSync(p.address)).toBe(false);
  });

  it('large binary values cross as raw bytes, both ways', async () => {
    const p = pool();
    const big = new Float64Array(200_000).map((_, i) => i);
    const sent = { big, again: big, buffer: Buffer.alloc(100_000, 3) };
    const back = (await p.submit(tasks.echo, sent)) as typeof sent;
    expect(back.big).toBeInstanceOf(Float64Array);
    expect(back.big[199_999]).toBe(199_999);
    expect(back.again).toBe(back.big);
    expect(Buffer.isBuffer(back.buffer)).toBe(true);
    expect(await p.submit(tasks.byteSum, back.buffer)).toBe(300_000);
  });
});

describe('SocketPoolExecutor: clients that misbehave are refused; everything else goes on', () => {
  /** A pool with a call in progress across the misbehaviour, which must still succeed. */
  async function busyPool(): Promise<{ p: SocketPoolExecutor; check: () => Promise<void> }> {
    const p = pool({ maxWorkers: 1 });
    const pid = await p.submit(tasks.pid);
    const during = p.submit(tasks.sleepThenPid, 50);
    return {
      p,
      check: async () => {
        expect(await during).toBe(pid);
        expect(await p.submit(tasks.add, 2, 3)).toBe(5);
        expect(await p.submit(tasks.pid)).toBe(pid);
      },
    };
  }

  it('garbage bytes', async () => {
    const { p, check } = await busyPool();
    const socket = await rawClient(p.address);
    socket.write(Buffer.from('GET / HTTP/1.1\r\nHost: futures\r\n\r\n'.repeat(40)));
    await closed(socket);
    await check();
  });

  it('a wrong token: runWorker rejects, futures-worker exits with code 3', async () => {
    const { p, check } = await busyPool();
    const error = await runWorker({ path: p.address, token: 'not the token' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SocketConnectionError);
    expect((error as SocketConnectionError).code).toBe('ERR_SOCKET_AUTH');
    const cli = startCli(p.address, 'not the token either');
    expect(await cli.exited).toEqual({ code: 3, signal: null });
    expect(cli.stderr()).toMatch(/does not know the token/);
    await check();
  });

  it('a silent client is dropped after the handshake deadline (2 s)', async () => {
    const { p, check } = await busyPool();
    const socket = await rawClient(p.address);
    const started = Date.now();
    await check();
    await closed(socket);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_500);
  });

  it('a client that sends a valid hello and then junk', async () => {
    const { p, check } = await busyPool();
    const socket = await rawClient(p.address, false);
    await once(socket, 'data'); // the executor's HELLO
    socket.resume();
    socket.write(Buffer.concat([Buffer.from([2, 0, 10 + 70]), Buffer.from('FUTRSOCK'), Buffer.from([0, 1]), Buffer.alloc(70, 0x5a)]));
    await closed(socket);
    await check();
  });

  it('an authenticated client that sends junk frames', async () => {
    const { p, check } = await busyPool();
    const socket = await rawClient(p.address, false);
    await offerHandshake(socket, { key: tokenKey(p.token) });
    socket.resume();
    socket.write(Buffer.concat([Buffer.from([5, 0, 0, 0, 0, 0, 0, 0]), Buffer.from([0xc1, 0xc1, 0xc1, 0xc1, 0xc1])]));
    await closed(socket);
    await check();
  });

  it('an authenticated client that announces an oversized frame', async () => {
    const { p, check } = await busyPool();
    const socket = await rawClient(p.address, false);
    await offerHandshake(socket, { key: tokenKey(p.token) });
    socket.resume();
    const header = Buffer.alloc(8);
    header.writeUInt32LE(1024 * 1024 * 1024, 0);
    socket.write(header);
    await closed(socket);
    await check();
  });
});

describe('futures-worker', () => {
  it('--help prints the usage and exits 0', async () => {
    const cli = start([CLI, '--help']);
    const out: string[] = [];
    cli.child.stdout!.on('data', (chunk: Buffer) => out.push(chunk.toString()));
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    expect(out.join('')).toMatch(/Usage: futures-worker --connect PATH/);
    expect(out.join('')).toMatch(/Exit codes/);
  });

  it('exits 2 on a usage error: no --connect, no FUTURES_TOKEN', async () => {
    const noPath = start([CLI], { FUTURES_TOKEN: 'x' });
    expect(await noPath.exited).toEqual({ code: 2, signal: null });
    expect(noPath.stderr()).toMatch(/--connect PATH is required/);
    const noToken = startCli('/tmp/nothing.sock', undefined);
    expect(await noToken.exited).toEqual({ code: 2, signal: null });
    expect(noToken.stderr()).toMatch(/FUTURES_TOKEN/);
  });

  it('exits 4 when nothing listens at the path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'futures-test-'));
    dirs.push(dir);
    const cli = startCli(join(dir, 'none.sock'), 'x');
    expect(await cli.exited).toEqual({ code: 4, signal: null });
    expect(cli.stderr()).toMatch(/cannot connect/);
  });
});

describe('SocketPoolExecutor: many pools in one process', () => {
  it('adds one process exit listener however many pools are open (no MaxListenersExceededWarning past 10)', async () => {
    const before = process.listenerCount('exit');
    const pools = Array.from({ length: 12 }, () => new SocketPoolExecutor({ maxWorkers: 0 }));
    try {
      expect(process.listenerCount('exit')).toBeLessThanOrEqual(before + 1);
    } finally {
      await Promise.all(pools.map((p) => p.shutdown()));
    }
    expect(process.listenerCount('exit')).toBe(before);
    for (const p of pools) expect(existsSync(p.address)).toBe(false);
  });
});
