// RedisPoolExecutor's own options and the fleet as a whole: several executors, passwords,
// tokens, portable task references, local workers, and the worker command's exits.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BrokenExecutorError } from '@futures/core';
import { runScript, until } from '@futures/executor-tests';
import { BrokenRedisPoolError, RedisConnectionError, RedisPoolExecutor } from '@futures/redis';
import { tasks } from '../test-fixtures/tasks.mjs';
import { REPO_ROOT, describeWithRedis, startFleet, startRedisServer, startWorkerProcess, type RedisServer, type WorkerProcess } from './redis-server.testing.js';

describe('RedisPoolExecutor options', () => {
  const url = '/nonexistent/redis.sock';
  it('refuses bad options up front, naming them', () => {
    const saved = process.env.FUTURES_REDIS_URL;
    delete process.env.FUTURES_REDIS_URL;
    try {
      expect(() => new RedisPoolExecutor()).toThrow(/url is required \(or set FUTURES_REDIS_URL\)/);
    } finally {
      if (saved !== undefined) process.env.FUTURES_REDIS_URL = saved;
    }
    expect(() => new RedisPoolExecutor({ url: 'http://example.com' })).toThrow(/url must start with redis:\/\//);
    expect(() => new RedisPoolExecutor({ url: 5 as never })).toThrow(TypeError);
    expect(() => new RedisPoolExecutor({ url, pool: '' })).toThrow(/pool/);
    expect(() => new RedisPoolExecutor({ url, pool: 'a{b}' })).toThrow(/pool/);
    expect(() => new RedisPoolExecutor({ url, prefix: '' })).toThrow(/prefix/);
    expect(() => new RedisPoolExecutor({ url, leaseMs: 10 })).toThrow(RangeError);
    expect(() => new RedisPoolExecutor({ url, leaseMs: 10 })).toThrow(/leaseMs/);
    expect(() => new RedisPoolExecutor({ url, leaseMs: 99 })).toThrow(/^RedisPoolExecutor: leaseMs must be at least 100 \(ms\), got 99/);
    expect(() => new RedisPoolExecutor({ url, leaseMs: 1000.5 })).toThrow(/leaseMs must be an integer/);
    expect(() => new RedisPoolExecutor({ url, maxWorkers: -1 })).toThrow(/maxWorkers/);
    expect(() => new RedisPoolExecutor({ url, maxFleetWorkers: 0 })).toThrow(/maxFleetWorkers/);
    expect(() => new RedisPoolExecutor({ url, token: '' })).toThrow(/token/);
    expect(() => new RedisPoolExecutor({ url, lease: 5 } as never)).toThrow(/lease/);
  });
});

describeWithRedis('RedisPoolExecutor and its fleet', () => {
  let server: RedisServer;
  const workers: WorkerProcess[] = [];
  const executors: RedisPoolExecutor[] = [];
  const dirs: string[] = [];
  const make = (options: ConstructorParameters<typeof RedisPoolExecutor>[0]) => {
    const ex = new RedisPoolExecutor({ url: server.url, ...options });
    executors.push(ex);
    return ex;
  };

  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterEach(async () => {
    await Promise.all(executors.splice(0).map((ex) => ex.shutdown({ cancelFutures: true })));
    await Promise.all(workers.splice(0).map((w) => w.kill()));
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  afterAll(async () => {
    await server.stop();
  });

  it('two executors on one fleet both finish their work', async () => {
    workers.push(...startFleet(server.url, 'shared', 2));
    const a = make({ pool: 'shared' });
    const b = make({ pool: 'shared' });
    const fa = Array.from({ length: 40 }, (_, i) => a.submit(tasks.incr, server.url, `shared:a:${i}`, 5));
    const fb = Array.from({ length: 40 }, (_, i) => b.submit(tasks.incr, server.url, `shared:b:${i}`, 5));
    expect(await Promise.all(fa)).toHaveLength(40);
    expect(await Promise.all(fb)).toHaveLength(40);
    for (let i = 0; i < 40; i++) {
      expect(await server.client.get(`shared:a:${i}`)).toBe('1');
      expect(await server.client.get(`shared:b:${i}`)).toBe('1');
    }
  });

  it('an executor with a long backlog gives its worker to another executor that waits; no call runs twice', async () => {
    workers.push(...startFleet(server.url, 'fair', 1));
    const a = make({ pool: 'fair' });
    const b = make({ pool: 'fair' });
    const fa = Array.from({ length: 40 }, (_, i) => a.submit(tasks.incr, server.url, `fair:a:${i}`, 50));
    await fa[0];
    const finishedA: number[] = [];
    fa.forEach((f, i) => void f.then(() => finishedA.push(i), () => {}));
    expect(await b.submit(tasks.incr, server.url, 'fair:b', 0)).toBe('fair:b');
    // B got the only worker while A still had most of its 2 s of work left.
    expect(finishedA.length).toBeLessThan(30);
    expect(await Promise.all(fa)).toHaveLength(40);
    for (let i = 0; i < 40; i++) expect(await server.client.get(`fair:a:${i}`)).toBe('1');
  });

  it('an idle executor keeps its worker between batches, and gives it to another executor that waits', async () => {
    const [worker] = startFleet(server.url, 'idle', 1);
    workers.push(worker);
    const a = make({ pool: 'idle' });
    const b = make({ pool: 'idle' });
    const first = await a.submit(tasks.thread);
    // Nobody waits: A keeps the worker (the same session, so the same runtime thread), however long it idles.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await a.submit(tasks.thread)).toBe(first);
    // B waits: idle A gives the worker back, and B is served by it, in a fresh session.
    const forB = await b.submit(tasks.thread);
    expect(forB).not.toBe(first);
    expect(forB.split(':')[0]).toBe(String(worker.pid));
  });

  it('with no worker in the fleet calls wait as PENDING, and run when one joins', async () => {
    const ex = make({ pool: 'late' });
    const f = ex.submit(tasks.pid);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(f.state).toBe('PENDING');
    const [worker] = startFleet(server.url, 'late', 1);
    workers.push(worker);
    expect(await f).toBe(worker.pid);
  });

  it('stats() counts the fleet workers that serve the executor, not its requests nobody has taken', async () => {
    const ex = make({ pool: 'counted' });
    const fs = Array.from({ length: 20 }, () => ex.submit(tasks.pid));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(ex.stats()).toMatchObject({ workers: 0, busyWorkers: 0, queued: 20 });
    const [worker] = startFleet(server.url, 'counted', 1);
    workers.push(worker);
    expect(await Promise.all(fs)).toEqual(Array(20).fill(worker.pid));
    expect(ex.stats().workers).toBe(1);
  });

  it('a worker with a wrong or missing token runs nothing; one with the right token does', async () => {
    workers.push(...startFleet(server.url, 'signed', 1, { FUTURES_TOKEN: 'wrong' }));
    workers.push(...startFleet(server.url, 'signed', 1));
    const ex = make({ pool: 'signed', token: 'right' });
    const f = ex.submit(tasks.incr, server.url, 'signed:runs', 0);
    // Bounded: there is no event for "nothing happened".
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(f.state).toBe('PENDING');
    expect(await server.client.get('signed:runs')).toBeNull();
    workers.push(...startFleet(server.url, 'signed', 1, { FUTURES_TOKEN: 'right' }));
    expect(await f).toBe('signed:runs');
    expect(await server.client.get('signed:runs')).toBe('1');
  });

  it('an executor without a token is not served by workers that have one', async () => {
    workers.push(...startFleet(server.url, 'unsigned', 1, { FUTURES_TOKEN: 'secret' }));
    const ex = make({ pool: 'unsigned' });
    const f = ex.submit(tasks.incr, server.url, 'unsigned:runs', 0);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(f.state).toBe('PENDING');
    expect(await server.client.get('unsigned:runs')).toBeNull();
  });

  it('a worker started in a copy of the project at another path runs its tasks; a module missing there fails that call, naming it', async () => {
    const project = mkdtempSync(join(tmpdir(), 'futures-portable-a-'));
    const copy = mkdtempSync(join(tmpdir(), 'futures-portable-b-'));
    dirs.push(project, copy);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'futures-redis-portable', type: 'module' }));
    const module = (body: string) => `import { defineTasks } from '@futures/core';\nexport const tasks = defineTasks(import.meta.url, { ${body} });\n`;
    mkdirSync(join(project, 'lib'));
    writeFileSync(join(project, 'lib', 'tasks.mjs'), module('where() { return import.meta.url; }, double(x) { return 2 * x; }'));
    writeFileSync(join(project, 'lib', 'extra.mjs'), module('more() { return 1; }'));
    cpSync(project, copy, { recursive: true });
    rmSync(join(copy, 'lib', 'extra.mjs'));
    for (const dir of [project, copy]) {
      mkdirSync(join(dir, 'node_modules', '@futures'), { recursive: true });
      symlinkSync(join(REPO_ROOT, 'packages', 'core'), join(dir, 'node_modules', '@futures', 'core'));
    }
    workers.push(startWorkerProcess(['--url', server.url, '--pool', 'portable', '--workers', '1', '--cwd', copy]));
    const here = (await import(pathToFileURL(join(project, 'lib', 'tasks.mjs')).href)) as { tasks: { where(): string; double(x: number): number } };
    const extra = (await import(pathToFileURL(join(project, 'lib', 'extra.mjs')).href)) as { tasks: { more(): number } };
    const ex = make({ pool: 'portable' });
    expect(await ex.submit(here.tasks.double, 21)).toBe(42);
    expect(await ex.submit(here.tasks.where)).toBe(pathToFileURL(join(copy, 'lib', 'tasks.mjs')).href);
    const error = (await ex.submit(extra.tasks.more).exception()) as Error;
    expect(error.message).toMatch(/futures-redis-portable\/lib\/extra\.mjs/);
    expect(await ex.submit(here.tasks.double, 2)).toBe(4);
  });

  it('maxWorkers spawns local workers that join through Redis and stop on shutdown', async () => {
    const ex = new RedisPoolExecutor({ url: server.url, pool: 'local', maxWorkers: 2 });
    let pids: number[];
    try {
      pids = [];
      while (new Set(pids).size < 2) pids.push(...(await Promise.all(Array.from({ length: 4 }, () => ex.submit(tasks.markPidThenSleep, '/dev/null', 20).then(() => ex.submit(tasks.pid))))));
    } finally {
      await ex.shutdown();
    }
    // shutdown() resolves once the transport has closed, which waits for the local workers to exit.
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    expect([...new Set(pids)].filter(alive)).toEqual([]);
  });

  it('a local worker process that is killed is replaced: only its call fails, the calls behind it run', async () => {
    const ex = new RedisPoolExecutor({ url: server.url, pool: 'local-killed', maxWorkers: 1, leaseMs: 1000 });
    const marker = join(mkdtempSync(join(tmpdir(), 'futures-redis-local-')), 'pid');
    try {
      const running = ex.submit(tasks.markPidThenHang, marker);
      const behind = [ex.submit(tasks.pid), ex.submit(tasks.pid)];
      await until(() => existsSync(marker) && readFileSync(marker, 'utf8') !== '', 'the call is running');
      const first = Number(readFileSync(marker, 'utf8'));
      process.kill(first, 'SIGKILL');
      const error = (await running.exception()) as Error;
      expect(error).toBeInstanceOf(BrokenRedisPoolError);
      const pids = await Promise.all(behind);
      expect(pids[0]).not.toBe(first);
      expect(await ex.submit(tasks.pid)).toBe(pids[0]);
    } finally {
      await ex.shutdown();
      rmSync(dirname(marker), { recursive: true, force: true });
    }
  });

  it('a forgotten executor with nothing pending does not keep its process alive; its local worker stops with it', async () => {
    const { code, out } = await runScript(fileURLToPath(new URL('../test-fixtures/forgotten-pool.mjs', import.meta.url)), server.url, 'forgotten');
    expect(code).toBe(0);
    const pid = Number(out);
    expect(pid).toBeGreaterThan(0);
    const end = Date.now() + 5000;
    for (;;) {
      try {
        process.kill(pid, 0);
      } catch {
        break;
      }
      expect(Date.now(), 'the local worker stops once its executor process is gone').toBeLessThan(end);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });

  it('await shutdown() resolves in a script that has nothing else to do: the lines after it run (local and fleet workers, and right after a call ended by its timeout)', async () => {
    const script = fileURLToPath(new URL('../test-fixtures/shutdown-in-script.mjs', import.meta.url));
    const local = await runScript(script, server.url, 'script-local', '1');
    expect(local.code).toBe(0);
    expect(local.out).toMatch(/^\d+\nshut down$/);
    workers.push(...startFleet(server.url, 'script-fleet', 1));
    const fleet = await runScript(script, server.url, 'script-fleet', '0');
    expect(fleet.code).toBe(0);
    expect(fleet.out).toMatch(/^\d+\nshut down$/);
    // Right after a call ended by its timeout (its worker leaves and rejoins the fleet).
    const ended = await runScript(script, server.url, 'script-fleet', '0', 'timeout');
    expect(ended.code).toBe(0);
    expect(ended.out).toMatch(/^\d+\nTimeoutError\nshut down$/);
  });

  it('fails every call with BrokenRedisPoolError when Redis refuses the executor (wrong password)', async () => {
    const guarded = await startRedisServer({ password: 'sesame' });
    try {
      const ex = new RedisPoolExecutor({ url: guarded.url.replace('sesame', 'wrong'), pool: 'refused' });
      const error = (await ex.submit(tasks.pid).exception()) as Error;
      expect(error).toBeInstanceOf(BrokenRedisPoolError);
      expect(BrokenExecutorError.isInstance(error)).toBe(true);
      expect(RedisConnectionError.isInstance(error.cause)).toBe(true);
      expect((error.cause as RedisConnectionError).code).toBe('ERR_REDIS_REFUSED');
      // One clear message, naming the executor once (it read "a worker could not start: RedisPoolExecutor: …").
      expect(error.message).toMatch(/^RedisPoolExecutor: Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+\/? refused this executor: WRONGPASS/);
      expect(error.message.match(/RedisPoolExecutor/g)).toHaveLength(1);
      expect(() => ex.submit(tasks.pid)).toThrow(BrokenRedisPoolError);
      await ex.shutdown();
    } finally {
      await guarded.stop();
    }
  });

  it('futures-redis-worker exits 3 with a clear message on a wrong password, and serves with the right one', async () => {
    const guarded = await startRedisServer({ password: 'sesame' });
    try {
      const wrong = startWorkerProcess(['--pool', 'auth', '--workers', '1'], { FUTURES_REDIS_URL: guarded.url.replace('sesame', 'wrong') });
      workers.push(wrong);
      expect(await wrong.exited).toEqual({ code: 3, signal: null });
      expect(wrong.stderr()).toMatch(/futures-redis-worker: Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+ refused this client: WRONGPASS/);
      expect(wrong.stderr()).not.toMatch(/sesame|wrong@/);
      workers.push(startWorkerProcess(['--pool', 'auth', '--workers', '1'], { FUTURES_REDIS_URL: guarded.url }));
      const ex = new RedisPoolExecutor({ url: guarded.url, pool: 'auth' });
      try {
        expect(await ex.submit(tasks.incr, guarded.url, 'auth:runs', 0)).toBe('auth:runs');
      } finally {
        await ex.shutdown();
      }
    } finally {
      await guarded.stop();
    }
  });

  it('futures-redis-worker --help exits 0; no URL is a usage error (2)', async () => {
    const help = startWorkerProcess(['--help']);
    workers.push(help);
    expect(await help.exited).toEqual({ code: 0, signal: null });
    const usage = startWorkerProcess(['--pool', 'x']);
    workers.push(usage);
    expect(await usage.exited).toEqual({ code: 2, signal: null });
    expect(usage.stderr()).toMatch(/no Redis URL: pass --url URL or set FUTURES_REDIS_URL/);
  });

  it('futures-redis-worker exits 2 with one line naming the problem for a --cwd that is not a directory, or a --url of another scheme', async () => {
    for (const [args, says] of [
      [['--url', server.url, '--pool', 'nocwd', '--cwd', '/nonexistent/dir'], '--cwd /nonexistent/dir: no such directory'],
      [['--url', server.url, '--pool', 'nocwd', '--cwd', '/etc/passwd'], '--cwd /etc/passwd is not a directory'],
      [['--url', 'foo://x', '--pool', 'nocwd'], '--url must be redis://…, rediss://… (TLS), unix://… or a Unix socket path, got a foo: URL'],
    ] as const) {
      const worker = startWorkerProcess([...args]);
      workers.push(worker);
      expect(await worker.exited).toEqual({ code: 2, signal: null });
      expect(worker.stderr()).toBe(`futures-redis-worker: ${says} (see futures-redis-worker --help)\n`);
    }
  });
});
